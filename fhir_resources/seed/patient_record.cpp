#include "fhir_resources/seed/patient_record.h"

#include <algorithm>
#include <array>

#include "fhir_resources/seed/fhir_builders.h"
#include "fhir_resources/seed/person_data.h"

namespace flint::fhir::seed {
namespace {

constexpr const char* kLoinc = "http://loinc.org";
constexpr const char* kSnomed = "http://snomed.info/sct";
constexpr const char* kIcd10 = "http://hl7.org/fhir/sid/icd-10-cm";
constexpr const char* kCvx = "http://hl7.org/fhir/sid/cvx";
constexpr const char* kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
constexpr const char* kObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
constexpr const char* kUsCoreCategory = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category";
constexpr const char* kConditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category";
constexpr const char* kUsCoreConditionCategory = "http://hl7.org/fhir/us/core/CodeSystem/condition-category";
constexpr const char* kDataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
constexpr const char* kDataAbsentReasonCodes = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
constexpr const char* kOmbRace = "urn:oid:2.16.840.1.113883.6.238";

struct Code {
  const char* code;
  const char* display;
};
struct Vital {
  const char* profile;
  Code loinc;
  const char* unit;
  int low, high;  // tenths
};
struct Diagnosis {
  Code snomed;
  Code icd10;
};
struct NoteType {
  Code loinc;
  const char* reportCategory;  // LP code when a DiagnosticReport shares the note, else null
  const char* reportCategoryDisplay;
};

const std::array<Vital, 7> kVitals = {{
    {"us-core-heart-rate", {"8867-4", "Heart rate"}, "/min", 550, 1100},
    {"us-core-body-temperature", {"8310-5", "Body temperature"}, "Cel", 361, 381},
    {"us-core-body-weight", {"29463-7", "Body weight"}, "kg", 450, 1200},
    {"us-core-body-height", {"8302-2", "Body height"}, "cm", 1500, 1950},
    {"us-core-respiratory-rate", {"9279-1", "Respiratory rate"}, "/min", 120, 200},
    {"us-core-bmi", {"39156-5", "Body mass index (BMI) [Ratio]"}, "kg/m2", 185, 350},
    {"us-core-pulse-oximetry", {"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"}, "%", 920, 1000},
}};
const std::array<Vital, 3> kLabs = {{
    {"us-core-observation-lab", {"2345-7", "Glucose [Mass/volume] in Serum or Plasma"}, "mg/dL", 700, 1800},
    {"us-core-observation-lab", {"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"}, "%", 45, 95},
    {"us-core-observation-lab", {"2160-0", "Creatinine [Mass/volume] in Serum or Plasma"}, "mg/dL", 6, 14},
}};
const std::array<Diagnosis, 6> kDiagnoses = {{
    {{"44054006", "Diabetes mellitus type 2"}, {"E11.9", "Type 2 diabetes mellitus without complications"}},
    {{"38341003", "Hypertensive disorder"}, {"I10", "Essential (primary) hypertension"}},
    {{"195967001", "Asthma"}, {"J45.909", "Unspecified asthma, uncomplicated"}},
    {{"55822004", "Hyperlipidemia"}, {"E78.5", "Hyperlipidemia, unspecified"}},
    {{"35489007", "Depressive disorder"}, {"F32.9", "Major depressive disorder, single episode, unspecified"}},
    {{"69896004", "Rheumatoid arthritis"}, {"M06.9", "Rheumatoid arthritis, unspecified"}},
}};
// The eight clinical note types (US Core DocumentReference); three also come as reports.
const std::array<NoteType, 8> kNotes = {{
    {{"11488-4", "Consult note"}, "LP29708-2", "Cardiology"},
    {{"18842-5", "Discharge summary"}, nullptr, nullptr},
    {{"34117-2", "History and physical note"}, nullptr, nullptr},
    {{"28570-0", "Procedure note"}, nullptr, nullptr},
    {{"11506-3", "Progress note"}, nullptr, nullptr},
    {{"18748-4", "Diagnostic imaging study"}, "LP29684-5", "Radiology"},
    {{"11502-2", "Laboratory report"}, nullptr, nullptr},
    {{"11526-1", "Pathology study"}, "LP7839-6", "Pathology"},
}};
const std::array<Code, 4> kProcedures = {{{"171207006", "Depression screening"},
                                          {"430193006", "Medication reconciliation"},
                                          {"73761001", "Colonoscopy"},
                                          {"80146002", "Excision of appendix"}}};
const std::array<Code, 3> kVaccines = {{{"140", "Influenza, seasonal, injectable, preservative free"},
                                        {"208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose"},
                                        {"115", "Tdap"}}};

class Writer {
 public:
  Writer(ResourceSink& sink, Random& rnd, const Practice& practice, int index)
      : sink_(sink), rnd_(rnd), practice_(practice), index_(index) {}

  PatientRecord run() {
    female_ = rnd_.chance(50);
    birthYear_ = rnd_.between(1935, 2022);
    organization_ = practice_.organizations[index_ % practice_.organizations.size()];
    location_ = practice_.locations[index_ % practice_.locations.size()];
    const size_t clinician = rnd_.next() % practice_.practitioners.size();
    practitioner_ = practice_.practitioners[clinician];
    role_ = practice_.roles[clinician];
    patient();
    const std::string relatedPerson = relative();
    const int encounters = rnd_.between(3, 5);
    for (int e = 0; e < encounters; ++e) encounter(e == encounters - 1);
    problems();
    labs();
    socialHistory();
    screenings();
    preferences();
    medications();
    immunizations();
    notes();
    carePlanning(relatedPerson);
    devicesAndCoverage();
    if (index_ == 0) mustSupportExamples();
    return std::move(record_);
  }

 private:
  std::string add(const std::string& type, Value resource) {
    std::string id = sink_.add(type, std::move(resource));
    record_.references.push_back(type + "/" + id);
    return id;
  }
  Value subject() const { return ref("Patient", record_.patientId); }
  int ageIn(int year) const { return year - birthYear_; }
  // The start of a period averaged up to the last encounter: a day of the year before it.
  std::string averagingStart() {
    const int year = std::stoi(lastEncounterDate_.substr(0, 4)) - 1;
    return randomDate(year, year);
  }
  // A day in [fromYear, toYear], never before the patient's birth.
  std::string randomDate(int fromYear, int toYear) {
    const int from = std::max(fromYear, birthYear_);
    return date(rnd_.between(from, std::max(toYear, from)), rnd_.between(1, 12), rnd_.between(1, 28));
  }
  static Value assertedDate(const std::string& when) {
    return obj({{"url", str("http://hl7.org/fhir/StructureDefinition/condition-assertedDate")}, {"valueDateTime", str(when)}});
  }
  Value dataAbsent(const char* reason) {
    return obj({{"extension", arr({obj({{"url", str(kDataAbsentReason)}, {"valueCode", str(reason)}})})}});
  }

