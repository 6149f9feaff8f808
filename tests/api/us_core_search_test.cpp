// The US Core 6.1.0 / 7.0.0 search requirements (g10 checklist section 6) against a seeded
// instance: every SHALL and SHOULD combination answers 200 with all pages reachable, every
// returned resource matches every parameter (re-checked here, as Inferno does), the resource
// the values came from is found, `patient=<id>` and `patient=Patient/<id>` and POST _search agree,
// and the includes and Provenance revincludes US Core names work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

using Strings = std::vector<std::string>;

// Codes of a CodeableConcept or Coding (bare and system|code), or a plain string.
void addTokens(const json& v, Strings& out) {
  if (v.is_string()) {
    out.push_back(v);
  } else if (v.is_array()) {
    for (const auto& item : v) addTokens(item, out);
  } else if (v.is_object()) {
    if (v.contains("code") && v["code"].is_string()) {
      out.push_back(v["code"]);
      out.push_back(v.value("system", "") + "|" + v["code"].get<std::string>());
    }
    if (v.contains("value") && v["value"].is_string()) out.push_back(v["value"]);  // Identifier
    if (v.contains("coding")) addTokens(v["coding"], out);
  }
}

// A date value as the day range it covers: "low high" (YYYY-MM-DD each; open ends as 0000/9999).
void addDates(const json& v, Strings& out) {
  if (v.is_string()) {
    const std::string day = v.get<std::string>().substr(0, 10);
    out.push_back(day + " " + day);
  } else if (v.is_array()) {
    for (const auto& item : v) addDates(item, out);
  } else if (v.is_object() && (v.contains("start") || v.contains("end"))) {
    out.push_back(v.value("start", "0000-00-00").substr(0, 10) + " " + v.value("end", "9999-99-99").substr(0, 10));
  }
}

