// Search parameters of a request parsed into a repository query: what search-type runs, and
// what conditional create, update and delete use to find their match.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir_resources/rest/fhir_request.h"
#include "fhir_resources/search/summary_filter.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

// One _include (forward: resources the matches point at) or _revinclude (reverse: resources
// pointing at the matches), through reference parameter `param` of `sourceType`; `iterate`
// applies it to included resources as well, round after round.
struct Inclusion {
  bool reverse = false;
  bool iterate = false;
  std::string sourceType;
  std::string param;
  std::string targetType;  // empty: any
};

struct ParsedSearch {
  ResourceQuery query;
  Params kept;                       // the parameters applied, for self/next links
  std::vector<std::string> ignored;  // unsupported parameters (lenient handling only)
  std::optional<std::string> count;  // _count as given
  std::vector<Inclusion> inclusions;
  bool total = false;      // _total=accurate, or _summary=count: compute Bundle.total
  bool countOnly = false;  // _summary=count: the total and no entries
  std::optional<ElementFilter> filter;  // _summary=true|text|data, _elements
};

// With `strict`, an unsupported parameter is a 400 instead of being ignored. Several `types`
// make a system search, which takes only parameters indexed on all of them.
ParsedSearch parseSearch(const std::vector<std::string>& types, const Params& params, const std::string& baseUrl,
                         bool strict);

// The resources matching conditional criteria (a query string), at most `limit`; 400 for
// criteria that are empty or not all supported, since ignoring one would widen the match.
std::vector<ResourceRow> findConditionalMatches(FhirContext& ctx, const std::string& type, const Params& criteria,
                                                const std::string& baseUrl, int limit);

inline constexpr const char* kCursorParam = "_cursor";
// The _cursor value of a page that continues after `row` (or, `before`, ends before it).
std::string encodeCursor(const ResourceRow& row, bool before);
// A _cursor value of a query with `sortKeys` sort keys; 400 when it is malformed.
Cursor decodeCursor(const std::string& text, size_t sortKeys);

}  // namespace flint::fhir
