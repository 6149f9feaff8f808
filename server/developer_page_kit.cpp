#include "server/developer_page_kit.h"

#include "auth/endpoints/auth_http.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/text/html_template.h"
#include "core/url/query_string.h"
#include "server/responses.h"

extern "C" const char flint_developer_pages_start[];
extern "C" const char flint_developer_pages_end[];

namespace flint::server::portal {
namespace {

const text::HtmlTemplates& templates() {
  static const text::HtmlTemplates pages(
      std::string_view(flint_developer_pages_start, flint_developer_pages_end - flint_developer_pages_start));
  return pages;
}

}  // namespace

std::string fill(const std::string& page, const Values& values) { return templates().fill(page, values); }

http::HttpResponse page(int status, const std::string& title, const std::string& content, const std::string& nav) {
  return htmlResponse(status, fill("layout", {{"title", title}, {"html:content", content}, {"html:nav", nav}}),
                      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

std::string sessionToken(const http::HttpRequest& request) {
  return auth::cookieValue(std::string(request.header("cookie")), kSessionCookie);
}

std::string sessionCookie(const std::string& token, bool secure) {
  return std::string(kSessionCookie) + "=" + token + "; Path=/developer; Max-Age=43200; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string clearedSessionCookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/developer; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string csrfToken(const std::string& sessionToken) {
  return crypto::hexEncode(crypto::sha256("developer-portal-form:" + sessionToken)).substr(0, 32);
}

void checkCsrf(const std::map<std::string, std::string>& form, const std::string& sessionToken) {
  const auto it = form.find("csrf");
  if (sessionToken.empty() || it == form.end() || !crypto::constantTimeEquals(it->second, csrfToken(sessionToken)))
    throw developer::DeveloperError(403, "forbidden", "this form is out of date: open the page again and resend it");
}

std::map<std::string, std::string> formOf(const http::HttpRequest& request) {
  if (http::mediaType(request.header("content-type")) != "application/x-www-form-urlencoded")
    throw developer::DeveloperError(415, "invalid_request", "the page sends a form (application/x-www-form-urlencoded)");
  const auto pairs = url::parseQuery(request.body);
  if (!pairs) throw developer::DeveloperError(400, "invalid_request", "the form is malformed");
  std::map<std::string, std::string> form;
  for (const auto& [name, value] : *pairs) form[name] = value;
  return form;
}

std::string box(const std::string& cssClass, const std::string& text) {
  return "<div class=\"" + cssClass + "\">" + text::escapeHtml(text) + "</div>";
}

void addProblems(Values& values, const developer::DeveloperError& error) {
  values["html:error"] = box("error", error.what());
  for (const auto& problem : error.problems()) {
    std::string& slot = values["html:error:" + problem.field.substr(0, problem.field.find('['))];
    slot += "<p class=\"field-error\">" + text::escapeHtml(problem.message) + "</p>";
  }
}

}  // namespace flint::server::portal