  void patient() {
    Value r = resource("Patient", "us-core-patient");
    const char* race = rnd_.chance(60) ? "2106-3" : rnd_.chance(50) ? "2054-5" : "2028-9";
    const char* raceDisplay = race[3] == '6' ? "White" : race[3] == '4' ? "Black or African American" : "Asian";
    const bool hispanic = rnd_.chance(20);
    r.set("extension",
          arr({obj({{"url", str("http://hl7.org/fhir/us/core/StructureDefinition/us-core-race")},
                    {"extension", arr({obj({{"url", str("ombCategory")}, {"valueCoding", coding(kOmbRace, race, raceDisplay)}}),
                                       obj({{"url", str("text")}, {"valueString", str(raceDisplay)}})})}}),
               obj({{"url", str("http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity")},
                    {"extension",
                     arr({obj({{"url", str("ombCategory")},
                               {"valueCoding", hispanic ? coding(kOmbRace, "2135-2", "Hispanic or Latino")
                                                        : coding(kOmbRace, "2186-5", "Not Hispanic or Latino")}}),
                          obj({{"url", str("text")}, {"valueString", str(hispanic ? "Hispanic or Latino" : "Not Hispanic or Latino")}})})}}),
               obj({{"url", str("http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex")},
                    {"valueCode", str(female_ ? "F" : "M")}}),
               obj({{"url", str("http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex")},
                    {"valueCode", str(female_ ? "248152002" : "248153007")}})}));
    r.set("identifier", arr({obj({{"use", str("usual")},
                                  {"type", codeable("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical Record Number")},
                                  {"system", str("urn:oid:2.16.840.1.113883.19.5")},
                                  {"value", str(std::to_string(rnd_.between(1000000, 9999999)))}})}));
    r.set("active", boolean(true));
    const std::string family = rnd_.pick(kFamily);
    const std::string given = female_ ? rnd_.pick(kGivenFemale) : rnd_.pick(kGivenMale);
    Value official = obj({{"use", str("official")}, {"family", str(family)}, {"given", arr({str(given)})}});
    if (!female_ && rnd_.chance(20)) official.set("suffix", arr({str("Jr.")}));
    Value names = arr({official});
    if (female_ && ageIn(2024) > 25 && rnd_.chance(40))
      names.push(obj({{"use", str("old")}, {"family", str(rnd_.pick(kFamily))}, {"given", arr({str(given)})},
                      {"period", obj({{"end", str(randomDate(birthYear_ + 20, 2020))}})}}));
    r.set("name", std::move(names));
    r.set("telecom", arr({obj({{"system", str("phone")}, {"value", str(phoneNumber(rnd_))}, {"use", str("home")}}),
                          obj({{"system", str("email")},
                               {"value", str(given + "." + family + std::to_string(index_) + "@example.com")}})}));
    r.set("gender", str(female_ ? "female" : "male"));
    r.set("birthDate", str(date(birthYear_, rnd_.between(1, 12), rnd_.between(1, 28))));
    Value addresses = arr({address(rnd_, "home")});
    if (rnd_.chance(30)) {
      Value old = address(rnd_, "old");
      old.set("period", obj({{"end", str(randomDate(2015, 2022))}}));
      addresses.push(std::move(old));
    }
    r.set("address", std::move(addresses));
    r.set("communication", arr({obj({{"language", codeable("urn:ietf:bcp:47", rnd_.chance(80) ? "en-US" : "es",
                                                          "Preferred language")},
                                     {"preferred", boolean(true)}})}));
    r.set("generalPractitioner", arr({ref("Practitioner", practitioner_)}));
    r.set("managingOrganization", ref("Organization", organization_));
    record_.patientId = sink_.add("Patient", std::move(r));
    record_.references.insert(record_.references.begin(), "Patient/" + record_.patientId);
  }

