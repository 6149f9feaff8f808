#include "conformance/api_docs.h"

#include "core/json/json_parser.h"
#include "core/text/html_template.h"

extern "C" const char flint_docs_page_start[];
extern "C" const char flint_docs_page_end[];

namespace flint::conformance {
namespace {

using json::Value;

const text::HtmlTemplates& templates() {
  static const text::HtmlTemplates pages(
      std::string_view(flint_docs_page_start, flint_docs_page_end - flint_docs_page_start));
  return pages;
}

std::string code(const std::string& s) { return "<code>" + text::escapeHtml(s) + "</code>"; }

// The strings of `array` (or of `key` in each of its objects) as a comma-separated list of code.
std::string codes(const Value* array, const char* key = nullptr, const std::string& prefix = "") {
  std::string out;
  if (array == nullptr) return "none";
  for (const auto& item : array->items()) {
    const auto text = key ? item.stringAt(key) : (item.isString() ? std::optional<std::string>(item.text()) : std::nullopt);
    if (!text || text->rfind(prefix, 0) != 0) continue;
    out += (out.empty() ? "" : ", ") + code(*text);
  }
  return out.empty() ? "none" : out;
}

std::string resourceRows(const Value& rest) {
  std::string rows;
  const Value* resources = rest.find("resource");
  if (resources == nullptr) return rows;
  for (const auto& resource : resources->items()) {
    std::string operations;
    if (const Value* ops = resource.find("operation"))
      for (const auto& op : ops->items()) operations += ", " + code("$" + op.stringAt("name").value_or(""));
    rows += "<tr><td id=\"" + text::escapeHtml(resource.stringAt("type").value_or("")) + "\">" +
            text::escapeHtml(resource.stringAt("type").value_or("")) + "</td><td>" +
            codes(resource.find("interaction"), "code") + operations + "</td><td class=\"params\">" +
            codes(resource.find("searchParam"), "name") + "</td></tr>\n";
  }
  return rows;
}

std::string minutes(int64_t seconds) { return std::to_string(seconds / 60); }

}  // namespace

std::string defaultTermsOfUse() { return templates().fill("terms", {}); }

std::string renderApiDocs(const std::string& capabilityStatement, const std::string& smartConfiguration,
                          const ApiDocsFacts& facts) {
  const Value cs = json::parse(capabilityStatement);
  const Value smart = json::parse(smartConfiguration);
  const Value& rest = cs.find("rest")->items().front();
  std::string bulk;
  for (const auto& resource : rest.find("resource")->items())
    if (const Value* ops = resource.find("operation"))
      for (const auto& op : ops->items())
        if (op.stringAt("name") == "export")
          bulk += code("GET|POST [base]/" + resource.stringAt("type").value_or("") +
                       (resource.stringAt("type") == "Group" ? "/[id]" : "") + "/$export") + ", ";
  bulk += code("GET|POST [base]/$export");
  std::string clientTypes = codes(smart.find("capabilities"), nullptr, "client-") + ", backend services";
  const std::string terms = facts.termsOfUse.empty() ? defaultTermsOfUse() : facts.termsOfUse;
  const std::string title = "Flint FHIR API documentation";
  const std::string content = templates().fill(
      "docs", {{"title", title},
               {"version", facts.serverVersion},
               {"fhirVersion", cs.stringAt("fhirVersion").value_or("")},
               {"fhirBase", facts.fhirBase},
               {"authBase", facts.authBase},
               {"directoryUrl", facts.directoryUrl},
               {"authorizeUrl", smart.stringAt("authorization_endpoint").value_or("")},
               {"tokenUrl", smart.stringAt("token_endpoint").value_or("")},
               {"introspectUrl", smart.stringAt("introspection_endpoint").value_or("")},
               {"revokeUrl", smart.stringAt("revocation_endpoint").value_or("")},
               {"jwksUrl", smart.stringAt("jwks_uri").value_or("")},
               {"html:clientTypes", clientTypes},
               {"html:grantTypes", codes(smart.find("grant_types_supported"))},
               {"html:authMethods", codes(smart.find("token_endpoint_auth_methods_supported"))},
               {"html:algs", codes(smart.find("token_endpoint_auth_signing_alg_values_supported"))},
               {"html:pkce", codes(smart.find("code_challenge_methods_supported"))},
               {"html:capabilities", codes(smart.find("capabilities"))},
               {"html:scopes", codes(smart.find("scopes_supported"))},
               {"userTokenMinutes", minutes(facts.userAccessTokenSeconds)},
               {"backendTokenMinutes", minutes(facts.backendAccessTokenSeconds)},
               {"refreshDays", std::to_string(facts.refreshTokenDays)},
               {"html:systemInteractions", codes(rest.find("interaction"), "code")},
               {"html:systemOperations", codes(rest.find("operation"), "name")},
               {"html:resources", resourceRows(rest)},
               {"html:bulkOperations", bulk},
               {"terms", terms}});
  return templates().fill("layout", {{"title", title}, {"html:content", content}});
}

}  // namespace flint::conformance
