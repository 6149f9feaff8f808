// FHIRPath for invariants: what compiles (and what is refused rather than guessed), navigation
// through choice types, three-valued logic, and the functions US Core's invariants use.
#include <gtest/gtest.h>

#include "core/json/json_parser.h"
#include "fhir_resources/fhirpath/fhirpath.h"

namespace flint::fhir::fhirpath {
namespace {

std::optional<bool> holds(const std::string& expression, const json::Value& resource) {
  auto e = Expression::compile(expression);
  if (!e) throw std::runtime_error("does not compile: " + expression);
  Item root = Item::node(resource, resource.stringAt("resourceType").value_or(""));
  return e->test(root, root);
}

const json::Value& observation() {
  static const json::Value o = json::parse(R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},
    "valueQuantity":{"value":10,"system":"http://unitsofmeasure.org","code":"{PackYears}"},
    "component":[{"code":{"text":"a"},"valueString":"x"},{"code":{"text":"b"}}]})");
  return o;
}

TEST(FhirPath, RefusesWhatItDoesNotEvaluateExactly) {
  std::string why;
  EXPECT_FALSE(Expression::compile("who.resolve() is Practitioner", &why));
  EXPECT_NE(why.find("resolve"), std::string::npos) << why;
  EXPECT_FALSE(Expression::compile("code.memberOf('http://x')"));
  EXPECT_FALSE(Expression::compile("%vs-x.exists()"));
  EXPECT_FALSE(Expression::compile("status = "));
  EXPECT_FALSE(Expression::compile("'unterminated"));
  EXPECT_TRUE(Expression::compile("value.ofType(Quantity).system.empty() or value.ofType(Quantity).system = %ucum"));
}

TEST(FhirPath, NavigatesChoicesAndTestsTypes) {
  const auto& o = observation();
  EXPECT_EQ(holds("value.exists()", o), true);
  EXPECT_EQ(holds("value.is(Quantity)", o), true);
  EXPECT_EQ(holds("value is CodeableConcept", o), false);
  EXPECT_EQ(holds("value.ofType(Quantity).system = 'http://unitsofmeasure.org'", o), true);
  EXPECT_EQ(holds("Observation.status = 'final'", o), true);
  EXPECT_EQ(holds("component.value.exists()", o), true);
  EXPECT_EQ(holds("component.all(value.exists())", o), false);
  EXPECT_EQ(holds("component.where(code.text = 'b').value.empty()", o), true);
  EXPECT_EQ(holds("component.count() = 2", o), true);
  EXPECT_EQ(holds("code.coding.where(code in '72166-2' | '11367-0').exists() implies value.is(CodeableConcept)", o), false);
  EXPECT_EQ(holds("status = 'final' implies effective.exists()", o), false);
  EXPECT_EQ(holds("status = 'preliminary' implies effective.exists()", o), true);
}

TEST(FhirPath, EmptyIsNeitherTrueNorFalse) {
  const auto& o = observation();
  // `effective` is absent: the comparison is empty, `or true` still holds, `and` stays unknown.
  EXPECT_EQ(holds("(effective = 'x') or true", o), true);
  EXPECT_EQ(holds("(effective = 'x') and true", o), false) << "an empty invariant result does not hold";
  EXPECT_EQ(holds("(effective = 'x').empty()", o), true);
  EXPECT_EQ(holds("(true xor false) and (true xor true).not()", o), true);
}

TEST(FhirPath, StringsAndArithmetic) {
  const json::Value p = json::parse(R"({"resourceType":"Practitioner","identifier":[{"value":"1234567893"}]})");
  EXPECT_EQ(holds("identifier.value.matches('^[0-9]{10}$')", p), true);
  EXPECT_EQ(holds("identifier.value.substring(0, 4) = '1234'", p), true);
  EXPECT_EQ(holds("identifier.value.substring(9, 1).toInteger() = 3", p), true);
  EXPECT_EQ(holds("identifier.value.length() = 10 and (7 mod 3) = 1 and (7 div 2) = 3 and (2 * 3 - 1) = 5", p), true);
  EXPECT_EQ(holds("identifier.select(iif(value.startsWith('12'), 'yes', 'no')) = 'yes'", p), true);
  EXPECT_EQ(holds("'ab' + 'cd' = 'abcd'", p), true);
  // Several items where one is needed cannot be evaluated: the answer is "unknown", not a guess.
  const json::Value two = json::parse(R"({"resourceType":"Practitioner","identifier":[{"value":"1"},{"value":"2"}]})");
  auto e = Expression::compile("identifier.value.length() = 1");
  Item root = Item::node(two, "Practitioner");
  EXPECT_FALSE(e->test(root, root).has_value());
}

}  // namespace
}  // namespace flint::fhir::fhirpath
