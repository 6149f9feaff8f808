#include "fhir_resources/search/search_request.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/search/index_condition.h"
#include "fhir_resources/search/last_updated_param.h"
#include "fhir_resources/search/result_params.h"

namespace flint::fhir {
namespace {

const SearchParamDef* indexedParam(const std::string& type, const std::string& name) {
  const std::string code = name.substr(0, name.find(':'));
  for (const auto* def : indexedSearchParams(type))
    if (def->code == code) return def;
  return nullptr;
}

// A parameter a search over several types can use: indexed, of one kind, on every one of them.
const SearchParamDef* commonIndexedParam(const std::vector<std::string>& types, const std::string& name) {
  const SearchParamDef* first = indexedParam(types.front(), name);
  if (first == nullptr) return nullptr;
  for (const auto& t : types) {
    const SearchParamDef* def = indexedParam(t, name);
    if (def == nullptr || def->type != first->type) return nullptr;
  }
  return first;
}

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

// "Type:param[:targetType]" or "Type:*" (every reference parameter of Type).
std::vector<Inclusion> parseInclusion(const std::string& name, const std::string& value, const std::string& searchType) {
  const bool reverse = name == "_revinclude";
  const size_t first = value.find(':');
  const size_t second = first == std::string::npos ? std::string::npos : value.find(':', first + 1);
  auto bad = [&](const std::string& why) {
    return FhirError(400, "invalid", name + "=" + value + ": " + why, name);
  };
  if (first == std::string::npos) throw bad("expected Type:parameter");
  Inclusion base{reverse, value.substr(0, first), value.substr(first + 1, second - first - 1),
                 second == std::string::npos ? "" : value.substr(second + 1)};
  if (!Definitions::get().isResourceType(base.sourceType)) throw bad("unknown resource type");
  if (!reverse && base.sourceType != searchType) throw bad("_include starts from the searched type " + searchType);
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

// _sort: one key, "-" for descending; _lastUpdated or any indexed token, string, reference or date parameter.
SortKey parseSort(const std::string& type, const std::string& value) {
  if (value.find(',') != std::string::npos)
    throw FhirError(400, "not-supported", "only one _sort key is supported", "_sort");
  const bool descending = !value.empty() && value[0] == '-';
  const std::string key = descending ? value.substr(1) : value;
  if (key == "_lastUpdated") return {SortKey::Source::LastUpdated, key, descending};
  const SearchParamDef* def = indexedParam(type, key);
  if (def == nullptr || key.find(':') != std::string::npos || def->type == "number" || def->type == "quantity")
    throw FhirError(400, "not-supported", "cannot sort " + type + " by '" + key + "'", "_sort");
  auto source = def->type == "date"     ? SortKey::Source::Date
                : def->type == "string" ? SortKey::Source::String
                : def->type == "token"  ? SortKey::Source::Token
                                        : SortKey::Source::Reference;
  return {source, key, descending};
}

// Cursors: "Type/id" after an unsorted page; "v~Type/id~value" or "n~Type/id" after a sorted one.
Cursor decodeCursor(const std::string& text, bool sorted) {
  auto bad = [] { return FhirError(400, "invalid", "malformed paging cursor", kCursorParam); };
  auto position = [&](const std::string& typeAndId, std::optional<std::string> value) {
    size_t slash = typeAndId.find('/');
    if (slash == std::string::npos) throw bad();
    Cursor c{std::move(value), typeAndId.substr(0, slash), typeAndId.substr(slash + 1)};
    if (!Definitions::get().isResourceType(c.type) || !isValidId(c.id)) throw bad();
    return c;
  };
  if (!sorted) return position(text, std::nullopt);
  if (text.size() < 3 || text[1] != '~' || (text[0] != 'v' && text[0] != 'n')) throw bad();
  if (text[0] == 'n') return position(text.substr(2), std::nullopt);
  size_t sep = text.find('~', 2);
  if (sep == std::string::npos) throw bad();
  return position(text.substr(2, sep - 2), text.substr(sep + 1));
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
      s.nothingCanMatch = s.query.ids.empty() || std::any_of(s.query.ids.begin(), s.query.ids.end(),
                                                             [](const std::string& id) { return !isValidId(id); });
    } else if (name == "_lastUpdated") {
      addLastUpdatedBounds(value, s.query.lastUpdated);
    } else if (name == "_count") {
      s.count = value;
    } else if (name == kCursorParam) {
      cursor = value;
      continue;
    } else if (name == "_sort") {
      if (system) throw FhirError(400, "not-supported", "_sort is not supported across several types", name);
      s.query.sort = parseSort(type, value);
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
    } else if (name == "_include" || name == "_revinclude") {
      if (system) throw FhirError(400, "not-supported", name + " is not supported across several types", name);
      auto more = parseInclusion(name, value, type);
      s.inclusions.insert(s.inclusions.end(), more.begin(), more.end());
    } else if (const SearchParamDef* def = commonIndexedParam(types, name)) {
      size_t colon = name.find(':');
      s.query.conditions.push_back(
          indexCondition(*def, colon == std::string::npos ? "" : name.substr(colon + 1), value, baseUrl));
    } else {
      if (strict) throw FhirError(400, "not-supported", "search parameter '" + name + "' is not supported", name);
      s.ignored.push_back(name);
      continue;
    }
    s.kept.emplace_back(name, value);
  }
  if (cursor) s.query.after = decodeCursor(*cursor, s.query.sort.has_value());
  return s;
}

std::string encodeCursor(const ResourceRow& last, bool sorted) {
  const std::string position = last.type + "/" + last.id;
  if (!sorted) return position;
  return last.sortValue ? "v~" + position + "~" + *last.sortValue : "n~" + position;
}

void restrictToPatientCompartment(ParsedSearch& search, const std::string& patientId) {
  const std::string& type = search.query.types.front();
  IndexCondition membership{IndexCondition::Table::Reference, {}, {}, false};
  for (const auto& param : Definitions::get().patientCompartmentParams(type))
    if (indexedParam(type, param) != nullptr) membership.params.push_back(param);
  if (membership.params.empty())
    throw FhirError(404, "not-found", type + " is not in the Patient compartment");
  membership.anyOf.push_back({"x.target_type = 'Patient' AND x.target_id = ?", {patientId}});
  search.query.conditions.push_back(std::move(membership));
}

namespace {

// Every (type, reference parameter) that puts a resource in a patient's compartment, from the
// CompartmentDefinition, limited to parameters Flint indexes.
ReferencedFromPatient compartmentReach(const std::string& patientId) {
  static const ReferencedFromPatient shape = [] {
    ReferencedFromPatient r;
    std::set<std::string> params;
    for (const auto& type : Definitions::get().resourceTypes()) {
      bool any = false;
      for (const auto& param : Definitions::get().patientCompartmentParams(type)) {
        if (indexedParam(type, param) == nullptr) continue;
        params.insert(param);
        r.memberPairs.push_back(type + "." + param);
        any = true;
      }
      if (any) r.memberTypes.push_back(type);
    }
    r.memberParams.assign(params.begin(), params.end());
    return r;
  }();
  ReferencedFromPatient out = shape;
  out.patientId = patientId;
  return out;
}

}  // namespace

void restrictToAccess(ParsedSearch& search, const Access& access, Permission permission, const std::string& baseUrl) {
  const std::string& type = search.query.types.front();
  if (const std::string& patient = access.referencingPatient(type, permission); !patient.empty())
    search.query.referencedFrom = compartmentReach(patient);
  if (const std::string& patient = access.compartmentPatient(type, permission); !patient.empty()) {
    if (type != "Patient") {
      restrictToPatientCompartment(search, patient);
    } else if (auto& ids = search.query.ids; ids.empty() || std::find(ids.begin(), ids.end(), patient) != ids.end()) {
      ids.assign({patient});
    } else {
      search.nothingCanMatch = true;
    }
  }
  if (auto filter = access.filter(type, permission)) {
    ParsedSearch narrowing = parseSearch({type}, {{filter->first, filter->second}}, baseUrl, true);
    search.nothingCanMatch |= narrowing.nothingCanMatch;
    for (auto& c : narrowing.query.conditions) search.query.conditions.push_back(std::move(c));
  }
}

bool visibleTo(FhirContext& ctx, const std::string& type, const std::string& id, Permission permission,
               const std::string& baseUrl) {
  if (ctx.access.compartmentPatient(type, permission).empty() && ctx.access.referencingPatient(type, permission).empty() &&
      !ctx.access.filter(type, permission))
    return true;
  ParsedSearch s;
  s.query.types = {type};
  s.query.ids = {id};
  s.query.limit = 1;
  restrictToAccess(s, ctx.access, permission, baseUrl);
  return !s.nothingCanMatch && !ResourceRepository(ctx.session, ctx.instance).list(s.query).empty();
}

std::vector<ResourceRow> findConditionalMatches(FhirContext& ctx, const std::string& type, const Params& criteria,
                                                const std::string& baseUrl, int limit) {
  if (criteria.empty()) throw FhirError(400, "invalid", "conditional interactions need search criteria");
  ParsedSearch s = parseSearch({type}, criteria, baseUrl, true);
  if (s.nothingCanMatch) return {};
  s.query.limit = limit;
  ResourceRepository repo(ctx.session, ctx.instance);
  return repo.list(s.query);
}

}  // namespace flint::fhir