json at(const json& r, const std::string& path) {
  json current = r;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (current.is_array()) {
      json all = json::array();
      for (const auto& item : current)
        if (item.is_object() && item.contains(key)) all.push_back(item[key]);
      current = all;
    } else if (current.is_object() && current.contains(key)) {
      current = current[key];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return current;
}

// Where each searched parameter's values live, per "Type.param" (or "*.param" for every type).
struct ParamSource {
  enum Kind { Token, Date, Reference, String } kind;
  Strings paths;
};
const std::map<std::string, ParamSource>& sources() {
  static const std::map<std::string, ParamSource> s = {
      {"*.patient", {ParamSource::Reference, {"subject", "patient", "beneficiary"}}},
      {"*.category", {ParamSource::Token, {"category"}}},
      {"*.code", {ParamSource::Token, {"code"}}},
      {"*.status", {ParamSource::Token, {"status"}}},
      {"*.clinical-status", {ParamSource::Token, {"clinicalStatus"}}},
      {"*.intent", {ParamSource::Token, {"intent"}}},
      {"*.type", {ParamSource::Token, {"type"}}},
      {"*.identifier", {ParamSource::Token, {"identifier"}}},
      {"*.encounter", {ParamSource::Reference, {"encounter", "context"}}},
      {"Patient.gender", {ParamSource::Token, {"gender"}}},
      {"Patient.birthdate", {ParamSource::Date, {"birthDate"}}},
      {"Patient.name", {ParamSource::String, {"name.family", "name.given"}}},
      {"Patient.family", {ParamSource::String, {"name.family"}}},
      {"Encounter.class", {ParamSource::Token, {"class"}}},
      {"Encounter.date", {ParamSource::Date, {"period"}}},
      {"Encounter.location", {ParamSource::Reference, {"location.location"}}},
      {"Encounter.discharge-disposition", {ParamSource::Token, {"hospitalization.dischargeDisposition"}}},
      {"Condition.onset-date", {ParamSource::Date, {"onsetDateTime"}}},
      {"Condition.abatement-date", {ParamSource::Date, {"abatementDateTime"}}},
      {"Condition.recorded-date", {ParamSource::Date, {"recordedDate"}}},
      {"Condition.asserted-date", {ParamSource::Date, {"extension.valueDateTime"}}},
      {"Observation.date", {ParamSource::Date, {"effectiveDateTime", "effectivePeriod"}}},
      {"DiagnosticReport.date", {ParamSource::Date, {"effectiveDateTime"}}},
      {"DocumentReference.date", {ParamSource::Date, {"date"}}},
      {"DocumentReference.period", {ParamSource::Date, {"context.period"}}},
      {"CarePlan.date", {ParamSource::Date, {"period"}}},
      {"Goal.target-date", {ParamSource::Date, {"target.dueDate"}}},
      {"Goal.lifecycle-status", {ParamSource::Token, {"lifecycleStatus"}}},
      {"Goal.description", {ParamSource::Token, {"description"}}},
      {"Immunization.date", {ParamSource::Date, {"occurrenceDateTime"}}},
      {"MedicationRequest.authoredon", {ParamSource::Date, {"authoredOn"}}},
      {"Procedure.date", {ParamSource::Date, {"performedDateTime"}}},
      {"ServiceRequest.authored", {ParamSource::Date, {"authoredOn"}}},
      {"QuestionnaireResponse.authored", {ParamSource::Date, {"authored"}}},
      {"CareTeam.role", {ParamSource::Token, {"participant.role"}}},
      {"Location.name", {ParamSource::String, {"name"}}},
      {"Location.address", {ParamSource::String, {"address.city"}}},
      {"Location.address-city", {ParamSource::String, {"address.city"}}},
      {"Location.address-state", {ParamSource::String, {"address.state"}}},
      {"Location.address-postalcode", {ParamSource::String, {"address.postalCode"}}},
      {"Organization.name", {ParamSource::String, {"name"}}},
      {"Organization.address", {ParamSource::String, {"address.city"}}},
      {"Practitioner.name", {ParamSource::String, {"name.family"}}},
      {"Practitioner.identifier", {ParamSource::Token, {"identifier"}}},
      {"PractitionerRole.specialty", {ParamSource::Token, {"specialty"}}},
      {"PractitionerRole.practitioner", {ParamSource::Reference, {"practitioner"}}},
      {"RelatedPerson.name", {ParamSource::String, {"name.family"}}},
  };
  return s;
}

const ParamSource& sourceOf(const std::string& type, const std::string& param) {
  auto it = sources().find(type + "." + param);
  if (it == sources().end()) it = sources().find("*." + param);
  if (it == sources().end()) throw std::runtime_error("no source for " + type + "." + param);
  return it->second;
}

Strings valuesOf(const json& r, const ParamSource& source) {
  Strings out;
  for (const auto& path : source.paths) {
    json v = at(r, path);
    if (v.is_null()) continue;
    if (source.kind == ParamSource::Date) addDates(v, out);
    else if (source.kind == ParamSource::Reference) {
      if (v.is_array()) {
        for (const auto& item : v) out.push_back(item.value("reference", ""));
      } else {
        out.push_back(v.value("reference", ""));
      }
    } else if (source.kind == ParamSource::String) {
      if (v.is_array()) {
        for (const auto& item : v)
          if (item.is_array()) {
            for (const auto& s : item) out.push_back(s);
          } else {
            out.push_back(item);
          }
      } else {
        out.push_back(v);
      }
    } else {
      addTokens(v, out);
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whether a resource satisfies `param=value` (value as sent, comparators included).
bool matches(const json& r, const std::string& type, const std::string& param, const std::string& value) {
  const ParamSource& source = sourceOf(type, param);
  const Strings values = valuesOf(r, source);
  for (const auto& alternative : [&] {
         Strings parts;
         size_t start = 0;
         for (size_t comma; (comma = value.find(',', start)) != std::string::npos; start = comma + 1)
           parts.push_back(value.substr(start, comma - start));
         parts.push_back(value.substr(start));
         return parts;
       }()) {
    for (const auto& v : values) {
      switch (source.kind) {
        case ParamSource::Token:
          if (v == alternative) return true;
          break;
        case ParamSource::Reference:
          if (v == alternative || v == "Patient/" + alternative) return true;
          break;
        case ParamSource::String:
          if (lower(v).rfind(lower(alternative), 0) == 0) return true;
          break;
        case ParamSource::Date: {
          const std::string prefix = alternative.substr(0, 2), day = alternative.substr(2, 10);
          const std::string low = v.substr(0, 10), high = v.substr(11, 10);
          if ((prefix == "ge" && high >= day) || (prefix == "gt" && high > day) || (prefix == "le" && low <= day) ||
              (prefix == "lt" && low < day))
            return true;
          break;
        }
      }
    }
  }
  return false;
}

class UsCoreSearch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    instance_ = createInstance("uscore");
    std::string out;
    ASSERT_EQ(runFlint({"seed", "--instance", instance_, "--patients", "6", "--seed", "11"}, &out), 0) << out;
    // The seed's first patient (the demo patient it names) has data for every search.
    const size_t at = out.find("(Patient/");
    ASSERT_NE(at, std::string::npos) << out;
    const std::string id = out.substr(at + 9, out.find(')', at) - at - 9);
    auto c = client();
    patient_ = parseJson(c.Get("/" + instance_ + "/fhir/Patient/" + id)->body);
    ASSERT_EQ(patient_["id"], id);
  }

  std::string base() const { return "/" + instance_ + "/fhir/"; }

  // Every match of `query` across all pages.
  std::vector<json> search(const std::string& query) {
    std::vector<json> out;
    for (const auto& e : entriesOf(followPages(c_, base() + query, 100)))
      if (e["search"]["mode"] == "match") out.push_back(e["resource"]);
    return out;
  }

  // A resource of `type` in the patient's record with values for every param of `combo`.
  json sample(const std::string& type, const Strings& combo, const std::string& profile) {
    for (const auto& r : search(type + "?patient=" + patientId() + "&_count=200")) {
      if (!profile.empty() && r["meta"]["profile"][0] != "http://hl7.org/fhir/us/core/StructureDefinition/" + profile)
        continue;
      bool complete = true;
      for (const auto& p : combo)
        if (p != "patient" && valuesOf(r, sourceOf(type, p)).empty()) complete = false;
      if (complete) return r;
    }
    return nullptr;
  }

  // Searches `type` by `combo`, values taken from a sample, and checks what US Core requires.
  void check(const std::string& type, const Strings& combo, const std::string& profile = "") {
    SCOPED_TRACE(type + " by " + [&] {
      std::string s;
      for (const auto& p : combo) s += p + " ";
      return s;
    }());
    const bool byPatient = std::find(combo.begin(), combo.end(), "patient") != combo.end();
    json r = byPatient ? sample(type, combo, profile) : json();
    if (!byPatient) {
      auto all = search(type + "?_count=50");
      ASSERT_FALSE(all.empty());
      r = all.front();
    }
    ASSERT_FALSE(r.is_null()) << "the seed has no " << type << " with these values";
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& p : combo) {
      const ParamSource& source = sourceOf(type, p);
      std::string value = p == "patient" ? patientId() : valuesOf(r, source).front();
      if (source.kind == ParamSource::Date) value = "ge" + value.substr(0, 10);
      if (source.kind == ParamSource::Token && p != "status" && value.find('|') == std::string::npos) {
        // system|code where the value has one (UC-06).
        for (const auto& v : valuesOf(r, source))
          if (v.find('|') != std::string::npos && v.substr(v.find('|') + 1) == value) value = v;
      }
      params.emplace_back(p, value);
    }
    auto query = [&](const std::vector<std::pair<std::string, std::string>>& ps) {
      std::string q;
      for (const auto& [k, v] : ps) q += (q.empty() ? "" : "&") + k + "=" + encode(v);
      return q;
    };
    auto results = search(type + "?" + query(params));
    bool foundSample = false;
    for (const auto& res : results) {
      EXPECT_EQ(res["resourceType"], type);
      foundSample |= res["id"] == r["id"];
      for (const auto& [p, v] : params)
        EXPECT_TRUE(matches(res, type, p, v)) << p << "=" << v << " not met by " << res["id"] << " "
                                              << json(valuesOf(res, sourceOf(type, p))).dump();
    }
    EXPECT_TRUE(foundSample) << query(params);
    if (!byPatient) return;
    // patient=Patient/<id> and POST _search give the same results (UC-04, UC-05).
    auto typed = params;
    for (auto& [k, v] : typed)
      if (k == "patient") v = "Patient/" + v;
    EXPECT_EQ(search(type + "?" + query(typed)).size(), results.size());
    auto posted = c_.Post(base() + type + "/_search", query(params), "application/x-www-form-urlencoded");
    ASSERT_EQ(posted->status, 200) << posted->body;
    size_t postedMatches = 0;
    const json bundle = parseJson(posted->body);
    for (const auto& e : bundle.value("entry", json::array())) postedMatches += e["search"]["mode"] == "match";
    EXPECT_EQ(postedMatches, std::min<size_t>(results.size(), 20));
    // Date comparators (UC-07): each SHALL prefix keeps only what it should.
    for (const auto& [p, v] : params) {
      if (sourceOf(type, p).kind != ParamSource::Date) continue;
      for (const char* prefix : {"gt", "lt", "le"}) {
        auto narrowed = params;
        for (auto& [k, val] : narrowed)
          if (k == p) val = prefix + v.substr(2);
        for (const auto& res : search(type + "?" + query(narrowed)))
          EXPECT_TRUE(matches(res, type, p, prefix + v.substr(2))) << p << " " << prefix << " " << res["id"];
      }
    }
  }

  std::string patientId() const { return patient_["id"]; }
  static std::string encode(const std::string& v) {
    std::string out;
    for (char ch : v) {
      if (std::isalnum(static_cast<unsigned char>(ch)) || std::string("-_.~").find(ch) != std::string::npos) {
        out += ch;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(ch));
        out += buf;
      }
    }
    return out;
  }

  static std::string instance_;
  static json patient_;
  httplib::Client c_ = client();
};
std::string UsCoreSearch::instance_;
json UsCoreSearch::patient_;

}  // namespace

