#include "fhir_resources/rest/request_headers.h"

#include <charconv>

namespace flint::fhir {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Preferences parsePrefer(std::string_view header) {
  Preferences prefs;
  while (!header.empty()) {
    size_t sep = header.find_first_of(",;");
    std::string_view token = trim(header.substr(0, sep));
    header = sep == std::string_view::npos ? std::string_view() : header.substr(sep + 1);
    if (token == "return=minimal") prefs.returnPref = ReturnPreference::Minimal;
    else if (token == "return=representation") prefs.returnPref = ReturnPreference::Representation;
    else if (token == "return=OperationOutcome") prefs.returnPref = ReturnPreference::OperationOutcome;
    else if (token == "handling=strict") prefs.strictHandling = true, prefs.lenientHandling = false;
    else if (token == "handling=lenient") prefs.strictHandling = false, prefs.lenientHandling = true;
  }
  return prefs;
}

std::optional<int64_t> parseETagVersion(std::string_view etag) {
  etag = trim(etag);
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() < 3 || etag.front() != '"' || etag.back() != '"') return std::nullopt;
  etag = etag.substr(1, etag.size() - 2);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(etag.data(), etag.data() + etag.size(), v);
  if (ec != std::errc() || ptr != etag.data() + etag.size() || v < 1) return std::nullopt;
  return v;
}

std::string etagFor(int64_t versionId) { return "W/\"" + std::to_string(versionId) + "\""; }

bool isJsonContentType(std::string_view mediaType) {
  return mediaType.empty() || mediaType == "application/fhir+json" || mediaType == "application/json" ||
         mediaType == "application/json+fhir";
}

}  // namespace flint::fhir
