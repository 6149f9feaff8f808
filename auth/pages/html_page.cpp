#include "auth/pages/html_page.h"

#include <stdexcept>

extern "C" const char flint_auth_pages_start[];
extern "C" const char flint_auth_pages_end[];

namespace flint::auth {
namespace {

const std::map<std::string, std::string>& templates() {
  static const std::map<std::string, std::string> pages = [] {
    std::map<std::string, std::string> out;
    const std::string text(flint_auth_pages_start, flint_auth_pages_end);
    const std::string marker = "<!-- page: ";
    for (size_t at = text.find(marker); at != std::string::npos;) {
      size_t nameEnd = text.find(" -->\n", at);
      std::string name = text.substr(at + marker.size(), nameEnd - at - marker.size());
      size_t bodyStart = nameEnd + 5;
      size_t next = text.find(marker, bodyStart);
      out[name] = text.substr(bodyStart, next == std::string::npos ? std::string::npos : next - bodyStart);
      at = next;
    }
    return out;
  }();
  return pages;
}

std::string fill(const std::string& page, const std::map<std::string, std::string>& values) {
  auto it = templates().find(page);
  if (it == templates().end()) throw std::logic_error("no page template " + page);
  std::string out;
  const std::string& text = it->second;
  for (size_t pos = 0;;) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      out.append(text, pos);
      return out;
    }
    size_t close = text.find("}}", open);
    out.append(text, pos, open - pos);
    std::string key = text.substr(open + 2, close - open - 2);
    if (auto raw = values.find("html:" + key); raw != values.end())
      out += raw->second;
    else if (auto value = values.find(key); value != values.end())
      out += escapeHtml(value->second);
    pos = close + 2;
  }
}

}  // namespace

std::string escapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string renderPage(const std::string& page, const std::string& title,
                       const std::map<std::string, std::string>& values) {
  return fill("layout", {{"title", title}, {"html:content", fill(page, values)}});
}

AuthResponse htmlResponse(int status, std::string html) {
  AuthResponse r;
  r.status = status;
  r.contentType = "text/html;charset=utf-8";
  r.body = std::move(html);
  r.headers = {{"Cache-Control", "no-store"},
               {"Pragma", "no-cache"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"}};
  return r;
}

AuthResponse errorPage(int status, const std::string& message) {
  return htmlResponse(status, renderPage("error", "Authorization error", {{"message", message}}));
}

}  // namespace flint::auth
