#include "fhir_resources/search/param_condition.h"

#include <algorithm>

#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/search/index_condition.h"

namespace flint::fhir {
namespace {

// Each link is a join through search_reference; deeper chains are refused rather than planned.
constexpr int kMaxLinks = 4;

const SearchParamDef* indexedParam(const std::string& type, const std::string& code) {
  for (const auto* def : indexedSearchParams(type))
    if (def->code == code) return def;
  return nullptr;
}

std::shared_ptr<ResourceQuery> linkedQuery(const std::string& type, IndexCondition condition) {
  auto q = std::make_shared<ResourceQuery>();
  q->types = {type};
  q->conditions.push_back(std::move(condition));
  return q;
}

std::optional<IndexCondition> condition(const std::vector<std::string>& types, const std::string& name,
                                        const std::string& value, const std::string& baseUrl, int links);

// `ref[:Type].rest`: resources whose reference `ref` points at a resource matching `rest`.
std::optional<IndexCondition> chained(const std::vector<std::string>& types, const std::string& name, size_t dot,
                                      const std::string& value, const std::string& baseUrl, int links) {
  const std::string head = name.substr(0, dot), rest = name.substr(dot + 1);
  const size_t colon = head.find(':');
  const std::string code = head.substr(0, colon);
  const std::string typeModifier = colon == std::string::npos ? "" : head.substr(colon + 1);
  const SearchParamDef* def = commonIndexedParam(types, code);
  if (def == nullptr) return std::nullopt;
  if (def->type != "reference")
    throw FhirError(400, "invalid", "'" + code + "' is not a reference parameter and cannot be chained", name);
  std::vector<std::string> targets = def->target;
  if (!typeModifier.empty()) {
    if (std::find(targets.begin(), targets.end(), typeModifier) == targets.end())
      throw FhirError(400, "invalid", "'" + code + "' does not reference " + typeModifier, name);
    targets = {typeModifier};
  }
  IndexCondition c{IndexCondition::Table::Reference, {code}, {}, false, {}, false};
  for (const auto& target : targets)
    if (auto inner = condition({target}, rest, value, baseUrl, links + 1))
      c.linked.push_back(linkedQuery(target, std::move(*inner)));
  if (c.linked.empty()) return std::nullopt;
  return c;
}

// `_has:Type:ref:rest`: resources that some `Type` resource matching `rest` references via `ref`.
std::optional<IndexCondition> reverseChained(const std::vector<std::string>& types, const std::string& name,
                                             const std::string& value, const std::string& baseUrl, int links) {
  const size_t typeEnd = name.find(':', 5);
  const size_t paramEnd = typeEnd == std::string::npos ? std::string::npos : name.find(':', typeEnd + 1);
  if (paramEnd == std::string::npos)
    throw FhirError(400, "invalid", "expected _has:Type:reference:parameter", name);
  const std::string type = name.substr(5, typeEnd - 5), code = name.substr(typeEnd + 1, paramEnd - typeEnd - 1);
  if (!Definitions::get().isResourceType(type))
    throw FhirError(400, "invalid", "'" + type + "' is not a resource type", name);
  const SearchParamDef* def = indexedParam(type, code);
  if (def == nullptr || def->type != "reference")
    throw FhirError(400, "invalid", "'" + code + "' is not a reference parameter of " + type, name);
  const bool reachesSearched = std::any_of(types.begin(), types.end(), [&](const std::string& t) {
    return std::find(def->target.begin(), def->target.end(), t) != def->target.end();
  });
  if (!reachesSearched) throw FhirError(400, "invalid", type + "." + code + " cannot reference the searched type", name);
  auto inner = condition({type}, name.substr(paramEnd + 1), value, baseUrl, links + 1);
  if (!inner) return std::nullopt;
  return IndexCondition{IndexCondition::Table::Reference, {code}, {}, false, {linkedQuery(type, std::move(*inner))},
                        true};
}

std::optional<IndexCondition> condition(const std::vector<std::string>& types, const std::string& name,
                                        const std::string& value, const std::string& baseUrl, int links) {
  if (links > kMaxLinks)
    throw FhirError(400, "not-supported", "chains of more than " + std::to_string(kMaxLinks) + " links are not supported",
                    name);
  if (name.rfind("_has:", 0) == 0) return reverseChained(types, name, value, baseUrl, links);
  if (size_t dot = name.find('.'); dot != std::string::npos) return chained(types, name, dot, value, baseUrl, links);
  const size_t colon = name.find(':');
  const SearchParamDef* def = commonIndexedParam(types, name.substr(0, colon));
  if (def == nullptr) return std::nullopt;
  return indexCondition(*def, colon == std::string::npos ? "" : name.substr(colon + 1), value, baseUrl);
}

}  // namespace

const SearchParamDef* commonIndexedParam(const std::vector<std::string>& types, const std::string& code) {
  const SearchParamDef* first = indexedParam(types.front(), code);
  if (first == nullptr) return nullptr;
  for (const auto& t : types) {
    const SearchParamDef* def = indexedParam(t, code);
    if (def == nullptr || def->type != first->type) return nullptr;
  }
  return first;
}

std::optional<IndexCondition> searchCondition(const std::vector<std::string>& types, const std::string& name,
                                              const std::string& value, const std::string& baseUrl) {
  return condition(types, name, value, baseUrl, 0);
}

}  // namespace flint::fhir
