// Validation on write against the generated definitions: what is rejected (400 naming the
// element) and what valid FHIR is accepted; nothing is stored from a rejected write.
#include <gtest/gtest.h>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

class Validation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { instance_ = createInstance("valid"); }
  httplib::Result create(const std::string& type, const std::string& body) {
    return c_.Post("/" + instance_ + "/fhir/" + type, body, "application/fhir+json");
  }
  // Expects a 400 whose issues include one at `expression` (and whose diagnostics contain `text`).
  void rejects(const std::string& type, const std::string& body, const std::string& expression,
               const std::string& text = "") {
    auto res = create(type, body);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 400) << body << "\n" << res->body;
    auto outcome = parseJson(res->body);
    bool found = false;
    for (const auto& issue : outcome["issue"]) {
      if (!issue.contains("expression") || issue["expression"][0] != expression) continue;
      found = text.empty() || issue["diagnostics"].get<std::string>().find(text) != std::string::npos;
      if (found) break;
    }
    EXPECT_TRUE(found) << "no issue at " << expression << " in " << res->body;
  }
  void accepts(const std::string& type, const std::string& body) {
    auto res = create(type, body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 201) << body << "\n" << res->body;
  }
  static std::string instance_;
  httplib::Client c_ = client();
};
std::string Validation::instance_;

}  // namespace

TEST_F(Validation, UnknownElementsAnywhere) {
  rejects("Patient", R"({"resourceType":"Patient","nmae":[{"family":"x"}]})", "Patient.nmae", "unknown element");
  rejects("Patient", R"({"resourceType":"Patient","name":[{"family":"x","middle":"y"}]})", "Patient.name[0].middle");
  rejects("Patient", R"({"resourceType":"Patient","extension":[{"url":"http://e","valueString":"a","bogus":1}]})",
          "Patient.extension[0].bogus");
  rejects("Patient", R"({"resourceType":"Patient","contained":[{"resourceType":"Practitioner","wrong":true}]})",
          "Patient.contained[0].wrong");
  rejects("Patient", R"({"resourceType":"Patient","contained":[{"resourceType":"Nope"}]})", "Patient.contained[0]");
  rejects("Bundle", R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","x":1}}]})",
          "Bundle.entry[0].resource.x");
  rejects("Patient", R"({"resourceType":"Patient","_gender":{"extension":[{"url":"http://e","valueCode":"x","y":1}]}})",
          "Patient._gender.extension[0].y");
  rejects("Patient", R"({"resourceType":"Patient","_name":{"id":"a"}})", "Patient._name");
}

TEST_F(Validation, PrimitiveFormats) {
  rejects("Patient", R"({"resourceType":"Patient","birthDate":"2020-02-30"})", "Patient.birthDate", "date");
  rejects("Patient", R"({"resourceType":"Patient","birthDate":"20-01-01"})", "Patient.birthDate");
  rejects("Patient", R"({"resourceType":"Patient","birthDate":"2020-01-01T10:00:00Z"})", "Patient.birthDate");
  rejects("Patient", R"({"resourceType":"Patient","active":"true"})", "Patient.active", "true or false");
  rejects("Patient", R"({"resourceType":"Patient","multipleBirthInteger":1.5})", "Patient.multipleBirthInteger");
  rejects("Patient", R"({"resourceType":"Patient","multipleBirthInteger":3000000000})", "Patient.multipleBirthInteger");
  rejects("Patient", R"({"resourceType":"Patient","deceasedDateTime":"2020-01-01T10:00"})", "Patient.deceasedDateTime");
  rejects("Patient", R"({"resourceType":"Patient","name":[{"family":""}]})", "Patient.name[0].family", "empty");
  rejects("Patient", R"({"resourceType":"Patient","name":[{"family":5}]})", "Patient.name[0].family", "string");
  rejects("Patient", R"({"resourceType":"Patient","telecom":[{"system":"phone","value":"1","rank":0}]})",
          "Patient.telecom[0].rank");
  rejects("Patient", R"({"resourceType":"Patient","meta":{"lastUpdated":"yesterday"}})", "Patient.meta.lastUpdated");
  rejects("Patient", R"({"resourceType":"Patient","implicitRules":"has space"})", "Patient.implicitRules", "uri");
  rejects("Patient", R"({"resourceType":"Patient","photo":[{"data":"not base64!"}]})", "Patient.photo[0].data");
  rejects("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueTime":"25:00:00"})",
          "Observation.valueTime");
  rejects("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"issued":"2020-01-01"})",
          "Observation.issued", "instant");
  rejects("Patient", R"({"resourceType":"Patient","language":" en"})", "Patient.language");
}

TEST_F(Validation, CardinalityAndShape) {
  rejects("Patient", R"({"resourceType":"Patient","name":{"family":"x"}})", "Patient.name", "array");
  rejects("Patient", R"({"resourceType":"Patient","gender":["male"]})", "Patient.gender", "not be an array");
  rejects("Patient", R"({"resourceType":"Patient","name":[]})", "Patient.name", "empty");
  rejects("Patient", R"({"resourceType":"Patient","name":[{}]})", "Patient.name[0]", "empty");
  rejects("Patient", R"({"resourceType":"Patient","name":[{"given":["a",null]}]})", "Patient.name[0].given[1]");
  rejects("Patient", R"({"resourceType":"Patient","managingOrganization":"Organization/1"})",
          "Patient.managingOrganization", "object");
}

