#include <gtest/gtest.h>

#include "auth/scopes/scope.h"

namespace flint::auth {
namespace {

TEST(Scopes, ParsesV1AndV2IntoOneModel) {
  auto v1 = parseResourceScope("patient/Observation.read");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->context, ScopeContext::Patient);
  EXPECT_EQ(v1->type, "Observation");
  EXPECT_EQ(v1->permissions, fhir::kRead | fhir::kSearch);
  EXPECT_TRUE(v1->v1);
  EXPECT_EQ(parseResourceScope("user/*.write")->permissions, fhir::kCreate | fhir::kUpdate | fhir::kDelete);
  EXPECT_EQ(parseResourceScope("system/*.*")->permissions, 31);

  auto v2 = parseResourceScope("patient/Condition.rs?category=http://x|encounter-diagnosis");
  ASSERT_TRUE(v2);
  EXPECT_FALSE(v2->v1);
  EXPECT_EQ(v2->permissions, fhir::kRead | fhir::kSearch);
  EXPECT_EQ(v2->query, "category=http://x|encounter-diagnosis");
  EXPECT_EQ(v2->format(), "patient/Condition.rs?category=http://x|encounter-diagnosis");
  EXPECT_EQ(parseResourceScope("system/Patient.cruds")->permissions, 31);
  EXPECT_EQ(parseResourceScope("system/Patient.cud")->format(), "system/Patient.cud");
}

TEST(Scopes, RefusesWhatIsNotAScope) {
  for (const char* bad : {"patient/Observation.sr", "patient/Observation.rr", "patient/Observation.x",
                          "patient/Observation.", "patient/Nonsense.rs", "doctor/Observation.rs", "Observation.rs",
                          "patient/Observation.read?category=x", "patient/Observation.rs?", "patient/observation.rs"})
    EXPECT_FALSE(parseResourceScope(bad)) << bad;
  ScopeSet set = parseScopes("openid  fhirUser launch/patient offline_access bogus patient/*.rs patient/*.rs");
  EXPECT_EQ(set.format(), "openid fhirUser launch/patient offline_access patient/*.rs");
}

TEST(Scopes, IntersectionNarrowsToTheCeiling) {
  ScopeSet ceiling = parseScopes("system/Patient.rs system/Observation.cruds");
  EXPECT_EQ(intersect(parseScopes("system/*.rs"), ceiling).format(), "system/Patient.rs system/Observation.rs");
  EXPECT_EQ(intersect(parseScopes("system/*.read"), ceiling).format(), "system/Patient.read system/Observation.read");
  EXPECT_EQ(intersect(parseScopes("system/Patient.cruds"), ceiling).format(), "system/Patient.rs");
  EXPECT_EQ(intersect(parseScopes("system/Observation.write"), ceiling).format(), "system/Observation.write");
  EXPECT_TRUE(intersect(parseScopes("patient/Patient.rs"), ceiling).empty());
  EXPECT_TRUE(intersect(parseScopes("system/Encounter.rs"), ceiling).empty());
  ScopeSet granular = parseScopes("patient/Observation.rs?category=laboratory openid");
  EXPECT_EQ(intersect(parseScopes("patient/*.rs openid fhirUser"), granular).format(),
            "openid patient/Observation.rs?category=laboratory");
  EXPECT_TRUE(intersect(parseScopes("patient/Observation.rs?category=vital-signs"), granular).resources.empty());
}

TEST(Scopes, SystemScopesBecomeTypeLevelAccess) {
  fhir::Access access = accessOf(parseScopes("system/Patient.rs system/Observation.c patient/Encounter.rs"));
  EXPECT_TRUE(access.allows("Patient", fhir::kRead));
  EXPECT_TRUE(access.allows("Patient", fhir::kSearch));
  EXPECT_FALSE(access.allows("Patient", fhir::kUpdate));
  EXPECT_TRUE(access.allows("Observation", fhir::kCreate));
  EXPECT_FALSE(access.allows("Observation", fhir::kRead));
  EXPECT_FALSE(access.allows("Encounter", fhir::kRead));  // patient/ scopes without a patient grant nothing
  EXPECT_FALSE(access.allowsEveryType(fhir::kSearch));
  EXPECT_TRUE(accessOf(parseScopes("system/*.rs")).allowsEveryType(fhir::kSearch));
  fhir::Access granular = accessOf(parseScopes("system/Patient.rs?active=true"));
  EXPECT_TRUE(granular.allows("Patient", fhir::kRead));
  EXPECT_EQ(granular.filter("Patient", fhir::kRead), (std::pair<std::string, std::string>{"active", "true"}));
  EXPECT_FALSE(granular.allows("Patient", fhir::kUpdate));
}

TEST(Scopes, GranularScopesOfOneTypeAreOred) {
  fhir::Access access = accessOf(
      parseScopes("patient/Observation.rs?category=http://x|laboratory patient/Observation.rs?category=http://x|vital-signs "
                  "patient/Condition.rs patient/Condition.rs?category=http://y|problem-list-item"),
      "p1");
  EXPECT_EQ(access.filter("Observation", fhir::kSearch),
            (std::pair<std::string, std::string>{"category", "http://x|laboratory,http://x|vital-signs"}));
  EXPECT_EQ(access.filter("Condition", fhir::kSearch), std::nullopt);  // the whole-type scope wins
  EXPECT_EQ(access.compartmentPatient("Observation", fhir::kSearch), "p1");
  EXPECT_FALSE(accessOf(parseScopes("patient/Observation.rs?category=x"), "").allows("Observation", fhir::kRead));
}

TEST(Scopes, PatientScopesReadWithinTheCompartment) {
  fhir::Access access = accessOf(parseScopes("patient/*.rs patient/Observation.cruds user/Practitioner.rs"), "p1");
  EXPECT_TRUE(access.allows("Observation", fhir::kRead));
  EXPECT_FALSE(access.allows("Observation", fhir::kCreate));  // no writes through patient/ scopes
  EXPECT_EQ(access.compartmentPatient("Observation", fhir::kSearch), "p1");
  EXPECT_EQ(access.compartmentPatient("Patient", fhir::kRead), "p1");
  EXPECT_EQ(access.compartmentPatient("Practitioner", fhir::kRead), "");  // granted by user/
  EXPECT_EQ(access.compartmentPatient("Organization", fhir::kRead), "");  // not a compartment type
  EXPECT_TRUE(access.allows("Organization", fhir::kRead));
  EXPECT_FALSE(access.allowsEveryType(fhir::kSearch));
}

}  // namespace
}  // namespace flint::auth