TEST_F(UsCoreSearch, Patient) {
  EXPECT_EQ(search("Patient?_id=" + patientId()).size(), 1u);
  check("Patient", {"identifier"});
  check("Patient", {"name"});
  check("Patient", {"birthdate", "name"});
  check("Patient", {"gender", "name"});
  check("Patient", {"family", "gender"});
  check("Patient", {"birthdate", "family"});
}

TEST_F(UsCoreSearch, ClinicalRecordSearches) {
  check("AllergyIntolerance", {"patient"});
  check("AllergyIntolerance", {"patient", "clinical-status"});
  check("CarePlan", {"patient", "category"});
  check("CarePlan", {"patient", "category", "status", "date"});
  check("CarePlan", {"patient", "category", "date"});
  check("CareTeam", {"patient", "status"});
  check("CareTeam", {"patient", "role"});
  check("CareTeam", {"role"});
  for (const char* profile : {"us-core-condition-encounter-diagnosis", "us-core-condition-problems-health-concerns"}) {
    check("Condition", {"patient"}, profile);
    check("Condition", {"patient", "category"}, profile);
    check("Condition", {"patient", "category", "clinical-status"}, profile);
    check("Condition", {"patient", "onset-date"}, profile);
    check("Condition", {"patient", "clinical-status"}, profile);
    check("Condition", {"patient", "code"}, profile);
    check("Condition", {"patient", "recorded-date"}, profile);
  }
  check("Condition", {"patient", "asserted-date"}, "us-core-condition-problems-health-concerns");
  check("Condition", {"patient", "abatement-date"}, "us-core-condition-encounter-diagnosis");
  check("Condition", {"patient", "category", "encounter"}, "us-core-condition-encounter-diagnosis");
  check("Coverage", {"patient"});
  check("Device", {"patient"});
  check("Device", {"patient", "status"});
  check("Device", {"patient", "type"});
  for (const char* profile : {"us-core-diagnosticreport-lab", "us-core-diagnosticreport-note"}) {
    check("DiagnosticReport", {"patient"}, profile);
    check("DiagnosticReport", {"patient", "category"}, profile);
    check("DiagnosticReport", {"patient", "code"}, profile);
    check("DiagnosticReport", {"patient", "category", "date"}, profile);
    check("DiagnosticReport", {"patient", "code", "date"}, profile);
    check("DiagnosticReport", {"patient", "status"}, profile);
  }
  check("DocumentReference", {"patient"});
  check("DocumentReference", {"patient", "type"});
  check("DocumentReference", {"patient", "category"});
  check("DocumentReference", {"patient", "category", "date"});
  check("DocumentReference", {"patient", "type", "period"});
  check("DocumentReference", {"patient", "status"});
  check("Encounter", {"patient"});
  check("Encounter", {"date", "patient"});
  check("Encounter", {"identifier"});
  check("Encounter", {"class", "patient"});
  check("Encounter", {"patient", "type"});
  check("Encounter", {"patient", "status"});
  check("Encounter", {"patient", "location"});
  check("Encounter", {"patient", "discharge-disposition"});
  check("Goal", {"patient"});
  check("Goal", {"patient", "target-date"});
  check("Goal", {"patient", "lifecycle-status"});
  check("Goal", {"patient", "description"});
  check("Immunization", {"patient"});
  check("Immunization", {"patient", "date"});
  check("Immunization", {"patient", "status"});
  check("MedicationDispense", {"patient"});
  check("MedicationDispense", {"patient", "status"});
  check("MedicationDispense", {"patient", "status", "type"});
  check("MedicationRequest", {"patient", "intent"});
  check("MedicationRequest", {"patient", "intent", "status"});
  check("MedicationRequest", {"patient", "intent", "encounter"});
  check("MedicationRequest", {"patient", "intent", "authoredon"});
  check("Procedure", {"patient"});
  check("Procedure", {"patient", "date"});
  check("Procedure", {"patient", "code", "date"});
  check("Procedure", {"patient", "status"});
  check("QuestionnaireResponse", {"patient"});
  check("QuestionnaireResponse", {"patient", "authored"});
  check("QuestionnaireResponse", {"patient", "status"});
  check("RelatedPerson", {"patient"});
  check("ServiceRequest", {"patient"});
  check("ServiceRequest", {"patient", "category"});
  check("ServiceRequest", {"patient", "code"});
  check("ServiceRequest", {"patient", "category", "authored"});
  check("ServiceRequest", {"patient", "code", "authored"});
  check("ServiceRequest", {"patient", "status"});
}

