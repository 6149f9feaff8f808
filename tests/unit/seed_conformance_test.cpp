// The demo data set against US Core: every generated resource conforms to each profile it
// claims, and across the data set every profile and every Must Support element occurs.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/json/json_writer.h"
#include "fhir_resources/profiles/profile_table.h"
#include "fhir_resources/profiles/profile_validator.h"
#include "tests/unit/demo_data_set.h"

namespace flint::fhir {
namespace {

using testing::claimedProfiles;

// Records which elements of which profile held values, and of which types.
class Coverage : public ElementObserver {
 public:
  void seen(const Profile& profile, const ProfileElement& element, std::string_view type) override {
    types_[{&profile, &element}].insert(std::string(type));
  }
  // Each Must Support element of `profile` that never held a value (a choice: of each type the
  // profile marks Must Support).
  std::vector<std::string> missing(const Profile& profile) const {
    std::vector<std::string> out;
    for (const auto& el : profile.elements) {
      if (!el->mustSupport) continue;
      auto it = types_.find({&profile, el.get()});
      if (it == types_.end()) {
        out.push_back(el->id);
        continue;
      }
      if (el->isChoice())
        for (const auto& t : el->types)
          if (t.mustSupport && !it->second.count(t.code)) out.push_back(el->id + " as " + t.code);
    }
    return out;
  }

 private:
  std::map<std::pair<const Profile*, const ProfileElement*>, std::set<std::string>> types_;
};

// Each profile the resource claims, in every US Core version Flint has.
std::vector<const Profile*> versionsOfClaims(const json::Value& resource) {
  std::vector<const Profile*> out;
  for (const auto& url : claimedProfiles(resource))
    for (const auto& version : ProfileTable::get().versions())
      if (const Profile* p = ProfileTable::get().find(url + "|" + version)) out.push_back(p);
  return out;
}

TEST(SeedConformance, EveryResourceConformsToEachProfileItClaims) {
  std::map<std::string, int> failures;
  for (const auto& resource : testing::demoDataSet()) {
    for (const auto& url : claimedProfiles(resource))
      ASSERT_NE(ProfileTable::get().find(url), nullptr) << "the seed claims a profile Flint does not know: " << url;
    for (const Profile* profile : versionsOfClaims(resource))
      for (const auto& issue : validateAgainstProfile(resource, *profile))
        if (issue.severity == "error" && failures[profile->canonical() + ": " + issue.diagnostics]++ == 0)
          ADD_FAILURE() << profile->version << " " << issue.diagnostics << " at " << issue.expression << " in "
                        << json::write(resource).substr(0, 600);
  }
}

// The Must Support elements the ONC certification kit (Inferno's US Core test kit) does not ask
// a server to demonstrate, as its must-support metadata extractor lists them: a component on a
// single-valued vital sign, a value on a blood pressure panel, and (ONC's and US Core 4's
// clarification) dataAbsentReason on Observations whose values are always given. Flint's data
// shows dataAbsentReason wherever it is realistic anyway.
bool exemptFromDemonstration(const Profile& profile, const std::string& elementId) {
  static const std::set<std::string> vitalSignBases = {"http://hl7.org/fhir/StructureDefinition/vitalsigns",
                                                       "http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs"};
  const bool bloodPressure = profile.name == "USCoreBloodPressureProfile";
  if (vitalSignBases.count(profile.baseDefinition) && !bloodPressure && profile.name != "USCorePulseOximetryProfile" &&
      elementId.rfind("Observation.component", 0) == 0)
    return true;
  if (bloodPressure && elementId.rfind("Observation.value[x]", 0) == 0) return true;
  return profile.type == "Observation" &&
         (elementId == "Observation.dataAbsentReason" || elementId == "Observation.component.dataAbsentReason");
}

TEST(SeedConformance, EveryProfileAndEveryMustSupportElementOccurs) {
  Coverage coverage;
  std::set<const Profile*> claimed;
  for (const auto& resource : testing::demoDataSet())
    for (const Profile* profile : versionsOfClaims(resource)) {
      claimed.insert(profile);
      validateAgainstProfile(resource, *profile, &coverage);
    }
  for (const auto& profile : ProfileTable::get().profiles()) {
    if (profile->kind != "resource") continue;
    if (!claimed.count(profile.get())) {
      ADD_FAILURE() << "no resource of the data set claims " << profile->canonical();
      continue;
    }
    for (const auto& element : coverage.missing(*profile))
      if (!exemptFromDemonstration(*profile, element.substr(0, element.find(' '))))
        ADD_FAILURE() << profile->canonical() << ": Must Support element " << element << " never occurs";
  }
}

}  // namespace
}  // namespace flint::fhir
