// The profile validator against every US Core 6.1/7.0 resource profile: a conforming example
// (the first of the demo data set) passes, and minimal breaking changes derived from the profile itself
// (a required element removed, a fixed or pattern code changed, a code outside a required value
// set, a reference to a type the profile does not allow) are each rejected at the right element.
#include <gtest/gtest.h>

#include <map>

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/profiles/profile_table.h"
#include "fhir_resources/profiles/profile_validator.h"
#include "tests/unit/demo_data_set.h"

namespace flint::fhir {
namespace {

// The first conforming resource of the demo data set claiming each profile (by URL, any version).
const std::map<std::string, json::Value>& examples() {
  static const std::map<std::string, json::Value> byUrl = [] {
    std::map<std::string, json::Value> out;
    for (const auto& r : testing::demoDataSet())
      for (const auto& url : testing::claimedProfiles(r)) out.emplace(url, r);
    return out;
  }();
  return byUrl;
}

std::vector<Issue> errors(const json::Value& resource, const Profile& profile) {
  std::vector<Issue> out;
  for (auto& issue : validateAgainstProfile(resource, profile))
    if (issue.severity == "error") out.push_back(std::move(issue));
  return out;
}

bool hasErrorAt(const std::vector<Issue>& issues, const std::string& expressionPrefix) {
  for (const auto& i : issues)
    if (i.expression.rfind(expressionPrefix, 0) == 0) return true;
  return false;
}

std::string describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& i : issues) out += "\n  " + i.expression + ": " + i.diagnostics;
  return out.empty() ? " none" : out;
}

std::string stem(const std::string& name) {
  return name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0 ? name.substr(0, name.size() - 3) : name;
}

// The member of `resource` that holds element `el` (a choice: whichever variant is present).
std::string memberFor(const json::Value& resource, const ProfileElement& el) {
  if (!el.isChoice()) return resource.find(el.name) != nullptr ? el.name : "";
  for (const auto& [key, value] : resource.members())
    if (key.rfind(stem(el.name), 0) == 0 && key.size() > stem(el.name).size() && std::isupper(key[stem(el.name).size()]))
      return key;
  return "";
}

// Replaces every "code" member's string (and a bare string) inside `v`.
void replaceCodes(json::Value& v) {
  if (v.isString()) {
    v = json::Value::string("not-a-real-code");
    return;
  }
  for (auto& [key, member] : v.members()) {
    if (key == "code" && member.isString()) member = json::Value::string("not-a-real-code");
    else replaceCodes(member);
  }
  for (auto& item : v.items()) replaceCodes(item);
}

class EveryProfile : public ::testing::TestWithParam<const Profile*> {};

TEST_P(EveryProfile, AcceptsItsExampleAndRejectsEachBreakingChange) {
  const Profile& profile = *GetParam();
  auto example = examples().find(profile.url);
  ASSERT_NE(example, examples().end()) << "the data set has no example of " << profile.url;
  const json::Value& good = example->second;
  auto baseline = errors(good, profile);
  ASSERT_TRUE(baseline.empty()) << profile.canonical() << " rejects its example:" << describe(baseline);

  int breaks = 0;
  for (const ProfileElement* el : profile.root().children) {
    const std::string member = memberFor(good, *el);
    if (member.empty()) continue;
    const std::string at = profile.type + "." + stem(el->name);
    if (el->min >= 1) {
      json::Value bad = good;
      bad.erase(member);
      EXPECT_TRUE(hasErrorAt(errors(bad, profile), at)) << profile.canonical() << ": removing " << member << " is not reported at " << at;
      ++breaks;
    }
    if (el->fixed || el->pattern) {
      json::Value bad = good;
      replaceCodes(*bad.find(member));
      EXPECT_TRUE(hasErrorAt(errors(bad, profile), at)) << profile.canonical() << ": changing the codes of " << member
                                                        << " is not reported";
      ++breaks;
    }
    if (!el->requiredValueSet.empty() && ProfileTable::get().valueSet(el->requiredValueSet) != nullptr) {
      json::Value bad = good;
      replaceCodes(*bad.find(member));
      auto found = errors(bad, profile);
      EXPECT_TRUE(hasErrorAt(found, at)) << profile.canonical() << ": a code outside " << el->requiredValueSet << " in "
                                         << member << " is not reported:" << describe(found);
      ++breaks;
    }
    for (const auto& type : el->types) {
      if (type.code != "Reference" || type.targetProfiles.empty()) continue;
      bool anyType = false;  // Reference(Resource), or a target Flint cannot name
      for (const auto& target : type.targetProfiles) {
        const std::string t = ProfileTable::get().typeOf(target);
        anyType = anyType || t.empty() || t == "Resource";
      }
      if (anyType) continue;
      json::Value bad = good;
      json::Value& value = *bad.find(member);
      json::Value& first = value.isArray() ? value.items().front() : value;
      if (first.find("reference") == nullptr) continue;
      first.set("reference", json::Value::string("Basic/not-allowed"));
      EXPECT_TRUE(hasErrorAt(errors(bad, profile), at)) << profile.canonical() << ": a reference to a Basic in " << member
                                                        << " is not reported";
      ++breaks;
    }
  }
  EXPECT_GT(breaks, 0) << profile.canonical() << ": no breaking change was tried";
}

