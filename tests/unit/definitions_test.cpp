#include <gtest/gtest.h>

#include <algorithm>

#include "fhir_resources/definitions/definitions.h"

using flint::fhir::Definitions;

TEST(Definitions, KnowsEveryConcreteR4ResourceType) {
  const auto& d = Definitions::get();
  EXPECT_EQ(d.fhirVersion(), "4.0.1");
  EXPECT_GE(d.resourceTypes().size(), 145u);
  for (const char* t : {"Patient", "Observation", "MedicationRequest", "Provenance", "Bundle", "Binary"})
    EXPECT_TRUE(d.isResourceType(t)) << t;
  for (const char* t : {"Resource", "DomainResource", "HumanName", "string", "patient", ""})
    EXPECT_FALSE(d.isResourceType(t)) << t;
}

TEST(Definitions, ElementsCarryTypesCardinalityAndBindings) {
  const auto* patient = Definitions::get().type("Patient");
  ASSERT_NE(patient, nullptr);
  auto find = [&](const std::string& path) {
    auto it = std::find_if(patient->elements.begin(), patient->elements.end(),
                           [&](const auto& e) { return e.path == path; });
    return it == patient->elements.end() ? nullptr : &*it;
  };
  ASSERT_NE(find("name"), nullptr);
  EXPECT_EQ(find("name")->max, -1);
  EXPECT_EQ(find("name")->types, std::vector<std::string>{"HumanName"});
  ASSERT_NE(find("gender"), nullptr);
  EXPECT_EQ(find("gender")->bindingStrength, "required");
  ASSERT_NE(find("deceased[x]"), nullptr);
  EXPECT_EQ(find("deceased[x]")->types, (std::vector<std::string>{"boolean", "dateTime"}));
  ASSERT_NE(find("link.other"), nullptr);
  EXPECT_EQ(find("link.other")->min, 1);
  EXPECT_EQ(find("link.other")->targetTypes, (std::vector<std::string>{"Patient", "RelatedPerson"}));

  const auto* observation = Definitions::get().type("Observation");
  ASSERT_NE(observation, nullptr);
  bool statusRequired = false;
  for (const auto& e : observation->elements)
    if (e.path == "status") statusRequired = e.min == 1 && e.bindingStrength == "required";
  EXPECT_TRUE(statusRequired);
}

TEST(Definitions, ComplexAndPrimitiveTypesArePresent) {
  const auto* quantity = Definitions::get().type("Quantity");
  ASSERT_NE(quantity, nullptr);
  EXPECT_EQ(quantity->kind, "complex-type");
  const auto* decimal = Definitions::get().type("decimal");
  ASSERT_NE(decimal, nullptr);
  EXPECT_EQ(decimal->kind, "primitive-type");
}

TEST(Definitions, SearchParametersIncludeCommonAndTypeSpecificOnes) {
  auto params = Definitions::get().searchParams("Observation");
  auto has = [&](const std::string& code, const std::string& type) {
    return std::any_of(params.begin(), params.end(), [&](auto* p) { return p->code == code && p->type == type; });
  };
  EXPECT_TRUE(has("_id", "token"));
  EXPECT_TRUE(has("_lastUpdated", "date"));
  EXPECT_TRUE(has("code", "token"));
  EXPECT_TRUE(has("patient", "reference"));
  EXPECT_TRUE(has("date", "date"));
  EXPECT_TRUE(has("value-quantity", "quantity"));
  EXPECT_TRUE(has("code-value-quantity", "composite"));
  EXPECT_FALSE(has("birthdate", "date"));
}

TEST(Definitions, PatientCompartmentComesFromTheCompartmentDefinition) {
  const auto& d = Definitions::get();
  auto obs = d.patientCompartmentParams("Observation");
  EXPECT_NE(std::find(obs.begin(), obs.end(), "subject"), obs.end());
  EXPECT_NE(std::find(obs.begin(), obs.end(), "performer"), obs.end());
  EXPECT_FALSE(d.patientCompartmentParams("Patient").empty());
  EXPECT_TRUE(d.patientCompartmentParams("Practitioner").empty());
}
