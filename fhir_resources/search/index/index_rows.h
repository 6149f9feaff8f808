// The search index entries of one resource: for each of its type's search parameters, the
// values the parameter's expression selects, in the typed forms the index tables hold.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_value.h"

namespace flint::fhir {

// Token entries of a parameter's modifiers live under "param" + suffix.
inline constexpr const char* kOfTypeSuffix = ":of-type";        // identifiers by type and value
inline constexpr const char* kIdentifierSuffix = ":identifier";  // references by identifier
inline constexpr const char* kCanonicalSuffix = ":canonical";    // UCUM quantities in canonical units

// Token parameters, and uri parameters (the uri as code, no system).
struct TokenEntry {
  std::string param;
  std::string system;  // empty: none
  std::string code;
  std::string text;    // normalised display/text, for :text
};

struct StringEntry {
  std::string param;
  std::string normalized;  // lower case, accents removed: what plain and :contains match
  std::string exact;       // as written: what :exact matches
};

struct ReferenceEntry {
  std::string param;
  std::string targetType;  // empty when the reference names no type (e.g. a canonical URL)
  std::string targetId;
  std::string url;         // the reference as written; empty when it is just targetType/targetId
};

struct DateEntry {
  std::string param;
  int64_t low;   // ms since the epoch, inclusive
  int64_t high;  // exclusive
};

struct NumberEntry {
  std::string param;
  std::string value;   // the decimal as written
  std::string system;  // quantities: the unit's system and code; empty for plain numbers
  std::string code;
};

// A composite parameter's value: a token (e.g. Observation.code) paired with a value taken from
// the same element (token, quantity, date or string), kept in the columns of that value's kind.
struct CompositeEntry {
  std::string param;
  std::string keySystem;
  std::string keyCode;
  std::string system;      // token: system and code; quantity: the unit's system and code
  std::string code;
  std::string value;       // quantity: the decimal as written
  std::string valueNorm;   // string: normalised as for string search
  std::optional<int64_t> low, high;  // date: the value's range
};

struct IndexRows {
  std::vector<TokenEntry> tokens;
  std::vector<StringEntry> strings;
  std::vector<ReferenceEntry> references;
  std::vector<DateEntry> dates;
  std::vector<NumberEntry> numbers;
  std::vector<CompositeEntry> composites;
};

IndexRows extractIndexRows(const json::Value& resource);

// The version of what extractIndexRows produces: raised whenever what it writes changes (new
// parameters, kinds or forms), so instances indexed before are found and reindexed.
// 1: composites and canonical UCUM quantities.
// 2: typed references (param_aliases.h) are no longer stored apart; their old rows, which no
//    search reads any more, go when the instance is reindexed.
// 3: Group.name (bulk export clients find Groups by name).
// 4: rows name their resource by number (instance migration 24), which dropped the rows of ids
//    that two live resources of different types share.
// 5: entries of dated tokens (dated_tokens.h), which sorted searches walk only from this version.
inline constexpr int kSearchIndexVersion = 5;
inline constexpr int kDatedTokenEntriesSince = 5;

struct SearchParamDef;
// The search parameters of `type` whose values are indexed (and so can be searched).
const std::vector<const SearchParamDef*>& indexedSearchParams(const std::string& type);
// The search parameters the definitions give `type` that Flint does not search: their expression
// is beyond the FHIRPath it evaluates exactly (fhirpath/path_expression.h; Patient's deceased),
// their type is special, or they have none (_text, _content). A search naming one is refused
// under Prefer: handling=strict, else reported in the Bundle and ignored, never approximated.
const std::vector<const SearchParamDef*>& unsupportedSearchParams(const std::string& type);

// Lower case with Latin accents removed, so "Müller" and "muller" match.
std::string normalizeForSearch(const std::string& text);

}  // namespace flint::fhir