TEST_F(UsCoreSearch, EveryObservationProfile) {
  for (const char* profile :
       {"us-core-heart-rate", "us-core-body-temperature", "us-core-body-weight", "us-core-body-height",
        "us-core-respiratory-rate", "us-core-bmi", "us-core-pulse-oximetry", "us-core-blood-pressure",
        "us-core-observation-lab", "us-core-observation-clinical-result", "us-core-smokingstatus",
        "us-core-observation-screening-assessment", "us-core-simple-observation"}) {
    check("Observation", {"patient", "code"}, profile);
    check("Observation", {"patient", "category"}, profile);
    check("Observation", {"patient", "category", "date"}, profile);
    check("Observation", {"patient", "code", "date"}, profile);
    check("Observation", {"patient", "category", "status"}, profile);
  }
}

TEST_F(UsCoreSearch, PracticeDirectorySearches) {
  check("Location", {"name"});
  check("Location", {"address"});
  check("Location", {"address-city"});
  check("Location", {"address-state"});
  check("Location", {"address-postalcode"});
  check("Organization", {"name"});
  check("Organization", {"address"});
  check("Practitioner", {"name"});
  check("Practitioner", {"identifier"});
  check("PractitionerRole", {"specialty"});
  check("PractitionerRole", {"practitioner"});
  check("RelatedPerson", {"name"});
}

