#include "fhir_resources/seed/practice.h"

#include <algorithm>

#include "fhir_resources/seed/fhir_builders.h"
#include "fhir_resources/seed/person_data.h"

namespace flint::fhir::seed {

const std::array<Medication, 8> kMedications = {{
    {"197361", "Amlodipine 5 MG Oral Tablet"},
    {"860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"},
    {"314076", "Lisinopril 10 MG Oral Tablet"},
    {"617312", "Atorvastatin 10 MG Oral Tablet"},
    {"745679", "200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"},
    {"310965", "Ibuprofen 200 MG Oral Tablet"},
    {"312961", "Simvastatin 20 MG Oral Tablet"},
    {"313782", "Acetaminophen 325 MG Oral Tablet"},
}};

namespace {

constexpr const char* kNpi = "http://hl7.org/fhir/sid/us-npi";
constexpr const char* kNucc = "http://nucc.org/provider-taxonomy";

Value npiIdentifier(Random& rnd) { return obj({{"system", str(kNpi)}, {"value", str(npi(rnd))}}); }

std::string organization(ResourceSink& sink, Random& rnd, const std::string& name, const char* typeCode,
                         const char* typeDisplay, const std::string& phone) {
  Value r = resource("Organization", "us-core-organization");
  r.set("identifier", arr({npiIdentifier(rnd)}));
  r.set("active", boolean(true));
  r.set("type", arr({codeable("http://terminology.hl7.org/CodeSystem/organization-type", typeCode, typeDisplay)}));
  r.set("name", str(name));
  r.set("telecom", arr({obj({{"system", str("phone")}, {"value", str(phone)}, {"use", str("work")}})}));
  r.set("address", arr({address(rnd, "work")}));
  return sink.add("Organization", std::move(r));
}

std::string location(ResourceSink& sink, Random& rnd, const std::string& name, const std::string& organizationId) {
  Value r = resource("Location", "us-core-location");
  r.set("identifier", arr({obj({{"system", str("urn:oid:2.16.840.1.113883.19.5.3")},
                                {"value", str("L" + std::to_string(rnd.between(10000, 99999)))}})}));
  r.set("status", str("active"));
  r.set("name", str(name));
  r.set("type", arr({codeable("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "OUTPHARM", "outpatient pharmacy")}));
  r.set("telecom", arr({obj({{"system", str("phone")}, {"value", str(phoneNumber(rnd))}})}));
  r.set("address", address(rnd, "work"));
  r.set("managingOrganization", ref("Organization", organizationId));
  return sink.add("Location", std::move(r));
}

std::string practitioner(ResourceSink& sink, Random& rnd) {
  const bool female = rnd.chance(50);
  Value r = resource("Practitioner", "us-core-practitioner");
  r.set("identifier", arr({npiIdentifier(rnd)}));
  r.set("active", boolean(true));
  r.set("name", arr({obj({{"family", str(rnd.pick(kFamily))},
                          {"given", arr({str(female ? rnd.pick(kGivenFemale) : rnd.pick(kGivenMale))})},
                          {"prefix", arr({str("Dr.")})}})}));
  r.set("telecom", arr({obj({{"system", str("phone")}, {"value", str(phoneNumber(rnd))}, {"use", str("work")}})}));
  r.set("address", arr({address(rnd, "work")}));
  r.set("gender", str(female ? "female" : "male"));
  return sink.add("Practitioner", std::move(r));
}

}  // namespace

Practice generatePractice(ResourceSink& sink, Random& rnd, int patients) {
  Practice p;
  const char* names[] = {"Riverside Family Practice", "Fairview Community Clinic"};
  for (int i = 0; i < 2; ++i) {
    p.organizations.push_back(organization(sink, rnd, names[i], "prov", "Healthcare Provider", "555-010" + std::to_string(i)));
    p.locations.push_back(location(sink, rnd, std::string(names[i]) + " Main Site", p.organizations.back()));
  }
  p.payer = organization(sink, rnd, "Acme Health Insurance", "pay", "Payer", "555-0199");

  Value endpoint = resource("Endpoint");
  endpoint.set("status", str("active"));
  endpoint.set("connectionType", coding("http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "direct-project",
                                        "Direct Project"));
  endpoint.set("name", str("Riverside Family Practice Direct address"));
  endpoint.set("payloadType", arr({codeable("urn:oid:1.3.6.1.4.1.19376.1.2.3", "urn:hl7-org:sdwg:ccda-structuredBody:2.1",
                                           "C-CDA R2.1 Structured Body")}));
  endpoint.set("address", str("mailto:clinic@direct.riverside.example.org"));
  const std::string endpointId = sink.add("Endpoint", std::move(endpoint));

  const int clinicians = std::max(2, patients / 10);
  for (int i = 0; i < clinicians; ++i) {
    p.practitioners.push_back(practitioner(sink, rnd));
    Value role = resource("PractitionerRole", "us-core-practitionerrole");
    role.set("active", boolean(true));
    role.set("practitioner", ref("Practitioner", p.practitioners.back()));
    role.set("organization", ref("Organization", p.organizations[i % 2]));
    role.set("code", arr({codeable("http://terminology.hl7.org/CodeSystem/practitioner-role", "doctor", "Doctor")}));
    role.set("specialty", arr({codeable(kNucc, "207Q00000X", "Family Medicine Physician")}));
    role.set("location", arr({ref("Location", p.locations[i % 2])}));
    role.set("telecom", arr({obj({{"system", str("phone")}, {"value", str(phoneNumber(rnd))}, {"use", str("work")}})}));
    role.set("endpoint", arr({ref("Endpoint", endpointId)}));
    p.roles.push_back(sink.add("PractitionerRole", std::move(role)));
  }

  for (const auto& m : kMedications) {
    Value r = resource("Medication", "us-core-medication");
    r.set("code", codeable("http://www.nlm.nih.gov/research/umls/rxnorm", m.rxnorm, m.display));
    p.medications.push_back(sink.add("Medication", std::move(r)));
  }
  return p;
}

}  // namespace flint::fhir::seed
