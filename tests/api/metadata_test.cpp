// The CapabilityStatement: generated from the definitions and claiming only what is implemented.
#include <gtest/gtest.h>

#include <set>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

TEST(Metadata, DescribesTheInstancesFhirApi) {
  std::string inst = createInstance("meta");
  auto c = client();
  auto res = c.Get("/" + inst + "/fhir/metadata");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/fhir+json;charset=utf-8");
  auto cs = parseJson(res->body);
  EXPECT_EQ(cs["resourceType"], "CapabilityStatement");
  EXPECT_EQ(cs["status"], "active");
  EXPECT_EQ(cs["kind"], "instance");
  EXPECT_EQ(cs["instantiates"], json::array({"http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|6.1.0",
                                             "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|7.0.0",
                                             "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"}));
  EXPECT_EQ(cs["fhirVersion"], "4.0.1");
  EXPECT_EQ(cs["implementation"]["url"], sharedServer().baseUrl() + "/" + inst + "/fhir");
  std::set<std::string> formats(cs["format"].begin(), cs["format"].end());
  EXPECT_TRUE(formats.count("application/fhir+json"));
  EXPECT_FALSE(formats.count("xml"));

  const auto& rest = cs["rest"][0];
  EXPECT_EQ(rest["mode"], "server");
  EXPECT_GE(rest["resource"].size(), 145u);
  json patient;
  for (const auto& r : rest["resource"])
    if (r["type"] == "Patient") patient = r;
  ASSERT_FALSE(patient.is_null());
  std::set<std::string> interactions;
  for (const auto& i : patient["interaction"]) interactions.insert(i["code"]);
  EXPECT_EQ(interactions, (std::set<std::string>{"read", "vread", "update", "patch", "delete", "history-instance",
                                                 "history-type", "create", "search-type"}));
  EXPECT_EQ(patient["versioning"], "versioned");
  EXPECT_EQ(patient["updateCreate"], true);
  EXPECT_EQ(patient["conditionalCreate"], true);
  EXPECT_EQ(patient["conditionalUpdate"], true);
  EXPECT_EQ(patient["conditionalDelete"], "single");
  std::set<std::string> params;
  for (const auto& p : patient["searchParam"]) params.insert(p["name"]);
  for (const char* p : {"_id", "_lastUpdated", "name", "family", "given", "identifier", "gender", "birthdate",
                        "general-practitioner", "organization", "telecom", "address-city"})
    EXPECT_TRUE(params.count(p)) << p;
  // Parameter types not indexed yet are not claimed; deceased's expression is outside the subset.
  EXPECT_FALSE(params.count("deceased"));
  const std::string unsupported = patient.value("documentation", "");
  EXPECT_NE(unsupported.find("deceased"), std::string::npos) << unsupported;
  EXPECT_NE(unsupported.find("_text"), std::string::npos) << unsupported;
  EXPECT_EQ(unsupported.find("birthdate"), std::string::npos) << unsupported;
  EXPECT_FALSE(params.count("_text"));
  EXPECT_EQ(patient["searchParam"][0]["definition"], "http://hl7.org/fhir/SearchParameter/Resource-id");
  EXPECT_TRUE(params.count("_profile"));  // uri
  EXPECT_EQ(patient["operation"][0]["name"], "everything");
  EXPECT_EQ(patient["operation"][0]["definition"], "http://hl7.org/fhir/OperationDefinition/Patient-everything");
  json observation;
  for (const auto& r : rest["resource"])
    if (r["type"] == "Observation") observation = r;
  std::set<std::string> obsParams;
  for (const auto& p : observation["searchParam"]) obsParams.insert(p["name"]);
  for (const char* p : {"code", "category", "patient", "subject", "date", "status", "encounter"})
    EXPECT_TRUE(obsParams.count(p)) << p;
  EXPECT_TRUE(obsParams.count("value-quantity"));
  EXPECT_TRUE(obsParams.count("code-value-quantity"));
  std::set<std::string> includes(observation["searchInclude"].begin(), observation["searchInclude"].end());
  EXPECT_TRUE(includes.count("Observation:subject"));
  EXPECT_TRUE(includes.count("Observation:patient"));
  std::set<std::string> revIncludes(observation["searchRevInclude"].begin(), observation["searchRevInclude"].end());
  EXPECT_TRUE(revIncludes.count("Provenance:target"));
  // The US Core profiles Flint validates, per type and version; $validate on every type.
  const std::string usCore = "http://hl7.org/fhir/us/core/StructureDefinition/";
  std::set<std::string> observationProfiles(observation["supportedProfile"].begin(), observation["supportedProfile"].end());
  for (const char* p : {"us-core-bmi|6.1.0", "us-core-bmi|7.0.0", "us-core-observation-lab|7.0.0",
                        "us-core-observation-screening-assessment|6.1.0", "us-core-average-blood-pressure|7.0.0"})
    EXPECT_TRUE(observationProfiles.count(usCore + p)) << p;
  EXPECT_FALSE(observationProfiles.count(usCore + "us-core-average-blood-pressure|6.1.0")) << "new in 7.0";
  EXPECT_EQ(patient["supportedProfile"], json::array({usCore + "us-core-patient|6.1.0", usCore + "us-core-patient|7.0.0"}));
  for (const auto& r : rest["resource"]) {
    EXPECT_EQ(r["operation"].back()["name"], "validate") << r["type"];
    if (r["type"] == "Basic") EXPECT_FALSE(r.contains("supportedProfile"));
  }
  EXPECT_EQ(rest["compartment"][0], "http://hl7.org/fhir/CompartmentDefinition/patient");
  std::set<std::string> system;
  for (const auto& i : rest["interaction"]) system.insert(i["code"]);
  EXPECT_EQ(system, (std::set<std::string>{"transaction", "batch", "search-system", "history-system"}));
}

TEST(Metadata, IsPublicAndPerInstance) {
  std::string a = createInstance("meta-a");
  std::string b = createInstance("meta-b");
  auto c = client();
  auto ca = parseJson(c.Get("/" + a + "/fhir/metadata")->body);
  auto cb = parseJson(c.Get("/" + b + "/fhir/metadata")->body);
  EXPECT_NE(ca["implementation"]["url"], cb["implementation"]["url"]);
  EXPECT_EQ(c.Get("/no-such-instance/fhir/metadata")->status, 404);
}
