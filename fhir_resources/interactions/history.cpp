// history at the instance, type and system level, newest first, paged with a keyset cursor.
#include <charconv>

#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/rest/bundle_writer.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/rest/url_encoding.h"
#include "fhir_resources/search/date_range.h"
#include "fhir_resources/search/result_params.h"
#include "fhir_resources/service/resource_service.h"

namespace flint::fhir {
namespace {

const char* kCursorParam = "_page_before";

std::string encodeCursor(const ResourceRow& row) {
  return std::to_string(row.lastUpdated) + "~" + row.type + "~" + row.id + "~" + std::to_string(row.versionId);
}

HistoryCursor decodeCursor(const std::string& text) {
  HistoryCursor c;
  size_t a = text.find('~'), b = text.find('~', a + 1), d = text.find('~', b + 1);
  auto bad = [] { return FhirError(400, "invalid", "malformed paging cursor", kCursorParam); };
  if (a == std::string::npos || b == std::string::npos || d == std::string::npos) throw bad();
  auto number = [&](size_t from, size_t to) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data() + from, text.data() + to, v);
    if (ec != std::errc() || ptr != text.data() + to) throw bad();
    return v;
  };
  c.lastUpdated = number(0, a);
  c.type = text.substr(a + 1, b - a - 1);
  c.id = text.substr(b + 1, d - b - 1);
  c.versionId = number(d + 1, text.size());
  return c;
}

}  // namespace

FhirResponse historyInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type,
                                const std::string& id) {
  HistoryQuery query;
  if (!type.empty()) query.type = type;
  if (!id.empty()) query.id = id;
  std::optional<std::string> count;
  Params kept;
  for (const auto& [name, value] : req.params) {
    if (name == "_since") {
      auto range = parseDateRange(value);
      if (!range) throw FhirError(400, "invalid", "_since must be a FHIR instant", "_since");
      query.since = range->low;
    } else if (name == "_count") {
      count = value;
    } else if (name == kCursorParam) {
      query.before = decodeCursor(value);
      continue;
    } else if (isFormatParam(name)) {
    } else if (parsePrefer(req.prefer).strictHandling) {
      throw FhirError(400, "not-supported", "history does not support the parameter '" + name + "'", name);
    } else {
      continue;
    }
    kept.emplace_back(name, value);
  }
  query.limit = pageSize(count, ctx.settings) + 1;

  ResourceRepository repo(ctx.session, ctx.instance);
  if (!id.empty() && !repo.current(type, id)) throw FhirError(404, "not-found", type + "/" + id + " is not known");
  auto rows = repo.history(query);
  const bool more = static_cast<int>(rows.size()) == query.limit;
  if (more) rows.pop_back();

  std::string path = req.baseUrl;
  if (!type.empty()) path += "/" + type;
  if (!id.empty()) path += "/" + id;
  path += "/_history";
  BundleWriter bundle("history", req.baseUrl);
  Params selfParams = kept;
  for (const auto& [name, value] : req.params)
    if (name == kCursorParam) selfParams.emplace_back(name, value);
  bundle.link("self", selfParams.empty() ? path : path + "?" + encodeQuery(selfParams));
  if (more && !rows.empty()) {
    Params next = kept;
    next.emplace_back(kCursorParam, encodeCursor(rows.back()));
    bundle.link("next", path + "?" + encodeQuery(next));
  }
  for (const auto& row : rows) bundle.historyEntry(row);
  FhirResponse response;
  response.body = bundle.finish();
  return response;
}

}  // namespace flint::fhir
