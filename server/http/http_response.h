// An HTTP response and its HTTP/1.1 wire form.
#pragma once

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
};

const char* reasonPhrase(int status);
// Status line, headers (with Content-Length, Date, Connection), blank line and body.
std::string serialize(const HttpResponse& response, bool keepAlive);

}  // namespace flint::http
