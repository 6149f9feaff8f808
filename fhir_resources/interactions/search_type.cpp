// search-type: GET [type]?... and POST [type]/_search: _id, _lastUpdated, every indexed token,
// string, reference and date parameter of the type (with their modifiers), _count and keyset
// paging. Other parameters are reported as ignored (or refused under Prefer: handling=strict)
// rather than silently widening the result.
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/rest/bundle_writer.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/rest/url_encoding.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/search/index_condition.h"
#include "fhir_resources/search/last_updated_param.h"
#include "fhir_resources/search/result_params.h"

#include <algorithm>

namespace flint::fhir {
namespace {

const char* kCursorParam = "_cursor";

std::vector<std::string> splitCommas(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = value.find(',', start);
    out.push_back(value.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

const SearchParamDef* indexedParam(const std::string& type, const std::string& name) {
  const std::string code = name.substr(0, name.find(':'));
  for (const auto* def : indexedSearchParams(type))
    if (def->code == code) return def;
  return nullptr;
}

// Repeated _id parameters AND together: only ids named by every one of them can match.
void restrictIds(ResourceQuery& query, const std::string& value, bool& first) {
  auto ids = splitCommas(value);
  std::sort(ids.begin(), ids.end());
  if (first) {
    query.ids = ids;
    first = false;
  } else {
    std::vector<std::string> both;
    std::set_intersection(query.ids.begin(), query.ids.end(), ids.begin(), ids.end(), std::back_inserter(both));
    query.ids = both;
  }
}

}  // namespace

FhirResponse searchTypeInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type) {
  const bool strict = parsePrefer(req.prefer).strictHandling;
  ResourceQuery query;
  query.type = type;
  std::optional<std::string> count;
  Params kept;
  std::vector<std::string> ignored;
  bool firstIdParam = true;
  bool noIdCanMatch = false;
  for (const auto& [name, value] : req.params) {
    if (name == "_id") {
      restrictIds(query, value, firstIdParam);
      for (const auto& id : query.ids) noIdCanMatch = noIdCanMatch || !isValidId(id);
      if (query.ids.empty()) noIdCanMatch = true;
    } else if (name == "_lastUpdated") {
      addLastUpdatedBounds(value, query.lastUpdated);
    } else if (name == "_count") {
      count = value;
    } else if (name == kCursorParam) {
      query.afterId = value;
      continue;
    } else if (isFormatParam(name)) {
    } else if (const SearchParamDef* def = indexedParam(type, name)) {
      size_t colon = name.find(':');
      query.conditions.push_back(
          indexCondition(*def, colon == std::string::npos ? "" : name.substr(colon + 1), value, req.baseUrl));
    } else {
      if (strict) throw FhirError(400, "not-supported", "search parameter '" + name + "' is not supported", name);
      ignored.push_back(name);
      continue;
    }
    kept.emplace_back(name, value);
  }
  const int pageLimit = pageSize(count, ctx.settings);
  query.limit = pageLimit + 1;
  std::vector<ResourceRow> rows;
  if (!noIdCanMatch && pageLimit > 0) {
    ResourceRepository repo(ctx.session, ctx.instance);
    rows = repo.list(query);
  }
  const bool more = static_cast<int>(rows.size()) > pageLimit;
  if (more) rows.resize(pageLimit);

  const std::string path = req.baseUrl + "/" + type;
  BundleWriter bundle("searchset", req.baseUrl);
  Params selfParams = kept;
  if (query.afterId) selfParams.emplace_back(kCursorParam, *query.afterId);
  bundle.link("self", selfParams.empty() ? path : path + "?" + encodeQuery(selfParams));
  if (more) {
    Params next = kept;
    next.emplace_back(kCursorParam, rows.back().id);
    bundle.link("next", path + "?" + encodeQuery(next));
  }
  for (const auto& row : rows) bundle.matchEntry(row);
  if (!ignored.empty()) {
    std::string names;
    for (const auto& n : ignored) names += (names.empty() ? "" : ", ") + n;
    bundle.outcomeEntry(operationOutcome("warning", "not-supported",
                                         "these search parameters are not supported and were ignored: " + names));
  }
  FhirResponse response;
  response.body = bundle.finish();
  return response;
}

}  // namespace flint::fhir
