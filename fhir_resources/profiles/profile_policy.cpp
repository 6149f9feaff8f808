#include "fhir_resources/profiles/profile_policy.h"

#include <algorithm>
#include <map>

#include "fhir_resources/profiles/profile_validator.h"

namespace flint::fhir {
namespace {

constexpr std::string_view kUsCoreBase = "http://hl7.org/fhir/us/core/StructureDefinition/";

// The resource profiles of the latest US Core version, by the type they constrain.
const std::map<std::string, std::vector<const Profile*>>& latestByType() {
  static const auto byType = [] {
    std::map<std::string, std::vector<const Profile*>> out;
    const std::string& latest = ProfileTable::get().versions().back();
    for (const auto& p : ProfileTable::get().profiles())
      if (p->kind == "resource" && p->version == latest) out[p->type].push_back(p.get());
    return out;
  }();
  return byType;
}

}  // namespace

ProfileCheck profilesFor(const json::Value& resource, const std::string& type, const std::string& mode) {
  ProfileCheck check;
  if (mode == "off") return check;
  if (const json::Value* meta = resource.find("meta"); meta != nullptr && meta->isObject())
    if (const json::Value* claimed = meta->find("profile"); claimed != nullptr && claimed->isArray())
      for (size_t i = 0; i < claimed->items().size(); ++i) {
        const json::Value& url = claimed->items()[i];
        if (!url.isString()) continue;
        const Profile* profile = ProfileTable::get().find(url.text());
        if (profile == nullptr) {
          if (url.text().rfind(kUsCoreBase, 0) == 0)
            check.issues.push_back({"informational", url.text() + " is not a US Core version Flint validates (not checked)",
                                    type + ".meta.profile[" + std::to_string(i) + "]", "information"});
          continue;
        }
        if (profile->type != type) {
          check.issues.push_back({"invalid", profile->name + " constrains " + profile->type + ", not " + type,
                                  type + ".meta.profile[" + std::to_string(i) + "]", "error"});
          continue;
        }
        if (std::find(check.profiles.begin(), check.profiles.end(), profile) == check.profiles.end())
          check.profiles.push_back(profile);
      }
  if (mode != "required" || !check.profiles.empty()) return check;
  auto candidates = latestByType().find(type);
  if (candidates == latestByType().end()) return check;
  if (candidates->second.size() == 1) {
    check.profiles.push_back(candidates->second.front());
    return check;
  }
  std::string names;
  for (const Profile* p : candidates->second) names += (names.empty() ? "" : ", ") + p->url;
  check.issues.push_back({"required", "this instance requires US Core: a " + type + " must claim one of its profiles in meta.profile (" + names + ")",
                          type + ".meta.profile", "error"});
  return check;
}

std::vector<Issue> checkProfiles(const json::Value& resource, const ProfileCheck& check) {
  std::vector<Issue> issues;
  for (const Profile* profile : check.profiles) {
    auto found = validateAgainstProfile(resource, *profile);
    issues.insert(issues.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  issues.insert(issues.end(), check.issues.begin(), check.issues.end());
  return issues;
}

void enforceProfiles(const json::Value& resource, const std::string& type, const std::string& mode) {
  ProfileCheck check = profilesFor(resource, type, mode);
  if (check.profiles.empty() && check.issues.empty()) return;
  std::vector<Issue> issues = checkProfiles(resource, check);
  std::vector<Issue> errors;
  for (auto& issue : issues)
    if (issue.severity == "error") errors.push_back(std::move(issue));
  if (!errors.empty()) throw FhirError(422, std::move(errors));
}

}  // namespace flint::fhir
