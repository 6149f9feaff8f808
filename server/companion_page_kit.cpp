#include "server/companion_page_kit.h"

#include "companion/staff/staff_session.h"
#include "core/text/html_template.h"
#include "core/url/query_string.h"
#include "server/responses.h"

extern "C" const char flint_companion_pages_start[];
extern "C" const char flint_companion_pages_end[];

namespace flint::server::companion_pages {
namespace {

const text::HtmlTemplates& templates() {
  static const text::HtmlTemplates pages(
      std::string_view(flint_companion_pages_start, flint_companion_pages_end - flint_companion_pages_start));
  return pages;
}

}  // namespace

std::string fill(const std::string& page, const std::map<std::string, std::string>& values) {
  return templates().fill(page, values);
}

http::HttpResponse page(int status, const instances::Instance& instance, const std::string& title, const std::string& content,
                        const std::string& sessionToken) {
  const std::string base = "/" + instance.name + "/companion";
  const std::string signout =
      sessionToken.empty() ? "" : fill("signout", {{"action", base + "/signout"}, {"token", companion::staffFormToken(sessionToken)}});
  return htmlResponse(status,
                      fill("layout", {{"title", title},
                                      {"organization", instance.organizationName},
                                      {"home", base + "/"},
                                      {"html:signout", signout},
                                      {"html:content", content}}),
                      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https:; form-action 'self'; "
                      "frame-ancestors 'none'; base-uri 'none'");
}

std::map<std::string, std::string> formOf(const http::HttpRequest& request) {
  std::map<std::string, std::string> form;
  if (http::mediaType(request.header("content-type")) != "application/x-www-form-urlencoded") return form;
  if (auto pairs = url::parseQuery(request.body))
    for (auto& [name, value] : *pairs) form[name] = value;
  return form;
}

std::string iconUrl(const companion::CompanionApp& app, const std::string& base) {
  return app.icon.rfind("https://", 0) == 0 ? app.icon : base + "/icons/" + app.clientId + ".svg";
}

std::string humanName(const json::Value& resource) {
  const auto* names = resource.find("name");
  if (names == nullptr || !names->isArray() || names->items().empty()) return "(no name)";
  const auto& n = names->items().front();
  if (auto text = n.stringAt("text")) return *text;
  std::string out;
  if (const auto* given = n.find("given"))
    for (const auto& g : given->items()) out += g.text() + " ";
  return out + n.stringAt("family").value_or("");
}

std::string conceptText(const json::Value* codeable) {
  if (codeable == nullptr || !codeable->isObject()) return "";
  if (auto text = codeable->stringAt("text")) return *text;
  if (const auto* codings = codeable->find("coding"); codings != nullptr && codings->isArray() && !codings->items().empty())
    return codings->items().front().stringAt("display").value_or(codings->items().front().stringAt("code").value_or(""));
  return "";
}

std::string patientBanner(const json::Value& patient) {
  std::string banner = humanName(patient) + " · born " + patient.stringAt("birthDate").value_or("?") + " · " +
                       patient.stringAt("gender").value_or("?");
  if (const auto* ids = patient.find("identifier"); ids != nullptr && ids->isArray() && !ids->items().empty()) {
    const auto& id = ids->items().front();
    const std::string type = conceptText(id.find("type"));
    banner += " · " + (type.empty() ? std::string("ID") : type) + " " + id.stringAt("value").value_or("");
  }
  return banner;
}

}  // namespace flint::server::companion_pages
