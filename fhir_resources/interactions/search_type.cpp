// search-type: GET [type]?... and POST [type]/_search: _id, _lastUpdated, every indexed token,
// string, reference and date parameter of the type (with their modifiers), _count and keyset
// paging. Other parameters are reported as ignored (or refused under Prefer: handling=strict)
// rather than silently widening the result.
#include <map>
#include <set>

#include <algorithm>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/search_response.h"
#include "fhir_resources/search/index_condition.h"
#include "fhir_resources/rest/bundle_writer.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/rest/url_encoding.h"
#include "fhir_resources/search/result_params.h"
#include "fhir_resources/search/search_access.h"
#include "fhir_resources/search/search_request.h"

namespace flint::fhir {
namespace {

// Rounds of :iterate inclusion after the first; a cycle or a long chain stops here.
constexpr int kMaxIterations = 4;

// The _include and _revinclude resources of a page of matches, each once and none that is
// itself a match; at most the configured page maximum. :iterate inclusions are applied again to
// what the previous round included.
std::vector<ResourceRow> included(FhirContext& ctx, const std::vector<Inclusion>& inclusions,
                                  const std::vector<ResourceRow>& matches, const std::string& baseUrl) {
  std::vector<ResourceRow> out;
  std::set<std::string> seen;
  for (const auto& m : matches) seen.insert(m.type + "/" + m.id);
  ResourceRepository repo(ctx.session, ctx.instance);
  std::vector<const ResourceRow*> frontier;
  for (const auto& m : matches) frontier.push_back(&m);
  for (int round = 0; round <= kMaxIterations && !frontier.empty(); ++round) {
    std::map<std::string, std::vector<std::string>> idsByType;
    for (const auto* row : frontier) idsByType[row->type].push_back(row->id);
    const size_t roundStart = out.size();
    for (const auto& inc : inclusions) {
      if (round > 0 && !inc.iterate) continue;
      for (const auto& [type, ids] : idsByType) {
        if (inc.reverse ? (!inc.targetType.empty() && inc.targetType != type) : inc.sourceType != type) continue;
        int budget = ctx.settings.maxCount - static_cast<int>(out.size());
        if (budget <= 0) return out;
        auto found = inc.reverse ? repo.referencing(inc.sourceType, inc.param, type, ids, budget)
                                 : repo.referencedBy(type, ids, inc.param, inc.targetType, budget);
        // Included resources are reads: what the caller may not read is left out, never leaked.
        for (auto& row : found) {
          if (!ctx.access.allows(row.type, kRead) || !visibleTo(ctx, row.type, row.id, kRead, baseUrl)) continue;
          if (seen.insert(row.type + "/" + row.id).second) out.push_back(std::move(row));
        }
      }
    }
    frontier.clear();
    for (size_t i = roundStart; i < out.size(); ++i) frontier.push_back(&out[i]);
  }
  return out;
}

}  // namespace

FhirResponse searchResponse(FhirContext& ctx, const FhirRequest& req, ParsedSearch& parsed, const std::string& path) {
  ResourceQuery& query = parsed.query;
  const Params& kept = parsed.kept;
  const int pageLimit = pageSize(parsed.count, ctx.settings);
  query.limit = pageLimit + 1;
  std::vector<ResourceRow> rows;
  std::optional<int64_t> total;
  if (!query.matchesNothing) {
    ResourceRepository repo(ctx.session, ctx.instance);
    if (pageLimit > 0 && !parsed.countOnly) rows = repo.list(query);
    if (parsed.total) total = repo.count(query);
  } else if (parsed.total) {
    total = 0;
  }
  // Keyset paging: `more` says a page lies beyond this one in the direction walked.
  const bool backwards = query.cursor && query.cursor->before;
  const bool more = static_cast<int>(rows.size()) > pageLimit;
  if (more) rows.resize(pageLimit);
  if (backwards) std::reverse(rows.begin(), rows.end());

  BundleWriter bundle("searchset", req.baseUrl);
  if (total) bundle.total(*total);
  Params selfParams = kept;
  for (const auto& [name, value] : req.params)
    if (name == kCursorParam) selfParams.emplace_back(name, value);
  bundle.link("self", selfParams.empty() ? path : path + "?" + encodeQuery(selfParams));
  auto pageLink = [&](const char* relation, const ResourceRow& row, bool before) {
    Params page = kept;
    page.emplace_back(kCursorParam, encodeCursor(row, before));
    bundle.link(relation, path + "?" + encodeQuery(page));
  };
  if (!rows.empty()) {
    if (backwards ? more : query.cursor.has_value()) pageLink("previous", rows.front(), true);
    if (backwards || more) pageLink("next", rows.back(), false);
  }
  for (auto& row : rows) {
    if (parsed.filter) row.content = applyElementFilter(row.content, *parsed.filter);
    bundle.matchEntry(row);
  }
  for (const auto& row : included(ctx, parsed.inclusions, rows, req.baseUrl)) bundle.matchEntry(row, "include");
  if (!parsed.ignored.empty()) {
    std::string names;
    for (const auto& n : parsed.ignored) names += (names.empty() ? "" : ", ") + n;
    bundle.outcomeEntry(operationOutcome("warning", "not-supported",
                                         "these search parameters are not supported and were ignored: " + names));
  }
  FhirResponse response;
  response.body = bundle.finish();
  return response;
}

FhirResponse searchTypeInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type,
                                   const std::string& compartmentPatient) {
  ParsedSearch parsed = parseSearch({type}, req.params, req.baseUrl, parsePrefer(req.prefer).strictHandling);
  if (!compartmentPatient.empty()) restrictToPatientCompartment(parsed.query, compartmentPatient);
  restrictToAccess(parsed.query, ctx.access, kSearch, req.baseUrl);
  return searchResponse(ctx, req, parsed,
                        req.baseUrl + (compartmentPatient.empty() ? "" : "/Patient/" + compartmentPatient) + "/" + type);
}

FhirResponse systemSearchInteraction(FhirContext& ctx, const FhirRequest& req) {
  std::vector<std::string> types;
  Params rest;
  for (const auto& [name, value] : req.params) {
    if (name != "_type") {
      rest.emplace_back(name, value);
      continue;
    }
    for (const auto& t : splitSearchValues(value)) {
      if (!Definitions::get().isResourceType(t)) throw FhirError(400, "invalid", "'" + t + "' is not a resource type", "_type");
      if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
    }
  }
  if (types.empty()) throw FhirError(400, "invalid", "a search at the base needs _type (e.g. _type=Patient,Practitioner)", "_type");
  for (const auto& t : types) {
    requirePermission(ctx.access, t, kSearch);
    if (!ctx.access.compartmentPatient(t, kSearch).empty() || !ctx.access.referencingPatient(t, kSearch).empty() ||
        ctx.access.filter(t, kSearch))
      throw FhirError(403, "forbidden", "searching several types at once needs scopes for the whole types");
  }
  std::sort(types.begin(), types.end());
  ParsedSearch parsed = parseSearch(types, rest, req.baseUrl, parsePrefer(req.prefer).strictHandling);
  // The types themselves are unrestricted (checked above); chained links may not be.
  restrictToAccess(parsed.query, ctx.access, kSearch, req.baseUrl);
  std::string typeList;
  for (const auto& t : types) typeList += (typeList.empty() ? "" : ",") + t;
  parsed.kept.insert(parsed.kept.begin(), {"_type", typeList});
  return searchResponse(ctx, req, parsed, req.baseUrl);
}

}  // namespace flint::fhir
