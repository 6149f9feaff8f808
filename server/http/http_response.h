// An HTTP response and its HTTP/1.1 wire form.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace flint::http {

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string contentType;  // empty: no body type
  bool close = false;       // close the connection after this response
  // A body too large to hold at once (a bulk export file): `streamLength` bytes (-1: not known
  // beforehand, sent chunked), produced piece by piece by the worker sending it, after the
  // headers. Each call sets the next piece; false when there is none. The connection closes if
  // the pieces fall short of a known length.
  std::function<bool(std::string&)> stream;
  int64_t streamLength = 0;
};

const char* reasonPhrase(int status);
// Status line, headers (with Content-Length, Date, Connection), blank line and body.
std::string serialize(const HttpResponse& response, bool keepAlive, const std::string& requestId = "");

}  // namespace flint::http
