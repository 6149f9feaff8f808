// Resource numbers: a patient's resources share the high part of their numbers, whatever
// parameter names the patient, so they are neighbours in every index by number.
#include <gtest/gtest.h>

#include <string>

#include "core/json/json_parser.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/storage/resource_number.h"

using namespace flint;
using namespace flint::fhir;

namespace {

int64_t partOf(const std::string& type, const std::string& id, const std::string& resource) {
  return patientPart(type, id, extractIndexRows(json::parse(resource)));
}

}  // namespace

TEST(ResourceNumber, APatientsResourcesShareItsPart) {
  const int64_t patient = partOf("Patient", "p1", R"({"resourceType":"Patient","id":"p1"})");
  EXPECT_GE(patient, 1);
  EXPECT_LT(patient, int64_t{1} << 22);
  // By subject (stored as `subject` entries pointing at a Patient), by patient, by a typed form.
  EXPECT_EQ(partOf("Observation", "o", R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
      "performer":[{"reference":"Practitioner/dr"}],"subject":{"reference":"Patient/p1"}})"),
            patient);
  EXPECT_EQ(partOf("AllergyIntolerance", "a", R"({"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p1"}})"),
            patient);
  EXPECT_EQ(partOf("Encounter", "e", R"({"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},
      "subject":{"reference":"Patient/p1"}})"),
            patient);
  EXPECT_NE(partOf("Patient", "p2", R"({"resourceType":"Patient","id":"p2"})"), patient);
}

TEST(ResourceNumber, ResourcesOutsideEveryPatientsCompartmentHaveNone) {
  EXPECT_EQ(partOf("Practitioner", "dr", R"({"resourceType":"Practitioner","id":"dr"})"), 0);
  EXPECT_EQ(partOf("Organization", "org", R"({"resourceType":"Organization","id":"org"})"), 0);
  // A reference to a Patient that does not make the resource a member of the compartment.
  EXPECT_EQ(partOf("Observation", "o", R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
      "focus":[{"reference":"Patient/p1"}]})"),
            0);
}

TEST(ResourceNumber, ThePatientPartIsAboveTheSequence) {
  EXPECT_EQ(resourceNumber(3, 5), (int64_t{3} << kResourceNumberSequenceBits) + 5);
  EXPECT_GT(resourceNumber(1, 0), resourceNumber(0, (int64_t{1} << kResourceNumberSequenceBits) - 1));
}
