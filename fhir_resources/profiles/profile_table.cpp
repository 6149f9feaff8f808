#include "fhir_resources/profiles/profile_table.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json/json_parser.h"
#include "fhir_resources/definitions/definitions.h"

extern "C" const char flint_us_core_profiles_start[];
extern "C" const char flint_us_core_profiles_end[];

namespace flint::fhir {
namespace {

constexpr std::string_view kR4Base = "http://hl7.org/fhir/StructureDefinition/";

std::string lastSegment(const std::string& s, char sep) { return s.substr(s.rfind(sep) + 1); }

std::unique_ptr<ProfileElement> element(const nlohmann::json& row) {
  auto el = std::make_unique<ProfileElement>();
  el->id = row[0];
  el->path = row[1];
  el->name = lastSegment(el->path, '.');
  const std::string lastId = lastSegment(el->id, '.');
  if (size_t colon = lastId.find(':'); colon != std::string::npos) el->sliceName = lastId.substr(colon + 1);
  el->min = row[2];
  el->max = row[3];
  for (const auto& t : row[4])
    el->types.push_back({t[0], t[1].get<std::vector<std::string>>(), t[2].get<std::vector<std::string>>(), t[3]});
  if (!row[5].is_null()) {
    json::Value value = json::parse(row[5][1].dump());
    (row[5][0] == "fixed" ? el->fixed : el->pattern) = std::move(value);
  }
  el->mustSupport = row[6];
  if (!row[7].is_null()) {
    el->sliced = true;
    for (const auto& d : row[7][0]) el->discriminators.push_back({d[0], d[1]});
    el->closed = row[7][1] == "closed";
  }
  if (!row[8].is_null()) el->requiredValueSet = row[8][1];
  for (const auto& c : row[9]) {
    Invariant invariant{c[0], c[1], c[2], c[3]};
    if (auto compiled = fhirpath::Expression::compile(invariant.expression, &invariant.why))
      invariant.compiled = std::make_shared<const fhirpath::Expression>(std::move(*compiled));
    el->invariants.push_back(std::move(invariant));
  }
  return el;
}

// Links each element to its parent: a slice ("a.b:s") to the sliced element ("a.b"), any other
// element to the element whose id is its own without the last segment.
void linkTree(Profile& profile) {
  std::unordered_map<std::string, ProfileElement*> byId;
  for (auto& el : profile.elements) byId[el->id] = el.get();
  for (size_t i = 1; i < profile.elements.size(); ++i) {
    ProfileElement* el = profile.elements[i].get();
    if (!el->sliceName.empty()) {
      auto sliced = byId.find(el->id.substr(0, el->id.size() - el->sliceName.size() - 1));
      if (sliced != byId.end()) sliced->second->slices.push_back(el);
      continue;
    }
    auto parent = byId.find(el->id.substr(0, el->id.rfind('.')));
    if (parent != byId.end()) parent->second->children.push_back(el);
  }
}

}  // namespace

bool ProfileElement::allowsType(std::string_view code) const {
  if (types.empty()) return true;
  return std::any_of(types.begin(), types.end(), [&](const ProfileType& t) { return t.code == code; });
}

const ProfileTable& ProfileTable::get() {
  static const ProfileTable table;
  return table;
}

ProfileTable::ProfileTable() {
  auto doc = nlohmann::json::parse(flint_us_core_profiles_start, flint_us_core_profiles_end);
  versions_ = doc["packages"].get<std::vector<std::string>>();
  for (const auto& p : doc["profiles"]) {
    auto profile = std::make_unique<Profile>();
    profile->url = p["url"];
    profile->version = p["version"];
    profile->name = p["name"];
    profile->title = p["title"];
    profile->type = p["type"];
    profile->kind = p["kind"];
    profile->baseDefinition = p["baseDefinition"];
    for (const auto& row : p["elements"]) profile->elements.push_back(element(row));
    linkTree(*profile);
    byCanonical_[profile->canonical()] = profile.get();
    auto& latest = byCanonical_[profile->url];
    if (latest == nullptr || latest->version < profile->version) latest = profile.get();
    profiles_.push_back(std::move(profile));
  }
  for (const auto& [type, combinations] : doc["searchCombinations"].items())
    searchCombinations_[type] = combinations.get<std::vector<std::vector<std::string>>>();
  for (const auto& [url, codes] : doc["valueSets"].items()) {
    auto& set = valueSets_[url];
    for (const std::string& code : codes) {
      set.insert(code);
      set.insert(code.substr(code.find('|')));  // "|code", for elements of type code, which carry no system
    }
  }
}

const std::vector<std::vector<std::string>>& ProfileTable::searchCombinations(const std::string& type) const {
  static const std::vector<std::vector<std::string>> none;
  auto it = searchCombinations_.find(type);
  return it == searchCombinations_.end() ? none : it->second;
}

const Profile* ProfileTable::find(std::string_view url) const {
  auto it = byCanonical_.find(std::string(url));
  return it == byCanonical_.end() ? nullptr : it->second;
}

const std::unordered_set<std::string>* ProfileTable::valueSet(std::string_view url) const {
  auto it = valueSets_.find(std::string(url.substr(0, url.find('|'))));
  return it == valueSets_.end() ? nullptr : &it->second;
}

std::string ProfileTable::typeOf(std::string_view profileUrl) const {
  if (const Profile* p = find(profileUrl)) return p->type;
  std::string_view url = profileUrl.substr(0, profileUrl.find('|'));
  // R4's own profiles of a type (vitalsigns, ...) are not types: the type is then unknown.
  if (url.substr(0, kR4Base.size()) != kR4Base) return "";
  std::string name(url.substr(kR4Base.size()));
  return Definitions::get().type(name) != nullptr ? name : "";
}

}  // namespace flint::fhir
