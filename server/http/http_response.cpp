#include "server/http/http_response.h"

#include <atomic>
#include <ctime>
#include <mutex>

namespace flint::http {
namespace {

// The Date header changes once a second; format it once a second, not per response.
std::string httpDateNow() {
  static std::mutex mutex;
  static std::time_t cachedAt = 0;
  static std::string cached;
  std::time_t now = std::time(nullptr);
  std::lock_guard lock(mutex);
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
  if (!response.contentType.empty()) out += "Content-Type: " + response.contentType + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  if (!requestId.empty()) out += "X-Request-Id: " + requestId + "\r\n";
  const bool bodyless = response.status == 204 || response.status == 304 || response.status < 200;
  if (response.stream && response.streamLength < 0)
    out += "Transfer-Encoding: chunked\r\n";
  else if (!bodyless)
    out += "Content-Length: " +
           std::to_string(response.stream ? response.streamLength : static_cast<int64_t>(response.body.size())) +
           "\r\n";
  if (!keepAlive || response.close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!bodyless) out += response.body;
  return out;
}

}  // namespace flint::http
