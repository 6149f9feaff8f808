#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "core/json/json_parser.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/search/index/param_aliases.h"

using namespace flint;
using namespace flint::fhir;

namespace {

template <typename T, typename Pred>
bool has(const std::vector<T>& rows, Pred pred) {
  return std::any_of(rows.begin(), rows.end(), pred);
}

}  // namespace

TEST(IndexRows, PatientNamesIdentifiersDatesAndReferences) {
  auto rows = extractIndexRows(json::parse(R"({"resourceType":"Patient","id":"p",
    "identifier":[{"system":"urn:mrn","value":"123","type":{"text":"Medical Record"}}],
    "name":[{"family":"Müller","given":["Zoë","Ann"]}],"gender":"female","birthDate":"1980-05",
    "telecom":[{"system":"phone","value":"555-1"}],"active":true,
    "address":[{"city":"Ærøskøbing","postalCode":"5970"}],
    "generalPractitioner":[{"reference":"Practitioner/d1"}],
    "managingOrganization":{"reference":"https://other.example/fhir/Organization/o9/_history/2"}})"));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "identifier" && t.system == "urn:mrn" && t.code == "123" && t.text == "medical record"; }));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "gender" && t.code == "female" && t.system.empty(); }));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "active" && t.code == "true"; }));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "phone" && t.code == "555-1"; }));
  EXPECT_TRUE(has(rows.strings, [](auto& s) { return s.param == "family" && s.normalized == "muller" && s.exact == "Müller"; }));
  EXPECT_TRUE(has(rows.strings, [](auto& s) { return s.param == "given" && s.normalized == "zoe"; }));
  EXPECT_TRUE(has(rows.strings, [](auto& s) { return s.param == "name" && s.normalized == "ann"; }));
  EXPECT_TRUE(has(rows.strings, [](auto& s) { return s.param == "address-city" && s.normalized == "aroskobing"; }));
  EXPECT_TRUE(has(rows.references, [](auto& r) { return r.param == "general-practitioner" && r.targetType == "Practitioner" && r.targetId == "d1"; }));
  EXPECT_TRUE(has(rows.references, [](auto& r) { return r.param == "organization" && r.targetType == "Organization" && r.targetId == "o9"; }));
  auto birth = std::find_if(rows.dates.begin(), rows.dates.end(), [](auto& d) { return d.param == "birthdate"; });
  ASSERT_NE(birth, rows.dates.end());
  EXPECT_EQ(birth->high - birth->low, 31LL * 86400000);
}

TEST(IndexRows, ObservationCodesChoiceTypesAndPeriods) {
  auto rows = extractIndexRows(json::parse(R"({"resourceType":"Observation","status":"final",
    "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
    "code":{"coding":[{"system":"http://loinc.org","code":"2345-7","display":"Glucose"}],"text":"Blood sugar"},
    "subject":{"reference":"Patient/p1"},"effectivePeriod":{"start":"2024-01-01T10:00:00Z"},
    "valueQuantity":{"value":5.5,"system":"http://unitsofmeasure.org","code":"mmol/L"}})"));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "code" && t.system == "http://loinc.org" && t.code == "2345-7" && t.text == "blood sugar"; }));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "category" && t.code == "laboratory"; }));
  EXPECT_TRUE(has(rows.references, [](auto& r) { return r.param == "subject" && r.targetType == "Patient" && r.targetId == "p1"; }));
  // `patient` is the subject when it is a Patient: searched through subject's rows (param_aliases.h).
  EXPECT_FALSE(has(rows.references, [](auto& r) { return r.param == "patient"; }));
  // Observation.performer is absent, and subject is not a Group: no such rows.
  EXPECT_FALSE(has(rows.references, [](auto& r) { return r.param == "performer"; }));
  auto date = std::find_if(rows.dates.begin(), rows.dates.end(), [](auto& d) { return d.param == "date"; });
  ASSERT_NE(date, rows.dates.end());
  EXPECT_GT(date->high, date->low + 1000LL * 86400000 * 365 * 100);  // an open-ended period
  EXPECT_TRUE(has(rows.composites, [](auto& c) {
    return c.param == "code-value-quantity" && c.keySystem == "http://loinc.org" && c.keyCode == "2345-7" &&
           c.value == "5.5" && c.code == "mmol/L" && !c.low;
  }));
  // combo-* unite other parameters' values and are searched through them (param_aliases.h).
  EXPECT_FALSE(has(rows.composites, [](auto& c) { return c.param.rfind("combo-", 0) == 0; }));
  EXPECT_FALSE(has(rows.tokens, [](auto& t) { return t.param.rfind("combo-", 0) == 0; }));
  EXPECT_FALSE(has(rows.numbers, [](auto& n) { return n.param.rfind("combo-", 0) == 0; }));
  EXPECT_TRUE(has(rows.numbers, [](auto& n) { return n.param == "value-quantity" && n.value == "5.5"; }));
  EXPECT_FALSE(has(rows.composites, [](auto& c) { return c.param == "component-code-value-quantity"; }));
  EXPECT_FALSE(has(rows.composites, [](auto& c) { return c.param == "code-value-concept"; }));
}