TEST_F(Validation, RequiredElements) {
  rejects("Observation", R"({"resourceType":"Observation","code":{"text":"x"}})", "Observation.status", "required");
  rejects("Observation", R"({"resourceType":"Observation","status":"final"})", "Observation.code");
  rejects("Patient", R"({"resourceType":"Patient","link":[{"type":"seealso"}]})", "Patient.link[0].other");
  rejects("Patient", R"({"resourceType":"Patient","extension":[{"valueString":"x"}]})", "Patient.extension[0].url");
}

TEST_F(Validation, ChoiceTypes) {
  rejects("Patient", R"({"resourceType":"Patient","deceasedString":"yes"})", "Patient.deceasedString", "unknown");
  rejects("Patient", R"({"resourceType":"Patient","deceasedBoolean":true,"deceasedDateTime":"2020"})",
          "Patient.deceasedDateTime", "only one");
  rejects("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"1"}})",
          "Observation.valueQuantity.value");
}

TEST_F(Validation, RequiredBindings) {
  rejects("Patient", R"({"resourceType":"Patient","gender":"mail"})", "Patient.gender", "administrative-gender");
  rejects("Observation", R"({"resourceType":"Observation","status":"done","code":{"text":"x"}})", "Observation.status");
  rejects("Patient", R"({"resourceType":"Patient","telecom":[{"system":"pager2","value":"1"}]})",
          "Patient.telecom[0].system");
  rejects("Patient", R"({"resourceType":"Patient","contained":[{"resourceType":"Observation","status":"x","code":{"text":"c"}}]})",
          "Patient.contained[0].status");
}

TEST_F(Validation, ReportsEveryProblemAtOnce) {
  auto res = create("Patient", R"({"resourceType":"Patient","gender":"x","active":1,"bogus":true})");
  ASSERT_EQ(res->status, 400);
  EXPECT_EQ(parseJson(res->body)["issue"].size(), 3u);
}

TEST_F(Validation, AcceptsRealisticValidResources) {
  accepts("Patient", R"({
    "resourceType":"Patient",
    "meta":{"profile":["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"],"tag":[{"system":"http://t","code":"x"}]},
    "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Ann</div>"},
    "extension":[{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
                  "extension":[{"url":"ombCategory","valueCoding":{"system":"urn:oid:2.16.840.1.113883.6.238","code":"2106-3"}},
                               {"url":"text","valueString":"White"}]}],
    "identifier":[{"system":"urn:oid:1.2.36.146.595.217.0.1","value":"12345","period":{"start":"2001-05-06"}}],
    "active":true,
    "name":[{"use":"official","family":"Chalmers","given":["Peter","James"],"_given":[null,{"extension":[{"url":"http://e","valueBoolean":true}]}]}],
    "telecom":[{"system":"phone","value":"(03) 5555 6473","use":"work","rank":1}],
    "gender":"male",
    "_gender":{"id":"g1"},
    "birthDate":"1974-12-25",
    "_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]},
    "deceasedBoolean":false,
    "address":[{"use":"home","line":["534 Erewhon St"],"city":"PleasantVille","state":"Vic","postalCode":"3999","period":{"start":"1974-12-25"}}],
    "contact":[{"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0131","code":"N"}]}],"name":{"family":"du Marché"},"gender":"female"}],
    "contained":[{"resourceType":"Organization","id":"org1","name":"Gastro"}],
    "managingOrganization":{"reference":"#org1"}
  })");
  accepts("Observation", R"({"resourceType":"Observation","status":"final",
    "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
    "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"Patient/x"},
    "effectiveDateTime":"2024-03-05T10:00:00.123+02:00","issued":"2024-03-05T10:00:00Z",
    "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
                 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"dataAbsentReason":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/data-absent-reason","code":"unknown"}]}}]})");
  accepts("Questionnaire", R"({"resourceType":"Questionnaire","status":"active",
    "item":[{"linkId":"1","type":"group","item":[{"linkId":"1.1","type":"string","text":"Name?","item":[{"linkId":"1.1.1","type":"display"}]}]}]})");
  accepts("Bundle", R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:3fdc72f4-a11d-4a9d-9260-a9f745779e1d","resource":{"resourceType":"Patient","active":true}}]})");
  accepts("Basic", R"({"resourceType":"Basic","code":{"text":"x"},"created":"2020"})");
}

TEST_F(Validation, NothingIsStoredFromARejectedWrite) {
  auto before = parseJson(c_.Get("/" + instance_ + "/fhir/_history?_count=1000")->body);
  size_t count = before.value("entry", json::array()).size();
  create("Patient", R"({"resourceType":"Patient","gender":"x"})");
  c_.Put("/" + instance_ + "/fhir/Patient/rejected", R"({"resourceType":"Patient","id":"rejected","active":"no"})",
         "application/fhir+json");
  auto after = parseJson(c_.Get("/" + instance_ + "/fhir/_history?_count=1000")->body);
  EXPECT_EQ(after.value("entry", json::array()).size(), count);
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Patient/rejected")->status, 404);
}