std::vector<const Profile*> resourceProfiles() {
  std::vector<const Profile*> out;
  for (const auto& p : ProfileTable::get().profiles())
    if (p->kind == "resource") out.push_back(p.get());
  return out;
}

INSTANTIATE_TEST_SUITE_P(UsCore, EveryProfile, ::testing::ValuesIn(resourceProfiles()),
                         [](const ::testing::TestParamInfo<const Profile*>& info) {
                           std::string name = info.param->name + "_" + info.param->version;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

const Profile& profile(const std::string& canonical) {
  const Profile* p = ProfileTable::get().find(canonical);
  if (p == nullptr) throw std::runtime_error("no profile " + canonical);
  return *p;
}

TEST(ProfileValidator, InvariantsAreEvaluatedExactly) {
  const Profile& practitioner = profile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitioner|7.0.0");
  auto withNpi = [](const std::string& npi) {
    return json::parse(R"({"resourceType":"Practitioner","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":")" +
                       npi + R"("}],"name":[{"family":"Doe"}]})");
  };
  EXPECT_TRUE(errors(withNpi("1234567893"), practitioner).empty()) << describe(errors(withNpi("1234567893"), practitioner));
  auto badCheckDigit = errors(withNpi("1234567890"), practitioner);
  ASSERT_TRUE(hasErrorAt(badCheckDigit, "Practitioner.identifier[0]")) << describe(badCheckDigit);
  EXPECT_NE(badCheckDigit.front().diagnostics.find("us-core-17"), std::string::npos);
  EXPECT_TRUE(hasErrorAt(errors(withNpi("12345"), practitioner), "Practitioner.identifier[0]"));

  const Profile& role = profile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitionerrole|7.0.0");
  auto noContact = errors(json::parse(R"({"resourceType":"PractitionerRole","practitioner":{"reference":"Practitioner/a"}})"), role);
  EXPECT_TRUE(hasErrorAt(noContact, "PractitionerRole")) << describe(noContact);
  bool pd1 = false;
  for (const auto& i : noContact) pd1 = pd1 || i.diagnostics.find("pd-1") != std::string::npos;
  EXPECT_TRUE(pd1) << describe(noContact);
}

TEST(ProfileValidator, ClosedTypeSlicingAndChoiceTypes) {
  const Profile& bmi = profile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-bmi|7.0.0");
  json::Value r = examples().at(bmi.url);
  r.find("valueQuantity")->set("code", json::Value::string("kg"));
  EXPECT_TRUE(hasErrorAt(errors(r, bmi), "Observation.valueQuantity.code")) << describe(errors(r, bmi));
  r = examples().at(bmi.url);
  r.erase("effectiveDateTime");
  r.set("effectiveInstant", json::Value::string("2024-01-01T00:00:00Z"));
  EXPECT_TRUE(hasErrorAt(errors(r, bmi), "Observation.effectiveInstant")) << describe(errors(r, bmi));
}

// US Core slices by value, pattern, type and exists only; a profile discriminator is checked
// with a profile made here: Patient.extension must hold one conforming US Core race extension.
TEST(ProfileValidator, ProfileDiscriminators) {
  Profile p;
  p.url = "http://example.org/StructureDefinition/raced-patient";
  p.name = "RacedPatient";
  p.type = "Patient";
  auto element = [&](std::string id, std::string path) {
    auto el = std::make_unique<ProfileElement>();
    el->id = std::move(id);
    el->path = std::move(path);
    el->name = el->path.substr(el->path.rfind('.') + 1);
    p.elements.push_back(std::move(el));
    return p.elements.back().get();
  };
  ProfileElement* root = element("Patient", "Patient");
  ProfileElement* extension = element("Patient.extension", "Patient.extension");
  extension->sliced = true;
  extension->discriminators = {{"profile", "$this"}};
  ProfileElement* race = element("Patient.extension:race", "Patient.extension");
  race->sliceName = "race";
  race->min = 1;
  race->types = {{"Extension", {"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"}, {}, false}};
  root->children.push_back(extension);
  extension->slices.push_back(race);

  auto patient = [](const std::string& raceExtensions) {
    return json::parse(R"({"resourceType":"Patient","extension":[{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race","extension":[)" +
                       raceExtensions + "]}]}");
  };
  const std::string omb = R"({"url":"ombCategory","valueCoding":{"system":"urn:oid:2.16.840.1.113883.6.238","code":"2106-3"}})";
  EXPECT_TRUE(errors(patient(omb + R"(,{"url":"text","valueString":"White"})"), p).empty());
  auto noText = errors(patient(omb), p);
  EXPECT_TRUE(hasErrorAt(noText, "Patient.extension")) << "without its required text the extension is in no slice:" << describe(noText);
}

TEST(ProfileValidator, WhatCannotBeCheckedIsSaidNotGuessed) {
  const Profile& patient = profile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|7.0.0");
  auto issues = validateAgainstProfile(examples().at(patient.url), patient);
  bool notChecked = false;
  for (const auto& i : issues) {
    EXPECT_NE(i.severity, "error") << i.diagnostics;
    notChecked = notChecked || (i.severity == "information" && i.diagnostics.find("not checked") != std::string::npos);
  }
  EXPECT_TRUE(notChecked) << "race and ethnicity codes come from VSAC value sets Flint cannot expand offline";
}

}  // namespace
}  // namespace flint::fhir