  std::string relative() {
    Value r = resource("RelatedPerson", "us-core-relatedperson");
    r.set("active", boolean(true));
    r.set("patient", subject());
    r.set("relationship", arr({codeable("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "SPS", "spouse")}));
    r.set("name", arr({obj({{"family", str(rnd_.pick(kFamily))}, {"given", arr({str(rnd_.pick(kGivenFemale))})}})}));
    r.set("telecom", arr({obj({{"system", str("phone")}, {"value", str(phoneNumber(rnd_))}})}));
    r.set("address", arr({address(rnd_, "home")}));
    return add("RelatedPerson", std::move(r));
  }

  Value observation(const std::string& profile, const char* category, const char* categoryDisplay, Value code,
                    const std::string& when) {
    Value r = resource("Observation", profile);
    r.set("status", str("final"));
    r.set("category", arr({codeable(kObservationCategory, category, categoryDisplay)}));
    r.set("code", std::move(code));
    r.set("subject", subject());
    r.set("effectiveDateTime", str(when));
    return r;
  }

  // A vital sign claims its own profile and US Core's vital signs profile.
  Value vitalSign(const std::string& profile, Value code, const std::string& when) {
    Value r = observation(profile, "vital-signs", "Vital Signs", std::move(code), when);
    r.find("meta")->find("profile")->push(str(std::string(kUsCoreProfile) + "us-core-vital-signs"));
    return r;
  }
  static Value vitalCode(const Vital& v) {
    Value code = codeable(kLoinc, v.loinc.code, v.loinc.display);
    // Pulse oximetry carries both the SpO2 and the pulse-oximetry LOINC codes.
    if (std::string(v.loinc.code) == "59408-5")
      code.find("coding")->push(coding(kLoinc, "2708-6", "Oxygen saturation in Arterial blood"));
    return code;
  }
  // Supplemental oxygen during a pulse oximetry reading: flow rate and concentration.
  Value oxygenTherapy() {
    return arr({obj({{"code", codeable(kLoinc, "3151-8", "Inhaled oxygen flow rate")},
                     {"valueQuantity", quantity(std::to_string(rnd_.between(1, 6)), "L/min")}}),
                obj({{"code", codeable(kLoinc, "3150-0", "Inhaled oxygen concentration")},
                     {"valueQuantity", quantity(std::to_string(rnd_.between(24, 44)), "%")}})});
  }

  void vitals(const std::string& encounterId, const std::string& when, int year) {
    auto vital = [&](const std::string& profile, const Value& code, Value value, const char* valueKey) {
      Value r = vitalSign(profile, code, when);
      r.set("encounter", ref("Encounter", encounterId));
      r.set(valueKey, std::move(value));
      if (profile == "us-core-pulse-oximetry" && (index_ == 0 || rnd_.chance(30))) r.set("component", oxygenTherapy());
      add("Observation", std::move(r));
    };
    for (const auto& v : kVitals)
      vital(v.profile, vitalCode(v), quantity(tenths(rnd_.between(v.low, v.high)), v.unit), "valueQuantity");
    Value bp = vitalSign("us-core-blood-pressure", codeable(kLoinc, "85354-9", "Blood pressure panel with all children optional"),
                         when);
    bp.set("encounter", ref("Encounter", encounterId));
    bp.set("component",
           arr({obj({{"code", codeable(kLoinc, "8480-6", "Systolic blood pressure")},
                     {"valueQuantity", quantity(std::to_string(rnd_.between(100, 160)), "mm[Hg]")}}),
                obj({{"code", codeable(kLoinc, "8462-4", "Diastolic blood pressure")},
                     {"valueQuantity", quantity(std::to_string(rnd_.between(60, 100)), "mm[Hg]")}})}));
    add("Observation", std::move(bp));
    const int age = ageIn(year);
    if (age >= 2 && age <= 20)
      vital("pediatric-bmi-for-age", codeable(kLoinc, "59576-9", "Body mass index (BMI) [Percentile] Per age and sex"),
            quantity(std::to_string(rnd_.between(5, 95)), "%"), "valueQuantity");
    if (age < 3) {
      vital("pediatric-weight-for-height",
            codeable(kLoinc, "77606-2", "Weight-for-length Per age and sex"),
            quantity(std::to_string(rnd_.between(5, 95)), "%"), "valueQuantity");
      vital("us-core-head-circumference", codeable(kLoinc, "9843-4", "Head Occipital-frontal circumference"),
            quantity(tenths(rnd_.between(330, 500)), "cm"), "valueQuantity");
      vital("head-occipital-frontal-circumference-percentile",
            codeable(kLoinc, "8289-1", "Head Occipital-frontal circumference Percentile"),
            quantity(std::to_string(rnd_.between(5, 95)), "%"), "valueQuantity");
    }
  }

  void encounter(bool last) {
    const int year = rnd_.between(std::max(2021, birthYear_), 2025);
    const std::string day = date(year, rnd_.between(1, 12), rnd_.between(1, 28));
    // The first patient's last stay is always inpatient, so every US Core search has data.
    const bool inpatient = last && (index_ == 0 || rnd_.chance(30));
    const std::string start = day + "T" + (rnd_.chance(50) ? "09" : "14") + ":00:00Z";
    const std::string end = inpatient ? day.substr(0, 8) + "28T23:00:00Z" : start.substr(0, 13) + ":30:00Z";
    const auto& dx = rnd_.pick(kDiagnoses);
    Value r = resource("Encounter", "us-core-encounter");
    r.set("identifier", arr({obj({{"system", str("urn:oid:2.16.840.1.113883.19.5.99")},
                                  {"value", str(std::to_string(rnd_.between(10000000, 99999999)))}})}));
    r.set("status", str("finished"));
    r.set("class", inpatient ? coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter")
                             : coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
    r.set("type", arr({codeable(kSnomed, inpatient ? "32485007" : "185349003",
                               inpatient ? "Hospital admission" : "Encounter for check up")}));
    r.set("subject", subject());
    r.set("participant",
          arr({obj({{"type", arr({codeable("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PPRF",
                                          "primary performer")})},
                    {"period", obj({{"start", str(start)}, {"end", str(end)}})},
                    {"individual", ref("Practitioner", practitioner_)}})}));
    r.set("period", obj({{"start", str(start)}, {"end", str(end)}}));
    r.set("reasonCode", arr({codeable(kSnomed, dx.snomed.code, dx.snomed.display)}));
    if (inpatient)
      r.set("hospitalization",
            obj({{"dischargeDisposition",
                  codeable("http://terminology.hl7.org/CodeSystem/discharge-disposition", "home", "Home")}}));
    r.set("location", arr({obj({{"location", ref("Location", location_)}})}));
    r.set("serviceProvider", ref("Organization", organization_));
    const std::string encounterId = add("Encounter", std::move(r));
    lastEncounter_ = encounterId;
    lastEncounterDate_ = start;

    vitals(encounterId, start, year);

    Value diagnosis = resource("Condition", "us-core-condition-encounter-diagnosis");
    const bool resolved = rnd_.chance(30);
    diagnosis.set("clinicalStatus", codeable("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                            resolved ? "resolved" : "active", resolved ? "Resolved" : "Active"));
    diagnosis.set("verificationStatus",
                  codeable("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"));
    diagnosis.set("extension", arr({assertedDate(start)}));
    diagnosis.set("category", arr({codeable(kConditionCategory, "encounter-diagnosis", "Encounter Diagnosis")}));
    diagnosis.set("code", obj({{"coding", arr({coding(kSnomed, dx.snomed.code, dx.snomed.display),
                                               coding(kIcd10, dx.icd10.code, dx.icd10.display)})},
                               {"text", str(dx.snomed.display)}}));
    diagnosis.set("subject", subject());
    diagnosis.set("encounter", ref("Encounter", encounterId));
    diagnosis.set("onsetDateTime", str(start));
    if (resolved) diagnosis.set("abatementDateTime", str(end));
    diagnosis.set("recordedDate", str(start));
    diagnosis.set("recorder", ref("Practitioner", practitioner_));
    add("Condition", std::move(diagnosis));

    Value glucose = observation("us-core-observation-lab", "laboratory", "Laboratory", codeable(kLoinc, kLabs[0].loinc.code, kLabs[0].loinc.display), start);
    glucose.set("encounter", ref("Encounter", encounterId));
    glucose.set("valueQuantity", quantity(tenths(rnd_.between(kLabs[0].low, kLabs[0].high)), kLabs[0].unit));
    add("Observation", std::move(glucose));

    if (rnd_.chance(50)) {
      const auto& p = rnd_.pick(kProcedures);
      Value proc = resource("Procedure", "us-core-procedure");
      proc.set("status", str("completed"));
      proc.set("code", codeable(kSnomed, p.code, p.display));
      proc.set("subject", subject());
      proc.set("encounter", ref("Encounter", encounterId));
      proc.set("performedDateTime", str(start));
      proc.set("performer", arr({obj({{"actor", ref("Practitioner", practitioner_)}})}));
      proc.set("location", ref("Location", location_));
      add("Procedure", std::move(proc));
    }
  }

  void problems() {
    const auto& dx = rnd_.pick(kDiagnoses);
    const std::string onset = randomDate(2000, 2023);
    Value problem = resource("Condition", "us-core-condition-problems-health-concerns");
    problem.set("extension", arr({assertedDate(onset)}));
    problem.set("clinicalStatus", codeable("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"));
    problem.set("verificationStatus",
                codeable("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"));
    problem.set("category", arr({codeable(kConditionCategory, "problem-list-item", "Problem List Item")}));
    problem.set("code", obj({{"coding", arr({coding(kSnomed, dx.snomed.code, dx.snomed.display),
                                             coding(kIcd10, dx.icd10.code, dx.icd10.display)})},
                             {"text", str(dx.snomed.display)}}));
    problem.set("subject", subject());
    problem.set("onsetDateTime", str(onset));
    problem.set("recordedDate", str(onset));
    problemId_ = add("Condition", std::move(problem));

    Value concern = resource("Condition", "us-core-condition-problems-health-concerns");
    concern.set("clinicalStatus", codeable("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"));
    concern.set("verificationStatus",
                codeable("http://terminology.hl7.org/CodeSystem/condition-ver-status", "unconfirmed", "Unconfirmed"));
    concern.set("category", arr({codeable(kUsCoreConditionCategory, "health-concern", "Health Concern"),
                                 codeable(kUsCoreCategory, "sdoh", "SDOH")}));
    concern.set("code", codeable(kSnomed, "733423003", "Food insecurity"));
    concern.set("subject", subject());
    concern.set("onsetDateTime", str(randomDate(2020, 2024)));
    concern.set("recordedDate", str(lastEncounterDate_));
    add("Condition", std::move(concern));
  }

  void labs() {
    Value specimen = resource("Specimen", "us-core-specimen");
    specimen.set("identifier", arr({obj({{"system", str("urn:oid:2.16.840.1.113883.19.5.7")},
                                         {"value", str(std::to_string(rnd_.between(100000, 999999)))}})}));
    specimen.set("accessionIdentifier", obj({{"system", str("urn:oid:2.16.840.1.113883.19.5.8")},
                                             {"value", str("A" + std::to_string(rnd_.between(100000, 999999)))}}));
    specimen.set("status", str("available"));
    specimen.set("type", codeable(kSnomed, "119297000", "Blood specimen"));
    specimen.set("subject", subject());
    specimen.set("collection", obj({{"collectedDateTime", str(lastEncounterDate_)}}));
    const std::string specimenId = add("Specimen", std::move(specimen));

    Value order = resource("ServiceRequest", "us-core-servicerequest");
    order.set("status", str("completed"));
    order.set("intent", str("order"));
    order.set("category", arr({codeable(kSnomed, "108252007", "Laboratory procedure")}));
    order.set("code", codeable(kLoinc, "24323-8", "Comprehensive metabolic 2000 panel - Serum or Plasma"));
    order.set("subject", subject());
    order.set("encounter", ref("Encounter", lastEncounter_));
    order.set("occurrencePeriod", obj({{"start", str(lastEncounterDate_)}, {"end", str(lastEncounterDate_)}}));
    order.set("authoredOn", str(lastEncounterDate_));
    order.set("requester", ref("Practitioner", practitioner_));
    const std::string orderId = add("ServiceRequest", std::move(order));

    Value results = Value::array();
    for (const auto& lab : kLabs) {
      Value r = observation(lab.profile, "laboratory", "Laboratory", codeable(kLoinc, lab.loinc.code, lab.loinc.display),
                            lastEncounterDate_);
      r.set("basedOn", arr({ref("ServiceRequest", orderId)}));
      r.set("encounter", ref("Encounter", lastEncounter_));
      r.set("issued", str(lastEncounterDate_.substr(0, 19) + ".000Z"));
      r.set("valueQuantity", quantity(tenths(rnd_.between(lab.low, lab.high)), lab.unit));
      r.set("interpretation", arr({codeable("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "N", "Normal")}));
      r.set("specimen", ref("Specimen", specimenId));
      r.set("referenceRange", arr({obj({{"low", quantity(tenths(lab.low), lab.unit)}, {"high", quantity(tenths(lab.high), lab.unit)}})}));
      results.push(ref("Observation", add("Observation", std::move(r))));
    }
    Value report = resource("DiagnosticReport", "us-core-diagnosticreport-lab");
    report.set("basedOn", arr({ref("ServiceRequest", orderId)}));
    report.set("status", str("final"));
    report.set("category", arr({codeable("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")}));
    report.set("code", codeable(kLoinc, "24323-8", "Comprehensive metabolic 2000 panel - Serum or Plasma"));
    report.set("subject", subject());
    report.set("encounter", ref("Encounter", lastEncounter_));
    report.set("effectiveDateTime", str(lastEncounterDate_));
    report.set("issued", str(lastEncounterDate_.substr(0, 19) + ".000Z"));
    report.set("performer", arr({ref("Organization", organization_)}));
    report.set("specimen", arr({ref("Specimen", specimenId)}));
    report.set("result", std::move(results));
    add("DiagnosticReport", std::move(report));

    Value echo = observation("us-core-observation-clinical-result", "procedure", "Procedure",
                             codeable(kLoinc, "10230-1", "Left ventricular Ejection fraction"), lastEncounterDate_);
    echo.set("encounter", ref("Encounter", lastEncounter_));
    echo.set("valueQuantity", quantity(std::to_string(rnd_.between(40, 70)), "%"));
    echoId_ = add("Observation", std::move(echo));
  }

  void socialHistory() {
    const std::string when = lastEncounterDate_;
    const bool smoker = rnd_.chance(15);
    Value smoking = observation("us-core-smokingstatus", "social-history", "Social History",
                                codeable(kLoinc, "72166-2", "Tobacco smoking status"), when);
    smoking.set("issued", str(when.substr(0, 19) + ".000Z"));
    smoking.set("valueCodeableConcept", smoker ? codeable(kSnomed, "449868002", "Smokes tobacco daily")
                                               : codeable(kSnomed, "266919005", "Never smoked tobacco"));
    add("Observation", std::move(smoking));
    const int age = ageIn(2024);
    if (age >= 18) {
      Value occupation = observation("us-core-observation-occupation", "social-history", "Social History",
                                     codeable(kLoinc, "11341-5", "History of Occupation"), when);
      occupation.erase("effectiveDateTime");
      occupation.set("effectivePeriod", obj({{"start", str(randomDate(2010, 2018))}}));
      occupation.set("valueCodeableConcept",
                     codeable("urn:oid:2.16.840.1.114222.4.5.327", "29-1141.00.001", "Registered Nurse"));
      occupation.set("component", arr({obj({{"code", codeable(kLoinc, "86188-0", "History of Occupation industry")},
                                            {"valueCodeableConcept",
                                             codeable("urn:oid:2.16.840.1.114222.4.5.317", "622000", "Hospitals")}})}));
      add("Observation", std::move(occupation));
      Value orientation = observation("us-core-observation-sexual-orientation", "social-history", "Social History",
                                      codeable(kLoinc, "76690-7", "Sexual orientation"), when);
      orientation.set("valueCodeableConcept", codeable(kSnomed, "20430005", "Heterosexual"));
      add("Observation", std::move(orientation));
    }
    if (female_ && age >= 15 && age <= 50) {
      Value status = observation("us-core-observation-pregnancystatus", "social-history", "Social History",
                                 codeable(kLoinc, "82810-3", "Pregnancy status"), when);
      status.set("valueCodeableConcept", codeable(kSnomed, "60001007", "Not pregnant"));
      add("Observation", std::move(status));
      Value intent = observation("us-core-observation-pregnancyintent", "social-history", "Social History",
                                 codeable(kLoinc, "86645-9", "Pregnancy intention in the next year - Reported"), when);
      intent.set("valueCodeableConcept", codeable(kSnomed, "454381000124105", "Not planning to become pregnant"));
      add("Observation", std::move(intent));
    }
  }

  // Screening and assessment answers in each of the categories US Core 7.0 names.
  void screenings() {
    struct Screening {
      const char* system;
      const char* category;
      const char* categoryDisplay;
      Code loinc;
    };
    static const std::array<Screening, 5> kScreenings = {{
        {kUsCoreCategory, "sdoh", "SDOH", {"88122-7", "Within the past 12Mo we worried whether our food would run out before we got money to buy more"}},
        {kUsCoreCategory, "functional-status", "Functional Status", {"54522-8", "Functional status"}},
        {kUsCoreCategory, "disability-status", "Disability Status", {"69858-0", "Because of a physical, mental, or emotional condition, do you have serious difficulty concentrating, remembering, or making decisions"}},
        {kUsCoreCategory, "cognitive-status", "Cognitive Status", {"72106-8", "Total score [MMSE]"}},
        {kObservationCategory, "activity", "Activity", {"55423-8", "Number of steps in unspecified time Pedometer"}},
    }};
    for (const auto& s : kScreenings) {
      Value r = observation("us-core-observation-screening-assessment", "survey", "Survey",
                            codeable(kLoinc, s.loinc.code, s.loinc.display), lastEncounterDate_);
      r.find("category")->push(codeable(s.system, s.category, s.categoryDisplay));
      if (std::string(s.category) == "sdoh" || std::string(s.category) == "disability-status")
        r.set("valueCodeableConcept", codeable(kLoinc, "LA28398-8", "Sometimes true"));
      else
        r.set("valueQuantity", obj({{"value", num(std::to_string(rnd_.between(1, 30)))}}));
      screeningIds_.push_back(add("Observation", std::move(r)));
    }
    Value simple = observation("us-core-simple-observation", "exam", "Exam",
                               codeable(kLoinc, "32451-7", "Physical findings of Abdomen"), lastEncounterDate_);
    simple.set("valueString", str("Soft, non-tender"));
    add("Observation", std::move(simple));
    if (ageIn(2024) >= 18) {
      Value average = observation("us-core-average-blood-pressure", "vital-signs", "Vital Signs",
                                  codeable(kLoinc, "96607-7", "Blood pressure panel mean systolic and mean diastolic"),
                                  lastEncounterDate_);
      average.erase("effectiveDateTime");
      average.set("effectivePeriod", obj({{"start", str(averagingStart())}, {"end", str(lastEncounterDate_)}}));
      average.set("component",
                  arr({obj({{"code", codeable(kLoinc, "96608-5", "Systolic blood pressure mean")},
                            {"valueQuantity", quantity(std::to_string(rnd_.between(110, 150)), "mm[Hg]")}}),
                       obj({{"code", codeable(kLoinc, "96609-3", "Diastolic blood pressure mean")},
                            {"valueQuantity", quantity(std::to_string(rnd_.between(65, 95)), "mm[Hg]")}})}));
      add("Observation", std::move(average));
    }
  }

  void preferences() {
    Value treatment = observation("us-core-treatment-intervention-preference", "survey", "Survey",
                                  codeable(kLoinc, "75773-2", "Goals, preferences, and priorities for medical treatment [Reported]"),
                                  lastEncounterDate_);
    treatment.find("category")->push(codeable(kUsCoreCategory, "treatment-intervention-preference",
                                              "Treatment Intervention Preference"));
    treatment.set("valueString", str("Avoid hospital stays where possible"));
    add("Observation", std::move(treatment));
    Value experience = observation("us-core-care-experience-preference", "survey", "Survey",
                                   codeable(kLoinc, "95541-9", "Care experience preference"), lastEncounterDate_);
    experience.find("category")->push(codeable(kUsCoreCategory, "care-experience-preference", "Care Experience Preference"));
    experience.set("valueString", str("Prefers morning appointments with the same clinician"));
    add("Observation", std::move(experience));
  }

  void medications() {
    Value allergy = resource("AllergyIntolerance", "us-core-allergyintolerance");
    allergy.set("clinicalStatus", codeable("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"));
    allergy.set("verificationStatus",
                codeable("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"));
    allergy.set("category", arr({str("medication")}));
    allergy.set("criticality", str("low"));
    // The first patient's allergy is recorded as unknown: US Core's data-absent-reason coding.
    allergy.set("code", index_ == 0 ? codeable(kDataAbsentReasonCodes, "unknown", "Unknown")
                                    : codeable(kRxNorm, "7980", "Penicillin G"));
    allergy.set("patient", subject());
    allergy.set("recordedDate", str(lastEncounterDate_));
    allergy.set("reaction", arr({obj({{"manifestation", arr({codeable(kSnomed, "271807003", "Eruption of skin")})}})}));
    add("AllergyIntolerance", std::move(allergy));

    for (int i = 0; i < 2; ++i) {
      const size_t m = rnd_.next() % kMedications.size();
      const bool active = i == 0;
      Value request = resource("MedicationRequest", "us-core-medicationrequest");
      request.set("status", str(active ? "active" : "completed"));
      request.set("intent", str("order"));
      request.set("category", arr({codeable("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "community",
                                           "Community")}));
      // The first patient's earlier prescription was reported by another clinician.
      if (index_ == 0 && !active)
        request.set("reportedReference", ref("Practitioner", practice_.practitioners.back()));
      else
        request.set("reportedBoolean", boolean(false));
      // One by reference to a Medication resource, one coded in place: US Core allows both.
      if (active)
        request.set("medicationReference", ref("Medication", practice_.medications[m]));
      else
        request.set("medicationCodeableConcept", codeable(kRxNorm, kMedications[m].rxnorm, kMedications[m].display));
      request.set("subject", subject());
      request.set("encounter", ref("Encounter", lastEncounter_));
      request.set("authoredOn", str(lastEncounterDate_));
      request.set("requester", ref("Practitioner", practitioner_));
      request.set("dosageInstruction", arr({dailyTablet()}));
      request.set("dispenseRequest", obj({{"numberOfRepeatsAllowed", Value::number(3)},
                                          {"quantity", obj({{"value", Value::number(30)}, {"unit", str("tablet")},
                                                            {"system", str("http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm")},
                                                            {"code", str("TAB")}})}}));
      const std::string requestId = add("MedicationRequest", std::move(request));
      if (!active) continue;
      Value dispense = resource("MedicationDispense", "us-core-medicationdispense");
      dispense.set("status", str("completed"));
      dispense.set("medicationReference", ref("Medication", practice_.medications[m]));
      dispense.set("subject", subject());
      dispense.set("context", ref("Encounter", lastEncounter_));
      dispense.set("performer", arr({obj({{"actor", ref("Practitioner", practitioner_)}})}));
      dispense.set("authorizingPrescription", arr({ref("MedicationRequest", requestId)}));
      dispense.set("type", codeable("http://terminology.hl7.org/CodeSystem/v3-ActCode", "FF", "First Fill"));
      dispense.set("quantity", obj({{"value", Value::number(30)}, {"unit", str("tablet")}}));
      dispense.set("whenHandedOver", str(lastEncounterDate_));
      dispense.set("dosageInstruction", arr({dailyTablet()}));
      add("MedicationDispense", std::move(dispense));
    }
  }

  static Value dailyTablet() {
    return obj({{"text", str("Take one tablet by mouth daily")},
                {"timing", obj({{"repeat", obj({{"frequency", Value::number(1)}, {"period", Value::number(1)}, {"periodUnit", str("d")}})}})},
                {"doseAndRate", arr({obj({{"doseQuantity", obj({{"value", Value::number(1)}, {"unit", str("tablet")},
                                                                  {"system", str("http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm")},
                                                                  {"code", str("TAB")}})}})})}});
  }

  void immunizations() {
    for (int i = 0; i < 2; ++i) {
      const auto& vaccine = kVaccines[(index_ + i) % kVaccines.size()];
      const bool declined = i == 1 && rnd_.chance(30);
      Value r = resource("Immunization", "us-core-immunization");
      r.set("status", str(declined ? "not-done" : "completed"));
      if (declined)
        r.set("statusReason", codeable("http://terminology.hl7.org/CodeSystem/v3-ActReason", "PATOBJ", "patient objection"));
      r.set("vaccineCode", codeable(kCvx, vaccine.code, vaccine.display));
      r.set("patient", subject());
      r.set("encounter", ref("Encounter", lastEncounter_));
      r.set("occurrenceDateTime", str(randomDate(2021, 2025)));
      r.set("primarySource", boolean(true));
      r.set("location", ref("Location", location_));
      add("Immunization", std::move(r));
    }
  }

  static std::string base64(const std::string& text) {
    static const char* kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string data;
    for (size_t i = 0; i < text.size(); i += 3) {
      uint32_t n = static_cast<unsigned char>(text[i]) << 16;
      if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
      if (i + 2 < text.size()) n |= static_cast<unsigned char>(text[i + 2]);
      data += kBase64[n >> 18 & 63];
      data += kBase64[n >> 12 & 63];
      data += i + 1 < text.size() ? kBase64[n >> 6 & 63] : '=';
      data += i + 2 < text.size() ? kBase64[n & 63] : '=';
    }
    return data;
  }

  std::string binary(const std::string& text) {
    Value r = resource("Binary");
    r.set("contentType", str("text/plain"));
    r.set("data", str(base64(text)));
    return add("Binary", std::move(r));
  }

  // An imaging study's picture, whose content is at `url`.
  std::string image(const std::string& url) {
    Value r = resource("Media");
    r.set("status", str("completed"));
    r.set("type", codeable("http://terminology.hl7.org/CodeSystem/media-type", "image", "Image"));
    r.set("subject", subject());
    r.set("createdDateTime", str(lastEncounterDate_));
    r.set("content", obj({{"contentType", str("text/plain")}, {"url", str(url)}}));
    return add("Media", std::move(r));
  }

  // The eight note types as DocumentReferences, three of them also DiagnosticReports presenting
  // the same attachment.
  void notes() {
    for (const auto& note : kNotes) {
      const std::string text = std::string(note.loinc.display) + " for patient " + std::to_string(index_) + ": no acute findings.";
      const std::string url = "Binary/" + binary(text);
      Value attachment = obj({{"contentType", str("text/plain")}, {"url", str(url)}, {"title", str(note.loinc.display)}});
      // The first patient's consult note also carries its text inline.
      if (index_ == 0 && &note == &kNotes.front()) attachment.set("data", str(base64(text)));
      Value doc = resource("DocumentReference", "us-core-documentreference");
      doc.set("identifier", arr({obj({{"system", str("urn:ietf:rfc:3986")}, {"value", str("urn:uuid:" + rnd_.uuid())}})}));
      doc.set("status", str("current"));
      doc.set("docStatus", str("final"));
      doc.set("type", codeable(kLoinc, note.loinc.code, note.loinc.display));
      doc.set("category", arr({codeable("http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
                                       "clinical-note", "Clinical Note")}));
      doc.set("subject", subject());
      doc.set("date", str(lastEncounterDate_.substr(0, 19) + ".000Z"));
      doc.set("author", arr({ref("Practitioner", practitioner_)}));
      doc.set("custodian", ref("Organization", organization_));
      doc.set("content", arr({obj({{"attachment", attachment},
                                   {"format", coding("http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
                                                     "urn:ihe:iti:xds:2017:mimeTypeSufficient", "mimeType Sufficient")}})}));
      doc.set("context", obj({{"encounter", arr({ref("Encounter", lastEncounter_)})},
                              {"period", obj({{"start", str(lastEncounterDate_)}})}}));
      add("DocumentReference", std::move(doc));
      if (note.reportCategory == nullptr) continue;
      Value report = resource("DiagnosticReport", "us-core-diagnosticreport-note");
      report.set("status", str("final"));
      report.set("category", arr({codeable(kLoinc, note.reportCategory, note.reportCategoryDisplay)}));
      report.set("code", codeable(kLoinc, note.loinc.code, note.loinc.display));
      report.set("subject", subject());
      report.set("encounter", ref("Encounter", lastEncounter_));
      report.set("effectiveDateTime", str(lastEncounterDate_));
      report.set("issued", str(lastEncounterDate_.substr(0, 19) + ".000Z"));
      report.set("performer", arr({ref("Practitioner", practitioner_)}));
      report.set("presentedForm", arr({attachment}));
      // The cardiology report cites the echo's result; the radiology report shows its image.
      if (std::string(note.reportCategory) == "LP29708-2") report.set("result", arr({ref("Observation", echoId_)}));
      if (std::string(note.reportCategory) == "LP29684-5") report.set("media", arr({obj({{"link", ref("Media", image(url))}})}));
      add("DiagnosticReport", std::move(report));
    }
  }

  void carePlanning(const std::string& relatedPerson) {
    Value plan = resource("CarePlan", "us-core-careplan");
    plan.set("text", obj({{"status", str("generated")},
                          {"div", str("<div xmlns=\"http://www.w3.org/1999/xhtml\">Assessment and plan: continue current "
                                      "medications, follow up in three months.</div>")}}));
    plan.set("status", str("active"));
    plan.set("intent", str("plan"));
    plan.set("category", arr({codeable("http://hl7.org/fhir/us/core/CodeSystem/careplan-category", "assess-plan",
                                      "Assessment and Plan of Treatment")}));
    plan.set("subject", subject());
    plan.set("encounter", ref("Encounter", lastEncounter_));
    plan.set("period", obj({{"start", str(lastEncounterDate_)}}));
    plan.set("author", ref("Practitioner", practitioner_));
    add("CarePlan", std::move(plan));

    Value team = resource("CareTeam", "us-core-careteam");
    team.set("status", str("active"));
    team.set("name", str("Primary care team"));
    team.set("subject", subject());
    auto member = [&](const char* code, const char* display, Value who) {
      return obj({{"role", arr({codeable(kSnomed, code, display)})}, {"member", std::move(who)}});
    };
    team.set("participant", arr({member("446050000", "Primary care physician", ref("Practitioner", practitioner_)),
                                 member("224535009", "Registered nurse", ref("PractitionerRole", role_)),
                                 member("116154003", "Patient", subject()),
                                 member("133932002", "Caregiver", ref("RelatedPerson", relatedPerson))}));
    team.set("managingOrganization", arr({ref("Organization", organization_)}));
    add("CareTeam", std::move(team));

    Value goal = resource("Goal", "us-core-goal");
    goal.set("lifecycleStatus", str("active"));
    goal.set("description", codeable(kSnomed, "289169006", "Weight loss"));
    goal.set("subject", subject());
    goal.set("startDate", str(lastEncounterDate_.substr(0, 10)));
    goal.set("target", arr({obj({{"dueDate", str(randomDate(2026, 2027))}})}));
    goal.set("expressedBy", subject());
    add("Goal", std::move(goal));

    Value answers = resource("QuestionnaireResponse", "us-core-questionnaireresponse");
    answers.set("identifier", obj({{"system", str("urn:ietf:rfc:3986")}, {"value", str("urn:uuid:" + rnd_.uuid())}}));
    answers.set("questionnaire", str("http://hl7.org/fhir/us/core/Questionnaire/hunger-vital-sign"));
    answers.set("_questionnaire",
                obj({{"extension", arr({obj({{"url", str("http://hl7.org/fhir/StructureDefinition/display")},
                                             {"valueString", str("Hunger Vital Sign [HVS]")}}),
                                        obj({{"url", str(std::string(kUsCoreProfile) + "us-core-extension-questionnaire-uri")},
                                             {"valueUri", str("http://loinc.org/88121-9")}})})}}));
    answers.set("status", str("completed"));
    answers.set("subject", subject());
    answers.set("authored", str(lastEncounterDate_));
    answers.set("author", subject());
    auto question = [](const char* linkId, const char* text, Value answer) {
      return obj({{"linkId", str(linkId)}, {"text", str(text)}, {"answer", arr({std::move(answer)})}});
    };
    Value household = question("household", "How many people live in your household?",
                               obj({{"valueDecimal", num(std::to_string(rnd_.between(1, 6)))},
                                    {"item", arr({question("household-children", "How many of them are children?",
                                                           obj({{"valueDecimal", num("0")}}))})}}));
    Value followUp = obj({{"linkId", str("follow-up")},
                          {"text", str("Follow-up")},
                          {"item", arr({question("contact", "May we contact you about food resources?",
                                                 obj({{"valueBoolean", boolean(true)}}))})}});
    answers.set("item", arr({question("88122-7", "Within the past 12 months we worried whether our food would run out",
                                      obj({{"valueCoding", coding(kLoinc, "LA28398-8", "Sometimes true")}})),
                             std::move(household),
                             question("comment", "Anything else you would like us to know?",
                                      obj({{"valueString", str("Food bank nearby helps")}})),
                             std::move(followUp)}));
    questionnaireResponseId_ = add("QuestionnaireResponse", std::move(answers));
  }

  void devicesAndCoverage() {
    if (rnd_.chance(40) || index_ == 0) {
      const std::string udi = "0" + std::to_string(rnd_.between(1000000, 9999999)) + "123456";
      Value device = resource("Device", "us-core-implantable-device");
      device.set("udiCarrier", arr({obj({{"deviceIdentifier", str(udi)},
                                         {"carrierHRF", str("(01)" + udi + "(11)210101(17)300101(10)LOT42(21)SN" +
                                                            std::to_string(index_))}})}));
      device.set("status", str("active"));
      device.set("distinctIdentifier", str("DI-" + udi));
      device.set("manufactureDate", str("2021-01-01"));
      device.set("expirationDate", str("2030-01-01"));
      device.set("lotNumber", str("LOT42"));
      device.set("serialNumber", str("SN" + std::to_string(index_)));
      device.set("type", codeable(kSnomed, "14106009", "Cardiac pacemaker"));
      device.set("patient", subject());
      add("Device", std::move(device));
    }
    Value coverage = resource("Coverage", "us-core-coverage");
    coverage.set("identifier", arr({obj({{"type", codeable("http://terminology.hl7.org/CodeSystem/v2-0203", "MB", "Member Number")},
                                         {"system", str("urn:oid:2.16.840.1.113883.19.5.11")},
                                         {"value", str(std::to_string(rnd_.between(10000000, 99999999)))}})}));
    coverage.set("status", str("active"));
    coverage.set("type", codeable("urn:oid:2.16.840.1.113883.3.221.5", "1", "MEDICARE"));
    if (index_ == 0)
      coverage.set("_subscriberId", dataAbsent("unknown"));  // US Core's data-absent-reason extension
    else
      coverage.set("subscriberId", str("S" + std::to_string(rnd_.between(100000, 999999))));
    coverage.set("beneficiary", subject());
    coverage.set("relationship", codeable("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self", "Self"));
    coverage.set("period", obj({{"start", str("2024-01-01")}, {"end", str("2026-12-31")}}));
    coverage.set("payor", arr({ref("Organization", practice_.payer)}));
    coverage.set("class", arr({obj({{"type", codeable("http://terminology.hl7.org/CodeSystem/coverage-class", "group", "Group")},
                                    {"value", str("G1000")},
                                    {"name", str("Acme employer group")}}),
                               obj({{"type", codeable("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", "Plan")},
                                    {"value", str("P2000")},
                                    {"name", str("Acme Gold")}})}));
    add("Coverage", std::move(coverage));
  }

  // The first patient's record also shows what the others rarely or never need, so that the data
  // set holds every Must Support element of every US Core profile: missing data given a reason,
  // results coded or as text, a resolved problem, a visit for it, panels and their members.
  void mustSupportExamples() {
    const Value notPerformed = codeable(kDataAbsentReasonCodes, "not-performed", "Not Performed");
    const Value declined = codeable(kDataAbsentReasonCodes, "asked-declined", "Asked But Declined");
    for (const auto& v : kVitals) {
      Value r = vitalSign(v.profile, vitalCode(v), lastEncounterDate_);
      r.set("encounter", ref("Encounter", lastEncounter_));
      r.set("dataAbsentReason", notPerformed);
      if (std::string(v.profile) == "us-core-pulse-oximetry") {
        Value components = oxygenTherapy();
        for (auto& c : components.items()) {
          c.erase("valueQuantity");
          c.set("dataAbsentReason", notPerformed);
        }
        r.set("component", std::move(components));
      }
      add("Observation", std::move(r));
    }
    Value bp = vitalSign("us-core-blood-pressure", codeable(kLoinc, "85354-9", "Blood pressure panel with all children optional"),
                         lastEncounterDate_);
    bp.set("dataAbsentReason", declined);
    bp.set("component", arr({obj({{"code", codeable(kLoinc, "8480-6", "Systolic blood pressure")}, {"dataAbsentReason", declined}}),
                             obj({{"code", codeable(kLoinc, "8462-4", "Diastolic blood pressure")}, {"dataAbsentReason", declined}})}));
    add("Observation", std::move(bp));
    Value average = observation("us-core-average-blood-pressure", "vital-signs", "Vital Signs",
                                codeable(kLoinc, "96607-7", "Blood pressure panel mean systolic and mean diastolic"),
                                lastEncounterDate_);
    average.erase("effectiveDateTime");
    average.set("effectivePeriod", obj({{"start", str(averagingStart())}, {"end", str(lastEncounterDate_)}}));
    average.set("component", arr({obj({{"code", codeable(kLoinc, "96608-5", "Systolic blood pressure mean")},
                                       {"valueQuantity", quantity("128", "mm[Hg]")}}),
                                  obj({{"code", codeable(kLoinc, "96609-3", "Diastolic blood pressure mean")},
                                       {"dataAbsentReason", notPerformed}})}));
    add("Observation", std::move(average));

    Value resolved = resource("Condition", "us-core-condition-problems-health-concerns");
    resolved.set("clinicalStatus", codeable("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved", "Resolved"));
    resolved.set("verificationStatus",
                 codeable("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"));
    resolved.set("category", arr({codeable(kConditionCategory, "problem-list-item", "Problem List Item")}));
    resolved.set("code", codeable(kSnomed, "68566005", "Urinary tract infectious disease"));
    resolved.set("subject", subject());
    resolved.set("onsetDateTime", str("2022-03-01"));
    resolved.set("abatementDateTime", str("2022-03-15"));
    resolved.set("recordedDate", str("2022-03-01"));
    add("Condition", std::move(resolved));

    Value followUp = resource("Encounter", "us-core-encounter");
    followUp.set("identifier", arr({obj({{"system", str("urn:oid:2.16.840.1.113883.19.5.99")},
                                         {"value", str(std::to_string(rnd_.between(10000000, 99999999)))}})}));
    followUp.set("status", str("finished"));
    followUp.set("class", coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "VR", "virtual"));
    followUp.set("type", arr({codeable(kSnomed, "390906007", "Follow-up encounter")}));
    followUp.set("subject", subject());
    followUp.set("participant", arr({obj({{"individual", ref("Practitioner", practitioner_)}})}));
    followUp.set("period", obj({{"start", str("2025-06-02T10:00:00Z")}, {"end", str("2025-06-02T10:20:00Z")}}));
    followUp.set("reasonReference", arr({ref("Condition", problemId_)}));
    followUp.set("serviceProvider", ref("Organization", organization_));
    add("Encounter", std::move(followUp));

    auto result = [&](const std::string& profile, const char* category, const char* display, Value code, const char* key,
                      Value value) {
      Value r = observation(profile, category, display, std::move(code), lastEncounterDate_);
      r.set("encounter", ref("Encounter", lastEncounter_));
      r.set(key, std::move(value));
      add("Observation", std::move(r));
    };
    result("us-core-observation-clinical-result", "procedure", "Procedure", codeable(kLoinc, "8884-9", "Heart rate rhythm"),
           "valueCodeableConcept", codeable(kSnomed, "64730000", "Normal sinus rhythm"));
    result("us-core-observation-clinical-result", "procedure", "Procedure", codeable(kLoinc, "8601-7", "EKG impression"),
           "valueString", str("Normal ECG"));
    result("us-core-observation-clinical-result", "procedure", "Procedure",
           codeable(kLoinc, "10230-1", "Left ventricular Ejection fraction"), "dataAbsentReason",
           codeable(kDataAbsentReasonCodes, "error", "Error"));
    result("us-core-observation-lab", "laboratory", "Laboratory", codeable(kLoinc, "5778-6", "Color of Urine"),
           "valueCodeableConcept", codeable(kSnomed, "371244009", "Yellow color"));
    result("us-core-observation-lab", "laboratory", "Laboratory", codeable(kLoinc, "5767-9", "Appearance of Urine"),
           "valueString", str("Clear"));
    result("us-core-observation-lab", "laboratory", "Laboratory",
           codeable(kLoinc, kLabs[0].loinc.code, kLabs[0].loinc.display), "dataAbsentReason",
           codeable(kDataAbsentReasonCodes, "error", "Error"));

    auto screening = [&](const char* category, const char* display, Value code) {
      Value r = observation("us-core-observation-screening-assessment", "survey", "Survey", std::move(code), lastEncounterDate_);
      r.find("category")->push(codeable(kUsCoreCategory, category, display));
      r.set("performer", arr({ref("Practitioner", practitioner_)}));
      return r;
    };
    Value panel = screening("sdoh", "SDOH", codeable(kLoinc, "88121-9", "Hunger Vital Sign [HVS]"));
    panel.set("hasMember", arr({ref("Observation", screeningIds_.front())}));
    panel.set("derivedFrom", arr({ref("QuestionnaireResponse", questionnaireResponseId_)}));
    add("Observation", std::move(panel));
    Value functional = screening("functional-status", "Functional Status", codeable(kLoinc, "54522-8", "Functional status"));
    functional.set("valueString", str("Independent in all activities of daily living"));
    add("Observation", std::move(functional));
    Value disability = screening("disability-status", "Disability Status",
                                 codeable(kLoinc, "69858-0", "Because of a physical, mental, or emotional condition, do you have serious difficulty concentrating, remembering, or making decisions"));
    disability.set("dataAbsentReason", declined);
    add("Observation", std::move(disability));

    auto simple = [&](Value code, const char* key, Value value) {
      Value r = observation("us-core-simple-observation", "exam", "Exam", std::move(code), lastEncounterDate_);
      r.set("performer", arr({ref("Practitioner", practitioner_)}));
      r.set(key, std::move(value));
      add("Observation", std::move(r));
    };
    simple(codeable(kLoinc, "8867-4", "Heart rate"), "valueQuantity", quantity("72", "/min"));
    simple(codeable(kLoinc, "32451-7", "Physical findings of Abdomen"), "valueCodeableConcept",
           codeable(kSnomed, "163133003", "Abdomen examined - no abnormality detected"));
    simple(obj({{"text", str("Fell in the past year")}}), "valueBoolean", boolean(false));

    Value packYears = observation("us-core-smokingstatus", "social-history", "Social History",
                                  codeable(kSnomed, "401201003", "Cigarette pack-years"), lastEncounterDate_);
    packYears.set("issued", str(lastEncounterDate_.substr(0, 19) + ".000Z"));
    packYears.set("valueQuantity", obj({{"value", num("10")}, {"unit", str("{PackYears}")},
                                        {"system", str("http://unitsofmeasure.org")}, {"code", str("{PackYears}")}}));
    add("Observation", std::move(packYears));

    auto preference = [&](const std::string& profile, const char* category, const char* display, Value code, Value value) {
      Value r = observation(profile, "survey", "Survey", std::move(code), lastEncounterDate_);
      r.find("category")->push(codeable(kUsCoreCategory, category, display));
      r.set("valueCodeableConcept", std::move(value));
      add("Observation", std::move(r));
    };
    preference("us-core-treatment-intervention-preference", "treatment-intervention-preference",
               "Treatment Intervention Preference",
               codeable(kLoinc, "75773-2", "Goals, preferences, and priorities for medical treatment [Reported]"),
               codeable(kSnomed, "304253006", "Not for resuscitation"));
    preference("us-core-care-experience-preference", "care-experience-preference", "Care Experience Preference",
               codeable(kLoinc, "95541-9", "Care experience preference"), obj({{"text", str("Prefers a female clinician")}}));
  }

  ResourceSink& sink_;
  Random& rnd_;
  const Practice& practice_;
  const int index_;
  PatientRecord record_;
  bool female_ = false;
  int birthYear_ = 1970;
  std::string organization_, location_, practitioner_, role_;
  std::string lastEncounter_, lastEncounterDate_;
  std::string problemId_, echoId_, questionnaireResponseId_;
  std::vector<std::string> screeningIds_;
};

}  // namespace

PatientRecord generatePatientRecord(ResourceSink& sink, Random& rnd, const Practice& practice, int index) {
  return Writer(sink, rnd, practice, index).run();
}

}  // namespace flint::fhir::seed
