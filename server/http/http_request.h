// An HTTP/1.1 request as the parser hands it to a worker: path and query already split and decoded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flint::http {

struct HttpRequest {
  std::string method;
  std::string target;                 // as sent: path plus query
  std::vector<std::string> segments;  // the path split on '/', each percent-decoded
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  bool keepAlive = true;
  // Names the request in its response (X-Request-Id) and in the log: the client's own when
  // well-formed (1 to 64 of A-Z a-z 0-9 . _ : -), else one made up.
  std::string requestId;
  // When its last bytes reached the machine, as the kernel stamped them (else when it was read).
  std::chrono::steady_clock::time_point received;
  // Set when the request could not be accepted as sent (malformed target, ...).
  int rejectStatus = 0;
  std::string rejectReason;

  // The first header of that (lower-case) name, or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return {};
  }
  std::optional<std::string> queryParam(std::string_view name) const {
    for (const auto& [n, v] : query)
      if (n == name) return v;
    return std::nullopt;
  }
};

// Sets request.requestId from its X-Request-Id header, or a new one, and request.received to now.
void assignRequestId(HttpRequest& request);

// The media type of a Content-Type or Accept item, parameters and spaces removed, lower case.
std::string mediaType(std::string_view header);

}  // namespace flint::http
