#include "server/http/http_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/crypto/digest.h"

namespace flint::http {

void assignRequestId(HttpRequest& request) {
  request.received = std::chrono::steady_clock::now();
  const std::string_view given = request.header("x-request-id");
  const bool wellFormed = !given.empty() && given.size() <= 64 &&
                          std::all_of(given.begin(), given.end(), [](unsigned char c) {
                            return std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
                          });
  if (wellFormed) {
    request.requestId = std::string(given);
    return;
  }
  // A random prefix per thread and a counter: unique without asking the random generator per
  // request on the read path.
  thread_local const std::string prefix = crypto::randomToken(9);
  thread_local uint64_t counter = 0;
  char suffix[17] = {'-'};
  char* end = std::to_chars(suffix + 1, suffix + sizeof suffix, ++counter, 16).ptr;
  request.requestId.reserve(prefix.size() + static_cast<size_t>(end - suffix));
  request.requestId.assign(prefix).append(suffix, end);
}

std::string mediaType(std::string_view header) {
  std::string_view type = header.substr(0, header.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  std::string out(type);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace flint::http
