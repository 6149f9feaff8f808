#include <gtest/gtest.h>

#include <set>

#include "core/json/json_parser.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/fhirpath/path_expression.h"
#include "fhir_resources/search/index/index_rows.h"

using namespace flint;
using flint::fhir::Definitions;
using flint::fhir::PathExpression;

namespace {

std::vector<std::string> types(const std::string& expression, const json::Value& resource) {
  auto compiled = PathExpression::compile(expression);
  EXPECT_TRUE(compiled) << expression;
  std::vector<std::string> out;
  if (!compiled) return out;
  for (const auto& n : compiled->evaluate(resource)) out.emplace_back(n.type);
  return out;
}

const json::Value observation = json::parse(R"({
  "resourceType":"Observation","status":"final",
  "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
  "subject":{"reference":"Patient/p1"},
  "performer":[{"reference":"Practitioner/d1"},{"reference":"https://other.example/fhir/Patient/p2"},{"reference":"#c1"}],
  "effectivePeriod":{"start":"2024-01-01"},
  "valueQuantity":{"value":1.5,"unit":"mg"},
  "component":[{"code":{"text":"a"},"valueString":"x"},{"code":{"text":"b"},"valueQuantity":{"value":2}}]})");

}  // namespace

TEST(PathExpression, CompilesNearlyEveryR4SearchParameterExpression) {
  size_t total = 0, compiled = 0;
  std::vector<std::string> failed;
  for (const auto& type : Definitions::get().resourceTypes())
    for (const auto* p : Definitions::get().searchParams(type)) {
      if (p->expression.empty() || p->base.front() != type) continue;
      ++total;
      if (PathExpression::compile(p->expression)) ++compiled;
      else failed.push_back(p->expression);
    }
  EXPECT_GT(total, 1000u);
  // Only Patient/Person "deceased" style boolean logic is outside the subset.
  EXPECT_LE(failed.size(), 3u) << (failed.empty() ? "" : failed.front());
}

// Every R4 and US Core search parameter is searched exactly or not at all: those not searched
// are these (by definition URL, each listed once whatever number of types shares it). A
// parameter that changes class, by a change of the evaluator or of the definitions, fails here
// until the list (and what the CapabilityStatement says) is updated.
TEST(PathExpression, TheUnsupportedSearchParametersAreTheListedOnes) {
  const std::string r4 = "http://hl7.org/fhir/SearchParameter/";
  const std::set<std::string> listed = {
      r4 + "DocumentReference-relationship",                            // a composite keyed by a reference
      r4 + "DomainResource-text",                                       // no expression (_text)
      r4 + "Location-near",                                             // special
      r4 + "MolecularSequence-chromosome-variant-coordinate",           // composites of three parts
      r4 + "MolecularSequence-chromosome-window-coordinate",
      r4 + "MolecularSequence-referenceseqid-variant-coordinate",
      r4 + "MolecularSequence-referenceseqid-window-coordinate",
      r4 + "Patient-deceased",                                          // boolean logic, not a path
      r4 + "Resource-content",                                          // no expression (_content)
      r4 + "Resource-query",                                            // no expression (_query)
  };
  std::set<std::string> found;
  for (const auto& type : Definitions::get().resourceTypes())
    for (const auto* p : flint::fhir::unsupportedSearchParams(type)) found.insert(p->url);
  std::string actual;
  for (const auto& url : found) actual += "    \"" + url + "\",\n";
  EXPECT_EQ(found, listed) << actual;
}

TEST(PathExpression, FollowsElementsWithTheirTypes) {
  EXPECT_EQ(types("Observation.code", observation), std::vector<std::string>{"CodeableConcept"});
  EXPECT_EQ(types("Observation.status", observation), std::vector<std::string>{"code"});
  EXPECT_EQ(types("Observation.component.code", observation), (std::vector<std::string>{"CodeableConcept", "CodeableConcept"}));
  EXPECT_EQ(types("Observation.code | Observation.component.code", observation).size(), 3u);
  EXPECT_TRUE(types("Patient.name", observation).empty());
}

TEST(PathExpression, ChoiceElementsAndOfType) {
  EXPECT_EQ(types("Observation.value", observation), std::vector<std::string>{"Quantity"});
  EXPECT_EQ(types("(Observation.value as Quantity)", observation), std::vector<std::string>{"Quantity"});
  EXPECT_EQ(types("Observation.value.ofType(Quantity)", observation), std::vector<std::string>{"Quantity"});
  EXPECT_TRUE(types("Observation.value.ofType(string)", observation).empty());
  EXPECT_EQ(types("Observation.effective", observation), std::vector<std::string>{"Period"});
  EXPECT_EQ(types("Observation.component.value.ofType(Quantity)", observation), std::vector<std::string>{"Quantity"});
}

TEST(PathExpression, WhereResolveIsFiltersReferencesByTargetType) {
  EXPECT_EQ(types("Observation.subject.where(resolve() is Patient)", observation).size(), 1u);
  EXPECT_TRUE(types("Observation.subject.where(resolve() is Group)", observation).empty());
  EXPECT_EQ(types("Observation.performer.where(resolve() is Patient)", observation).size(), 1u);
  EXPECT_EQ(types("Observation.performer", observation).size(), 3u);
}

TEST(PathExpression, WhereEqualsIndexAndNestedBackbones) {
  auto patient = json::parse(R"({"resourceType":"Patient","telecom":[{"system":"phone","value":"1"},{"system":"email","value":"a@b"}],
    "contact":[{"name":{"family":"X"}}]})");
  EXPECT_EQ(types("Patient.telecom.where(system='email')", patient), std::vector<std::string>{"ContactPoint"});
  EXPECT_EQ(types("Patient.contact.name", patient), std::vector<std::string>{"HumanName"});
  auto bundle = json::parse(R"({"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Composition","status":"final"}},{"resource":{"resourceType":"Patient"}}]})");
  EXPECT_EQ(types("Bundle.entry[0].resource", bundle), std::vector<std::string>{"Composition"});
  auto questionnaire = json::parse(R"({"resourceType":"Questionnaire","status":"active","item":[{"linkId":"1","type":"group","code":[{"code":"a"}],
    "item":[{"linkId":"1.1","type":"string","code":[{"code":"b"}]}]}]})");
  EXPECT_EQ(types("Questionnaire.item.code", questionnaire).size(), 1u);
  EXPECT_EQ(types("Questionnaire.item.item.code", questionnaire).size(), 1u);
}

TEST(PathExpression, RejectsWhatItCannotEvaluate) {
  EXPECT_FALSE(PathExpression::compile("Patient.deceased.exists() and Patient.deceased != false"));
  EXPECT_FALSE(PathExpression::compile("Patient.name.select(given)"));
  EXPECT_FALSE(PathExpression::compile(""));
}

TEST(PathExpression, RelativeExpressionsOfCompositeComponents) {
  auto components = PathExpression::compile("Observation.component");
  auto value = PathExpression::compile("value.ofType(Quantity) | value.ofType(String)");
  ASSERT_TRUE(components && value);
  std::vector<std::string> found;
  for (const auto& component : components->evaluate(observation))
    for (const auto& n : value->evaluateRelative(component)) found.emplace_back(n.type);
  EXPECT_EQ(found, (std::vector<std::string>{"string", "Quantity"}));
  // R4's code-value-date names dateTime by its FHIRPath System type.
  const json::Value dated = json::parse(R"({"resourceType":"Observation","valueDateTime":"2024-05-01"})");
  EXPECT_EQ(types("Observation.value.ofType(DateTime)", dated), std::vector<std::string>{"dateTime"});
}