TEST(IndexRows, LongValuesAreCutForTheIndex) {
  auto rows = extractIndexRows(json::parse(R"({"resourceType":"Patient","name":[{"family":")" + std::string(5000, 'x') + R"("}]})"));
  ASSERT_FALSE(rows.strings.empty());
  EXPECT_LE(rows.strings[0].normalized.size(), 1024u);
  EXPECT_EQ(rows.strings[0].exact.size(), 5000u);
}

TEST(NormalizeForSearch, LowerCasesAndRemovesLatinAccents) {
  EXPECT_EQ(normalizeForSearch("ÉLODIE Šťastná Ñandú"), "elodie stastna nandu");
  EXPECT_EQ(normalizeForSearch("O'Brien-Smith"), "o'brien-smith");
  EXPECT_EQ(normalizeForSearch("日本"), "日本");
}

namespace {
const SearchParamDef& param(const std::string& type, const std::string& code) {
  for (const auto* def : indexedSearchParams(type))
    if (def->code == code) return *def;
  throw std::runtime_error(type + " has no parameter " + code);
}
}  // namespace

// Exactly R4's six Observation combo-* parameters unite others; each is searched through the
// top-level parameter and its component counterpart.
TEST(ParamAliases, CombosAreUnionsOfTheirParts) {
  std::set<std::string> aliases;
  for (const auto& type : Definitions::get().resourceTypes())
    for (const auto* def : indexedSearchParams(type))
      if (!isStored(*def)) aliases.insert(type + "." + def->code);
  EXPECT_EQ(aliases, (std::set<std::string>{"Observation.combo-code", "Observation.combo-code-value-concept",
                                            "Observation.combo-code-value-quantity", "Observation.combo-data-absent-reason",
                                            "Observation.combo-value-concept", "Observation.combo-value-quantity"}));
  using Codes = std::vector<std::string>;
  EXPECT_EQ(storedParams(param("Observation", "combo-code")), (Codes{"code", "component-code"}));
  EXPECT_EQ(storedParams(param("Observation", "combo-value-quantity")), (Codes{"component-value-quantity", "value-quantity"}));
  EXPECT_EQ(storedParams(param("Observation", "combo-code-value-quantity")),
            (Codes{"code-value-quantity", "component-code-value-quantity"}));
  // value-quantity is itself a union (Quantity | SampledData), but of no other parameters.
  EXPECT_EQ(storedParams(param("Observation", "value-quantity")), Codes{"value-quantity"});
  EXPECT_EQ(storedParams(param("Observation", "patient")), Codes{"patient"});
}

// A typed reference parameter keeps its logical references (by identifier) under its own name;
// its literal ones are the parameter's it narrows.
TEST(IndexRows, TypedReferencesKeepTheirIdentifiers) {
  auto rows = extractIndexRows(json::parse(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "subject":{"reference":"Patient/p1","identifier":{"system":"urn:mrn","value":"42"}}})"));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "patient:identifier" && t.system == "urn:mrn" && t.code == "42"; }));
  EXPECT_TRUE(has(rows.tokens, [](auto& t) { return t.param == "subject:identifier" && t.code == "42"; }));
  EXPECT_FALSE(has(rows.references, [](auto& r) { return r.param == "patient"; }));
  EXPECT_EQ(std::count_if(rows.references.begin(), rows.references.end(), [](auto& r) { return r.param == "subject"; }), 1);
}

// `X.where(resolve() is T)` where another parameter is exactly X: 47 such in R4 and US Core.
TEST(ParamAliases, TypedReferencesNarrowAnotherParameter) {
  int count = 0;
  for (const auto& type : Definitions::get().resourceTypes())
    for (const auto* def : indexedSearchParams(type))
      if (auto typed = typedReferencesOf(type, def->code)) {
        ++count;
        EXPECT_EQ(def->type, "reference") << type << "." << def->code;
        const SearchParamDef& narrowed = param(type, typed->param);
        EXPECT_TRUE(isStored(narrowed)) << type << "." << def->code;
        EXPECT_FALSE(typedReferencesOf(type, typed->param)) << type << "." << def->code;
        EXPECT_TRUE(Definitions::get().isResourceType(typed->targetType)) << type << "." << def->code;
      }
  EXPECT_EQ(count, 47);
  auto of = [](const std::string& type, const std::string& code) {
    auto typed = typedReferencesOf(type, code);
    return typed ? typed->param + " " + typed->targetType : std::string("none");
  };
  EXPECT_EQ(of("Observation", "patient"), "subject Patient");
  EXPECT_EQ(of("Condition", "patient"), "subject Patient");
  EXPECT_EQ(of("Encounter", "practitioner"), "participant Practitioner");
  EXPECT_EQ(of("Provenance", "patient"), "target Patient");
  EXPECT_EQ(of("Person", "relatedperson"), "link RelatedPerson");
  EXPECT_EQ(of("AllergyIntolerance", "patient"), "none");  // its own element
  EXPECT_EQ(of("Observation", "subject"), "none");
  EXPECT_EQ(of("Immunization", "patient"), "none");
}
