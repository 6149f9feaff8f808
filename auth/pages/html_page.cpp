#include "auth/pages/html_page.h"


extern "C" const char flint_auth_pages_start[];
extern "C" const char flint_auth_pages_end[];

namespace flint::auth {
namespace {

const text::HtmlTemplates& templates() {
  static const text::HtmlTemplates pages(std::string_view(flint_auth_pages_start, flint_auth_pages_end - flint_auth_pages_start));
  return pages;
}

}  // namespace

std::string renderPage(const std::string& page, const std::string& title,
                       const std::map<std::string, std::string>& values) {
  return templates().fill("layout", {{"title", title}, {"html:content", templates().fill(page, values)}});
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
