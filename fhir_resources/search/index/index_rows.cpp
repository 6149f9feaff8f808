#include "fhir_resources/search/index/index_rows.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/date_range.h"
#include "fhir_resources/search/fhirpath/path_expression.h"
#include "fhir_resources/search/index/dated_tokens.h"
#include "fhir_resources/search/index/param_aliases.h"
#include "fhir_resources/search/ucum_units.h"

namespace flint::fhir {
namespace {

struct IndexedParam {
  const SearchParamDef* def;
  PathExpression expression;
  std::vector<PathExpression> components;  // composites: the key token's, then the value's
};

// Composites of a token and one value of the same element are indexed; those with three parts
// or parts outside the element (MolecularSequence's) are not, and so are not offered.
std::optional<std::vector<PathExpression>> compositeComponents(const SearchParamDef& p) {
  if (p.components.size() != 2 || p.components[0].type != "token") return std::nullopt;
  const std::string& valueType = p.components[1].type;
  if (valueType != "token" && valueType != "quantity" && valueType != "date" && valueType != "string")
    return std::nullopt;
  std::vector<PathExpression> out;
  for (const auto& c : p.components) {
    auto compiled = PathExpression::compile(c.expression);
    if (!compiled) return std::nullopt;
    out.push_back(std::move(*compiled));
  }
  return out;
}

// The compiled search parameters of each resource type, built once.
const std::vector<IndexedParam>& indexedParams(const std::string& type) {
  static const std::unordered_map<std::string, std::vector<IndexedParam>> byType = [] {
    std::unordered_map<std::string, std::vector<IndexedParam>> out;
    for (const auto& t : Definitions::get().resourceTypes())
      for (const auto* p : Definitions::get().searchParams(t)) {
        if (p->type != "token" && p->type != "string" && p->type != "reference" && p->type != "date" &&
            p->type != "number" && p->type != "quantity" && p->type != "uri" && p->type != "composite")
          continue;
        // _id and _lastUpdated live on the resources table itself.
        if (p->code == "_id" || p->code == "_lastUpdated" || p->expression.empty()) continue;
        std::vector<PathExpression> components;
        if (p->type == "composite") {
          auto compiled = compositeComponents(*p);
          if (!compiled) continue;
          components = std::move(*compiled);
        }
        if (auto compiled = PathExpression::compile(p->expression))
          out[t].push_back({p, std::move(*compiled), std::move(components)});
      }
    return out;
  }();
  static const std::vector<IndexedParam> none;
  auto it = byType.find(type);
  return it == byType.end() ? none : it->second;
}

struct StoredParam {
  const IndexedParam* param;
  bool onlyIdentifiers;  // typed references, whose reference rows are another's
};

// Those of them with index rows of their own (param_aliases.h), built once.
const std::vector<StoredParam>& storedIndexedParams(const std::string& type) {
  static const std::unordered_map<std::string, std::vector<StoredParam>> byType = [] {
    std::unordered_map<std::string, std::vector<StoredParam>> out;
    for (const auto& t : Definitions::get().resourceTypes())
      for (const auto& p : indexedParams(t))
        if (isStored(*p.def)) out[t].push_back({&p, typedReferencesOf(t, p.def->code).has_value()});
    return out;
  }();
  static const std::vector<StoredParam> none;
  auto it = byType.find(type);
  return it == byType.end() ? none : it->second;
}

std::string str(const json::Value* v) { return v != nullptr && v->isString() ? v->text() : ""; }

// Index keys stay well under PostgreSQL's B-tree entry limit (about 2.7 KB); longer values are
// cut at a character boundary and so match by their first kilobyte.
constexpr size_t kMaxKeyBytes = 1024;

std::string key(std::string s) {
  if (s.size() <= kMaxKeyBytes) return s;
  size_t cut = kMaxKeyBytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

void addCoding(IndexRows& rows, const std::string& param, const json::Value& coding, const std::string& text) {
  std::string code = str(coding.find("code"));
  std::string display = str(coding.find("display"));
  if (code.empty() && display.empty() && text.empty()) return;
  rows.tokens.push_back(
      {param, key(str(coding.find("system"))), key(code), key(normalizeForSearch(text.empty() ? display : text))});
}

// An identifier: its system and value; and for `:of-type`, under "param:of-type", the value
// with each type coding as system "typeSystem|typeCode".
void identifier(IndexRows& rows, const std::string& param, const json::Value& v) {
  std::string typeText;
  const std::string value = key(str(v.find("value")));
  if (const json::Value* type = v.find("type")) {
    typeText = str(type->find("text"));
    if (const json::Value* codings = type->find("coding"); codings != nullptr && codings->isArray())
      for (const auto& c : codings->items())
        rows.tokens.push_back({param + kOfTypeSuffix, key(str(c.find("system")) + "|" + str(c.find("code"))), value, ""});
  }
  rows.tokens.push_back({param, key(str(v.find("system"))), value, key(normalizeForSearch(typeText))});
}

void tokens(IndexRows& rows, const std::string& param, const PathNode& n) {
  const json::Value& v = *n.value;
  std::string_view t = n.type;
  if (v.isString()) {
    rows.tokens.push_back({param, "", key(v.text()), ""});
  } else if (v.isBool()) {
    rows.tokens.push_back({param, "", v.asBool() ? "true" : "false", ""});
  } else if (t == "Coding") {
    addCoding(rows, param, v, "");
  } else if (t == "CodeableConcept") {
    std::string text = str(v.find("text"));
    bool any = false;
    if (const json::Value* codings = v.find("coding"); codings != nullptr && codings->isArray())
      for (const auto& c : codings->items()) {
        addCoding(rows, param, c, text);
        any = true;
      }
    if (!any && !text.empty()) rows.tokens.push_back({param, "", "", key(normalizeForSearch(text))});
  } else if (t == "Identifier") {
    identifier(rows, param, v);
  } else if (t == "ContactPoint") {
    rows.tokens.push_back({param, key(str(v.find("system"))), key(str(v.find("value"))), ""});
  } else if (t == "Quantity" || t == "Duration" || t == "Age" || t == "Count" || t == "Distance") {
    rows.tokens.push_back({param, key(str(v.find("system"))), key(str(v.find("code"))), ""});
  }
}

void addString(IndexRows& rows, const std::string& param, const json::Value* v) {
  if (v == nullptr) return;
  if (v->isArray()) {
    for (const auto& item : v->items()) addString(rows, param, &item);
  } else if (v->isString() && !v->text().empty()) {
    rows.strings.push_back({param, key(normalizeForSearch(v->text())), v->text()});
  }
}

void strings(IndexRows& rows, const std::string& param, const PathNode& n) {
  const json::Value& v = *n.value;
  if (v.isString()) {
    addString(rows, param, &v);
  } else if (n.type == "HumanName") {
    for (const char* part : {"text", "family", "given", "prefix", "suffix"}) addString(rows, param, v.find(part));
  } else if (n.type == "Address") {
    for (const char* part : {"text", "line", "city", "district", "state", "postalCode", "country"})
      addString(rows, param, v.find(part));
  }
}

// Logical references (Reference.identifier) are found by `param:identifier=system|value`.
void referenceIdentifier(IndexRows& rows, const std::string& param, const PathNode& n) {
  if (!n.value->isObject()) return;
  const json::Value* id = n.value->find("identifier");
  if (id != nullptr && id->isObject())
    rows.tokens.push_back({param + kIdentifierSuffix, key(str(id->find("system"))), key(str(id->find("value"))), ""});
}

void references(IndexRows& rows, const std::string& param, const PathNode& n) {
  referenceIdentifier(rows, param, n);
  const json::Value& v = *n.value;
  std::string url = v.isString() ? v.text() : str(v.find("reference"));
  if (url.empty() || url[0] == '#') return;
  std::string path = url.substr(0, url.find('?'));
  if (size_t h = path.find("/_history/"); h != std::string::npos) path = path.substr(0, h);
  size_t slash = path.rfind('/');
  std::string type, id;
  if (slash != std::string::npos && slash > 0) {
    size_t before = path.rfind('/', slash - 1);
    size_t start = before == std::string::npos ? 0 : before + 1;
    std::string candidate = path.substr(start, slash - start);
    if (Definitions::get().isResourceType(candidate) && slash + 1 < path.size() && path.size() - slash - 1 <= 64) {
      type = candidate;
      id = path.substr(slash + 1);
    }
  }
  // Searches by URL match the reference as written only where it says more than its target:
  // absolute, versioned and canonical references.
  rows.references.push_back({param, type, id, !type.empty() && url == type + "/" + id ? "" : url});
}

void uris(IndexRows& rows, const std::string& param, const PathNode& n) {
  if (n.value->isString() && !n.value->text().empty()) rows.tokens.push_back({param, "", key(n.value->text()), ""});
}

void numbers(IndexRows& rows, const std::string& param, const PathNode& n) {
  const json::Value& v = *n.value;
  if (v.isNumber()) {
    rows.numbers.push_back({param, v.text(), "", ""});
  } else if (v.isObject()) {
    const json::Value* value = v.find("value");
    if (value == nullptr || !value->isNumber()) return;
    const std::string system = str(v.find("system")), code = str(v.find("code"));
    rows.numbers.push_back({param, value->text(), key(system), key(code)});
    if (system != kUcumSystem) return;
    if (auto canonical = canonicalUcumUnit(code))
      rows.numbers.push_back(
          {param + kCanonicalSuffix, scaleDecimal(value->text(), canonical->factor), kUcumSystem, canonical->code});
  }
}

constexpr int64_t kMinInstant = std::numeric_limits<int64_t>::min() / 2;
constexpr int64_t kMaxInstant = std::numeric_limits<int64_t>::max() / 2;

void dates(IndexRows& rows, const std::string& param, const PathNode& n) {
  const json::Value& v = *n.value;
  if (v.isString()) {
    if (auto r = parseDateRange(v.text())) rows.dates.push_back({param, r->low, r->high});
  } else if (n.type == "Period") {
    auto start = parseDateRange(str(v.find("start")));
    auto end = parseDateRange(str(v.find("end")));
    if (start || end) rows.dates.push_back({param, start ? start->low : kMinInstant, end ? end->high : kMaxInstant});
  } else if (n.type == "Timing") {
    if (const json::Value* events = v.find("event"); events != nullptr && events->isArray())
      for (const auto& e : events->items())
        if (auto r = parseDateRange(str(&e))) rows.dates.push_back({param, r->low, r->high});
  }
}

// One entry per pair of a coded key and a value found in the same element (`context`).
void composites(IndexRows& rows, const IndexedParam& p, const PathNode& context) {
  IndexRows keys, values;
  for (const auto& n : p.components[0].evaluateRelative(context)) tokens(keys, "", n);
  const std::string& kind = p.def->components[1].type;
  for (const auto& n : p.components[1].evaluateRelative(context)) {
    if (kind == "token") tokens(values, "", n);
    else if (kind == "quantity") numbers(values, "", n);
    else if (kind == "date") dates(values, "", n);
    else strings(values, "", n);
  }
  for (const auto& k : keys.tokens) {
    if (k.code.empty()) continue;
    const std::string& param = p.def->code;
    for (const auto& v : values.tokens)
      if (!v.code.empty()) rows.composites.push_back({param, k.system, k.code, v.system, v.code, "", "", {}, {}});
    // Quantities come with their canonical UCUM form, whose param carries the suffix.
    for (const auto& v : values.numbers)
      rows.composites.push_back({param + v.param, k.system, k.code, v.system, v.code, v.value, "", {}, {}});
    for (const auto& v : values.dates) rows.composites.push_back({param, k.system, k.code, "", "", "", "", v.low, v.high});
    for (const auto& v : values.strings)
      rows.composites.push_back({param, k.system, k.code, "", "", "", v.normalized, {}, {}});
  }
}

// For each dated token pair (dated_tokens.h) with both sides present, one composite entry per
// code of the token carrying the resource's range of the date: its earliest start and latest
// end, the values it sorts by ascending and descending.
void datedTokenEntries(IndexRows& rows, const std::string& type) {
  for (const auto& pair : datedTokens(type)) {
    std::optional<int64_t> low, high;
    for (const auto& d : rows.dates)
      if (d.param == pair.date) {
        low = low ? std::min(*low, d.low) : d.low;
        high = high ? std::max(*high, d.high) : d.high;
      }
    if (!low) continue;
    for (const auto& t : rows.tokens)
      if (t.param == pair.token && !t.code.empty())
        rows.composites.push_back({pair.entry, t.system, t.code, "", "", "", "", low, high});
  }
}

// Latin-1 Supplement and Latin Extended-A letters, U+00C0 to U+017F, without their accents.
const char* kUnaccented =
    "AAAAAAACEEEEIIII" "DNOOOOO*OUUUUYTs" "aaaaaaaceeeeiiii" "dnooooo/ouuuuyty"
    "AaAaAaCcCcCcCcDd" "DdEeEeEeEeEeGgGg" "GgGgHhHhIiIiIiIi" "IiJjJjKkkLlLlLlL"
    "lLlNnNnNnnNnOoOo" "OoOoRrRrRrSsSsSs" "SsTtTtTtUuUuUuUu" "UuUuWwYyYZzZzZzs";

}  // namespace

const std::vector<const SearchParamDef*>& indexedSearchParams(const std::string& type) {
  static const std::unordered_map<std::string, std::vector<const SearchParamDef*>> byType = [] {
    std::unordered_map<std::string, std::vector<const SearchParamDef*>> out;
    for (const auto& t : Definitions::get().resourceTypes())
      for (const auto& p : indexedParams(t)) out[t].push_back(p.def);
    return out;
  }();
  static const std::vector<const SearchParamDef*> none;
  auto it = byType.find(type);
  return it == byType.end() ? none : it->second;
}

const std::vector<const SearchParamDef*>& unsupportedSearchParams(const std::string& type) {
  static const std::unordered_map<std::string, std::vector<const SearchParamDef*>> byType = [] {
    std::unordered_map<std::string, std::vector<const SearchParamDef*>> out;
    for (const auto& t : Definitions::get().resourceTypes()) {
      const auto& indexed = indexedSearchParams(t);
      for (const auto* p : Definitions::get().searchParams(t))
        if (p->code != "_id" && p->code != "_lastUpdated" && std::find(indexed.begin(), indexed.end(), p) == indexed.end())
          out[t].push_back(p);
    }
    return out;
  }();
  static const std::vector<const SearchParamDef*> none;
  auto it = byType.find(type);
  return it == byType.end() ? none : it->second;
}

std::string normalizeForSearch(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    if ((c == 0xC3 || c == 0xC4 || c == 0xC5) && i + 1 < text.size()) {
      unsigned cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
      if (cp >= 0xC0 && cp <= 0x17F) {
        char base = kUnaccented[cp - 0xC0];
        if (base != '*' && base != '/') {
          out += static_cast<char>(base >= 'A' && base <= 'Z' ? base + 32 : base);
          ++i;
          continue;
        }
      }
    }
    out += static_cast<char>(c);
  }
  return out;
}

IndexRows extractIndexRows(const json::Value& resource) {
  IndexRows rows;
  const std::string type = resource.stringAt("resourceType").value_or("");
  for (const auto& [p, onlyIdentifiers] : storedIndexedParams(type)) {
    const std::string& param = p->def->code;
    for (const auto& node : p->expression.evaluate(resource)) {
      const std::string& kind = p->def->type;
      if (kind == "token") tokens(rows, param, node);
      else if (kind == "string") strings(rows, param, node);
      else if (kind == "reference" && onlyIdentifiers) referenceIdentifier(rows, param, node);
      else if (kind == "reference") references(rows, param, node);
      else if (kind == "uri") uris(rows, param, node);
      else if (kind == "date") dates(rows, param, node);
      else if (kind == "number" || kind == "quantity") numbers(rows, param, node);
      else if (kind == "composite") composites(rows, *p, node);
    }
  }
  datedTokenEntries(rows, type);
  return rows;
}

}  // namespace flint::fhir
