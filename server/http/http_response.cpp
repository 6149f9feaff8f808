#include "server/http/http_response.h"

#include <ctime>
#include <string_view>

namespace flint::http {
namespace {

// The Date header changes once a second: each thread that answers formats it once a second, and
// no answer waits on another's.
const std::string& httpDateNow() {
  thread_local std::time_t cachedAt = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cachedAt) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cachedAt = now;
  }
  return cached;
}

}  // namespace

const char* reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string serialize(const HttpResponse& response, bool keepAlive, const std::string& requestId) {
  std::string out;
  out.reserve(response.body.size() + 256);
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += reasonPhrase(response.status);
  out += "\r\nDate: ";
  out += httpDateNow();
  out += "\r\n";
  const auto header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  if (!response.contentType.empty()) header("Content-Type", response.contentType);
  for (const auto& [name, value] : response.headers) header(name, value);
  if (!requestId.empty()) header("X-Request-Id", requestId);
  const bool bodyless = response.status == 204 || response.status == 304 || response.status < 200;
  if (response.stream && response.streamLength < 0)
    out += "Transfer-Encoding: chunked\r\n";
  else if (!bodyless)
    header("Content-Length",
           std::to_string(response.stream ? response.streamLength : static_cast<int64_t>(response.body.size())));
  if (!keepAlive || response.close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!bodyless) out += response.body;
  return out;
}

}  // namespace flint::http
