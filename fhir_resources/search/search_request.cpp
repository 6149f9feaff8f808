#include "fhir_resources/search/search_request.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <set>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/search/index_condition.h"
#include "fhir_resources/search/last_updated_param.h"
#include "fhir_resources/search/param_condition.h"
#include "fhir_resources/search/search_access.h"
#include "fhir_resources/search/index/param_aliases.h"
#include "fhir_resources/search/result_params.h"

namespace flint::fhir {
namespace {

// Repeated _id parameters AND together: only ids named by every one of them can match.
void restrictIds(ResourceQuery& query, const std::string& value, bool first) {
  auto ids = splitSearchValues(value);
  std::sort(ids.begin(), ids.end());
  if (first) {
    query.ids = ids;
    return;
  }
  std::vector<std::string> both;
  std::set_intersection(query.ids.begin(), query.ids.end(), ids.begin(), ids.end(), std::back_inserter(both));
  query.ids = both;
}

bool isInclusionParam(const std::string& name) {
  for (const char* base : {"_include", "_revinclude"})
    for (const char* modifier : {"", ":iterate", ":recurse"})
      if (name == std::string(base) + modifier) return true;
  return false;
}

// "Type:param[:targetType]" or "Type:*" (every reference parameter of Type).
std::vector<Inclusion> parseInclusion(const std::string& name, const std::string& value, const std::string& searchType) {
  const bool reverse = name.rfind("_revinclude", 0) == 0;
  // :recurse is the STU3 spelling of :iterate, still sent by some clients.
  const bool iterate = name.ends_with(":iterate") || name.ends_with(":recurse");
  const size_t first = value.find(':');
  const size_t second = first == std::string::npos ? std::string::npos : value.find(':', first + 1);
  auto bad = [&](const std::string& why) {
    return FhirError(400, "invalid", name + "=" + value + ": " + why, name);
  };
  if (first == std::string::npos) throw bad("expected Type:parameter");
  Inclusion base{reverse, iterate, value.substr(0, first), value.substr(first + 1, second - first - 1),
                 second == std::string::npos ? "" : value.substr(second + 1)};
  if (!Definitions::get().isResourceType(base.sourceType)) throw bad("unknown resource type");
  if (!reverse && !iterate && base.sourceType != searchType)
    throw bad("_include starts from the searched type " + searchType + " (or use _include:iterate)");
  if (!base.targetType.empty() && !Definitions::get().isResourceType(base.targetType)) throw bad("unknown target type");
  std::vector<Inclusion> out;
  for (const auto* def : indexedSearchParams(base.sourceType)) {
    if (def->type != "reference" || (base.param != "*" && def->code != base.param)) continue;
    Inclusion i = base;
    i.param = def->code;
    out.push_back(i);
  }
  if (out.empty()) throw bad("'" + base.param + "' is not a reference parameter of " + base.sourceType);
  return out;
}

// _sort: comma-separated keys, each "-" for descending: _id, _lastUpdated, or a parameter of
// every searched type.
std::vector<SortKey> parseSort(const std::vector<std::string>& types, const std::string& value) {
  std::vector<SortKey> keys;
  for (const auto& item : splitSearchValues(value)) {
    const bool descending = !item.empty() && item[0] == '-';
    const std::string key = descending ? item.substr(1) : item;
    if (key == "_lastUpdated") {
      keys.push_back({SortKey::Source::LastUpdated, {}, descending});
      continue;
    }
    if (key == "_id") {
      keys.push_back({SortKey::Source::Id, {}, descending});
      continue;
    }
    const SearchParamDef* def = key.find(':') == std::string::npos ? commonIndexedParam(types, key) : nullptr;
    // A composite orders by no one value (R4 search 3.1.1.5.8 leaves it undefined).
    if (def == nullptr || def->type == "composite")
      throw FhirError(400, "not-supported", "cannot sort by '" + key + "'", "_sort");
    auto source = def->type == "date"     ? SortKey::Source::Date
                  : def->type == "string" ? SortKey::Source::String
                  : def->type == "token"  ? SortKey::Source::Token
                  : def->type == "reference" ? SortKey::Source::Reference
                                          : SortKey::Source::Number;
    keys.push_back({source, storedParams(*def), descending});
  }
  return keys;
}

}  // namespace

ParsedSearch parseSearch(const std::vector<std::string>& types, const Params& params, const std::string& baseUrl,
                         bool strict) {
  ParsedSearch s;
  s.query.types = types;
  const std::string& type = types.front();
  const bool system = types.size() > 1;
  bool firstIdParam = true;
  std::optional<std::string> cursor;
  for (const auto& [name, value] : params) {
    if (name == "_id") {
      restrictIds(s.query, value, firstIdParam);
      firstIdParam = false;
      s.query.matchesNothing = s.query.ids.empty() || std::any_of(s.query.ids.begin(), s.query.ids.end(),
                                                             [](const std::string& id) { return !isValidId(id); });
    } else if (name == "_lastUpdated") {
      addLastUpdatedBounds(value, s.query.lastUpdated);
    } else if (name == "_count") {
      s.count = value;
    } else if (name == kCursorParam) {
      cursor = value;
      continue;
    } else if (name == "_sort") {
      s.query.sort = parseSort(types, value);
    } else if (isFormatParam(name)) {
    } else if (name == "_total") {
      if (value != "none" && value != "estimate" && value != "accurate")
        throw FhirError(400, "invalid", "_total takes none, estimate or accurate", name);
      // An estimate is not worth a query of its own; only "accurate" counts.
      s.total = value == "accurate";
    } else if (name == "_summary" && value == "count") {
      s.total = true;
      s.countOnly = true;
    } else if (name == "_summary" || name == "_elements") {
      s.filter = summaryFilter(name, value);
    } else if (isInclusionParam(name)) {
      if (system) throw FhirError(400, "not-supported", name + " is not supported across several types", name);
      auto more = parseInclusion(name, value, type);
      s.inclusions.insert(s.inclusions.end(), more.begin(), more.end());
    } else if (auto condition = searchCondition(types, name, value, baseUrl)) {
      s.query.conditions.push_back(std::move(*condition));
    } else {
      if (strict) throw FhirError(400, "not-supported", "search parameter '" + name + "' is not supported", name);
      s.ignored.push_back(name);
      continue;
    }
    s.kept.emplace_back(name, value);
  }
  if (cursor) s.query.cursor = decodeCursor(*cursor, s.query.sort.size());
  return s;
}

// Cursors: "a" (continue after) or "b" (end before), "~<number>" (the resource's), then
// "~v<value>" or "~n" (no value) for each sort key, with "~" and "\" inside values escaped by "\".
Cursor decodeCursor(const std::string& text, size_t sortKeys) {
  auto bad = [] { return FhirError(400, "invalid", "malformed paging cursor", kCursorParam); };
  std::vector<std::string> fields(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) fields.back() += text[++i];
    else if (text[i] == '~') fields.emplace_back();
    else fields.back() += text[i];
  }
  if (fields.size() != sortKeys + 2 || (fields[0] != "a" && fields[0] != "b")) throw bad();
  Cursor c;
  c.before = fields[0] == "b";
  const char* end = fields[1].data() + fields[1].size();
  auto [stop, error] = std::from_chars(fields[1].data(), end, c.number);
  if (error != std::errc() || stop != end || c.number < 0) throw bad();
  for (size_t i = 2; i < fields.size(); ++i) {
    if (fields[i] == "n") c.sortValues.emplace_back();
    else if (!fields[i].empty() && fields[i][0] == 'v') c.sortValues.emplace_back(fields[i].substr(1));
    else throw bad();
  }
  return c;
}

std::string encodeCursor(const ResourceRow& row, bool before) {
  std::string out = std::string(before ? "b" : "a") + "~" + std::to_string(row.number);
  for (const auto& v : row.sortValues) {
    if (!v) {
      out += "~n";
      continue;
    }
    out += "~v";
    for (char ch : *v) {
      if (ch == '~' || ch == '\\') out += '\\';
      out += ch;
    }
  }
  return out;
}

std::vector<ResourceRow> findConditionalMatches(FhirContext& ctx, const std::string& type, const Params& criteria,
                                                const std::string& baseUrl, int limit) {
  if (criteria.empty()) throw FhirError(400, "invalid", "conditional interactions need search criteria");
  ParsedSearch s = parseSearch({type}, criteria, baseUrl, true);
  restrictToAccess(s.query, ctx.access, kSearch, baseUrl);
  if (s.query.matchesNothing) return {};
  s.query.limit = limit;
  ResourceRepository repo(ctx.session, ctx.instance);
  return repo.list(s.query);
}

}  // namespace flint::fhir