// status-like parameters take comma lists and return the union (UC-08).
TEST_F(UsCoreSearch, MultipleOrOnStatusAndIntent) {
  const std::string p = "patient=" + patientId();
  const auto active = search("MedicationRequest?" + p + "&intent=order&status=active").size();
  const auto completed = search("MedicationRequest?" + p + "&intent=order&status=completed").size();
  EXPECT_GT(active, 0u);
  EXPECT_GT(completed, 0u);
  EXPECT_EQ(search("MedicationRequest?" + p + "&intent=order,plan&status=active,completed,stopped").size(),
            active + completed);
  const auto final = search("Observation?" + p + "&category=vital-signs&status=final").size();
  EXPECT_EQ(search("Observation?" + p + "&category=vital-signs&status=registered,preliminary,final,amended").size(),
            final);
}

TEST_F(UsCoreSearch, IncludesAndProvenanceRevincludes) {
  const std::string p = "patient=" + patientId();
  auto modes = [&](const std::string& query) {
    std::map<std::string, std::vector<json>> out;
    for (const auto& e : entriesOf(followPages(c_, base() + query, 50))) out[e["search"]["mode"]].push_back(e["resource"]);
    return out;
  };
  // Every included Medication is referenced by a result (UC-15).
  for (const char* type : {"MedicationRequest", "MedicationDispense"}) {
    auto found = modes(std::string(type) + "?" + p + (std::string(type) == "MedicationRequest" ? "&intent=order" : "") +
                       "&_include=" + type + ":medication");
    ASSERT_FALSE(found["include"].empty()) << type;
    std::set<std::string> referenced;
    for (const auto& m : found["match"])
      if (m.contains("medicationReference")) referenced.insert(m["medicationReference"]["reference"]);
    for (const auto& med : found["include"]) {
      EXPECT_EQ(med["resourceType"], "Medication");
      EXPECT_TRUE(referenced.count("Medication/" + med["id"].get<std::string>()));
    }
  }
  // CareTeam participants of each kind.
  std::set<std::string> members;
  for (const char* target : {"Practitioner", "PractitionerRole", "Patient", "RelatedPerson"}) {
    auto found = modes("CareTeam?" + p + "&status=active&_include=CareTeam:participant:" + target);
    for (const auto& r : found["include"]) members.insert(r["resourceType"]);
  }
  EXPECT_EQ(members, (std::set<std::string>{"Practitioner", "PractitionerRole", "Patient", "RelatedPerson"}));
  // Provenance:target on every US Core type with patient searches (UC-10).
  for (const char* type : {"AllergyIntolerance", "CarePlan", "CareTeam", "Condition", "Coverage", "Device",
                           "DiagnosticReport", "DocumentReference", "Encounter", "Goal", "Immunization",
                           "MedicationDispense", "MedicationRequest", "Observation", "Procedure",
                           "QuestionnaireResponse", "RelatedPerson", "ServiceRequest"}) {
    auto found = modes(std::string(type) + "?" + p + "&_revinclude=Provenance:target&_count=200");
    ASSERT_FALSE(found["match"].empty()) << type;
    ASSERT_EQ(found["include"].size(), 1u) << type;
    EXPECT_EQ(found["include"][0]["resourceType"], "Provenance");
  }
  auto patient = modes("Patient?_id=" + patientId() + "&_revinclude=Provenance:target");
  EXPECT_EQ(patient["include"].size(), 1u);
}
