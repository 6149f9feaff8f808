// The US Core 6.1.0 and 7.0.0 profiles Flint validates against, loaded once from the committed
// table (definitions/us_core_profiles.json) into element trees with their slices.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/json/json_value.h"
#include "fhir_resources/fhirpath/fhirpath.h"

namespace flint::fhir {

struct Invariant {
  std::string key;
  std::string severity;  // error or warning
  std::string human;
  std::string expression;
  // Null when the expression uses FHIRPath Flint does not evaluate exactly; `why` then says what.
  std::shared_ptr<const fhirpath::Expression> compiled;
  std::string why;
};

struct ProfileType {
  std::string code;
  std::vector<std::string> profiles;        // the value must conform to one of these
  std::vector<std::string> targetProfiles;  // a Reference's target must be one of these
  bool mustSupport = false;                 // this type of a choice is Must Support
};

struct Discriminator {
  std::string type;  // value, pattern, type, profile, exists
  std::string path;
};

struct ProfileElement {
  std::string id;         // e.g. Observation.component:systolic.code
  std::string path;       // e.g. Observation.component.code
  std::string name;       // the last path segment, e.g. code or value[x]
  std::string sliceName;  // for a slice: its name
  int min = 0;
  int max = -1;  // -1 for unbounded
  std::vector<ProfileType> types;
  std::optional<json::Value> fixed;    // the value must equal this
  std::optional<json::Value> pattern;  // the value must contain this
  bool mustSupport = false;
  // Slicing of this element, when it is sliced.
  std::vector<Discriminator> discriminators;
  bool sliced = false;
  bool closed = false;
  std::string requiredValueSet;  // canonical URL of a required binding, or empty
  std::vector<Invariant> invariants;
  std::vector<const ProfileElement*> children;
  std::vector<const ProfileElement*> slices;

  bool isChoice() const { return name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0; }
  bool allowsType(std::string_view code) const;
};

struct Profile {
  std::string url;
  std::string version;
  std::string name;
  std::string title;
  std::string type;  // the resource or datatype it constrains
  std::string kind;
  std::string baseDefinition;
  std::vector<std::unique_ptr<ProfileElement>> elements;  // in snapshot order; the first is the root

  const ProfileElement& root() const { return *elements.front(); }
  std::string canonical() const { return url + "|" + version; }
};

class ProfileTable {
 public:
  // The table linked into this binary, loaded once.
  static const ProfileTable& get();

  // `url` with or without "|version"; without one, the latest version Flint has.
  const Profile* find(std::string_view url) const;
  const std::vector<std::unique_ptr<Profile>>& profiles() const { return profiles_; }
  // The US Core versions in the table, e.g. 6.1.0 and 7.0.0.
  const std::vector<std::string>& versions() const { return versions_; }
  // The search parameter combinations the US Core server CapabilityStatements name for `type`.
  const std::vector<std::vector<std::string>>& searchCombinations(const std::string& type) const;
  // "system|code" for every code of a required binding's value set, or null when the value set
  // cannot be enumerated offline (then its codes are not checked).
  const std::unordered_set<std::string>* valueSet(std::string_view url) const;
  // The resource type or datatype a profile constrains, from Flint's table or an R4 base URL;
  // empty when unknown.
  std::string typeOf(std::string_view profileUrl) const;

 private:
  ProfileTable();
  std::vector<std::unique_ptr<Profile>> profiles_;
  std::unordered_map<std::string, const Profile*> byCanonical_;  // url|version and url (latest)
  std::vector<std::string> versions_;
  std::unordered_map<std::string, std::vector<std::vector<std::string>>> searchCombinations_;
  std::unordered_map<std::string, std::unordered_set<std::string>> valueSets_;
};

}  // namespace flint::fhir
