// The public service-base-URL directory (checklist §5 DIR-01..DIR-07) against a real server: the
// Bundle's content and FHIR validity, references resolving inside it, every address answering
// /metadata without a token, instances appearing and disappearing as they change (on every
// process), the change log, ETag/304, CORS, the brand view and the SMART brand fields.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {
namespace {

using nlohmann::json;

const std::string kDirectory = "/directory/service-base-urls";

// An instance of a practice with a patient portal (so listed), created through the admin API.
std::string createPractice(const std::string& prefix, const json& organization, bool portal = true) {
  const std::string name = uniqueInstanceName(prefix);
  json body = {{"name", name}, {"organization", organization}, {"patientPortal", portal}};
  auto res = client().Post("/admin/instances", admin(), body.dump(), "application/json");
  EXPECT_EQ(res->status, 201) << res->body;
  return name;
}

httplib::Result patch(const std::string& instance, const json& body) {
  return client().Patch("/admin/instances/" + instance, admin(), body.dump(), "application/json");
}

json directoryOf(const FlintServer& server = sharedServer(), const std::string& query = "") {
  auto res = client(server).Get(kDirectory + query);
  EXPECT_EQ(res->status, 200);
  return json::parse(res->body);
}

// The entry whose resource is `type`/`id`, or null.
json entryOf(const json& bundle, const std::string& type, const std::string& id) {
  for (const auto& entry : bundle["entry"])
    if (entry["resource"]["resourceType"] == type && entry["resource"]["id"] == id) return entry;
  return nullptr;
}

bool listed(const json& bundle, const std::string& instance) { return !entryOf(bundle, "Endpoint", instance).is_null(); }

// Waits (up to `limit`) until the directory served by `server` lists `instance` or not.
bool becomes(const FlintServer& server, const std::string& instance, bool wanted,
             std::chrono::milliseconds limit = std::chrono::milliseconds(1500)) {
  for (auto until = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < until;) {
    if (listed(directoryOf(server), instance) == wanted) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

const json kAddress = {{"line", {"1 Main Street"}}, {"city", "Springfield"}, {"state", "IL"},
                       {"postalCode", "62701"}, {"country", "US"}};

TEST(Directory, ListsEveryPublishedPracticeAsValidFhirWithoutAToken) {
  const std::string practice =
      createPractice("dir-a", {{"name", "Springfield Family Practice"}, {"npi", "1234567893"}, {"address", kAddress}});
  const std::string hidden = createPractice("dir-b", {{"name", "No Portal Clinic"}}, false);
  auto res = client().Get(kDirectory);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/fhir+json");
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(res->get_header_value("ETag").rfind("W/\"", 0), 0u);
  EXPECT_FALSE(res->get_header_value("Last-Modified").empty());
  const json bundle = json::parse(res->body);
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "collection");
  EXPECT_TRUE(bundle.contains("timestamp"));
  EXPECT_EQ(client().Get(kDirectory + ".json")->body, res->body);

  const json endpoint = entryOf(bundle, "Endpoint", practice)["resource"];
  ASSERT_FALSE(endpoint.is_null());
  EXPECT_EQ(endpoint["status"], "active");
  EXPECT_EQ(endpoint["connectionType"]["system"], "http://terminology.hl7.org/CodeSystem/endpoint-connection-type");
  EXPECT_EQ(endpoint["connectionType"]["code"], "hl7-fhir-rest");
  EXPECT_EQ(endpoint["payloadType"][0]["coding"][0]["code"], "none");
  EXPECT_EQ(endpoint["payloadMimeType"], json::array({"application/fhir+json"}));
  EXPECT_EQ(endpoint["address"], sharedServer().baseUrl() + "/" + practice + "/fhir");
  EXPECT_EQ(endpoint["extension"][0]["url"], "http://hl7.org/fhir/StructureDefinition/endpoint-fhir-version");
  EXPECT_EQ(endpoint["extension"][0]["valueCode"], "4.0.1");
  EXPECT_TRUE(endpoint["meta"].contains("lastUpdated"));
  // Its contact is the public API documentation, which answers without a token.
  EXPECT_EQ(endpoint["contact"][0], json({{"system", "url"}, {"value", sharedServer().baseUrl() + "/docs"}}));
  auto docs = client().Get("/docs");
  EXPECT_EQ(docs->status, 200);
  EXPECT_EQ(docs->get_header_value("Content-Type"), "text/html;charset=utf-8");
  EXPECT_EQ(client().Post("/docs", "", "text/plain")->status, 405);
  const json organization = entryOf(bundle, "Organization", practice)["resource"];
  ASSERT_FALSE(organization.is_null());
  EXPECT_EQ(organization["name"], "Springfield Family Practice");
  EXPECT_EQ(organization["active"], true);
  EXPECT_EQ(organization["address"][0], kAddress);
  bool npi = false;
  for (const auto& identifier : organization["identifier"])
    npi |= identifier["system"] == "http://hl7.org/fhir/sid/us-npi" && identifier["value"] == "1234567893";
  EXPECT_TRUE(npi);
  EXPECT_FALSE(listed(bundle, hidden));
  EXPECT_TRUE(entryOf(bundle, "Organization", hidden).is_null());

  // Every reference resolves to an entry of the Bundle (relative to the entry's fullUrl base),
  // and every fullUrl answers with its resource.
  std::set<std::string> fullUrls;
  for (const auto& entry : bundle["entry"]) fullUrls.insert(entry["fullUrl"]);
  std::function<void(const json&, const std::string&)> check = [&](const json& value, const std::string& base) {
    if (value.is_object()) {
      if (value.contains("reference")) EXPECT_TRUE(fullUrls.count(base + value["reference"].get<std::string>())) << value;
      for (const auto& [key, member] : value.items()) check(member, base);
    } else if (value.is_array()) {
      for (const auto& item : value) check(item, base);
    }
  };
  for (const auto& entry : bundle["entry"]) {
    const std::string fullUrl = entry["fullUrl"];
    const std::string typeAndId = entry["resource"]["resourceType"].get<std::string>() + "/" +
                                  entry["resource"]["id"].get<std::string>();
    ASSERT_EQ(fullUrl.size() > typeAndId.size() && fullUrl.substr(fullUrl.size() - typeAndId.size()) == typeAndId, true)
        << fullUrl;
    check(entry["resource"], fullUrl.substr(0, fullUrl.size() - typeAndId.size()));
  }
  auto own = client().Get(entryOf(bundle, "Organization", practice)["fullUrl"].get<std::string>().substr(
      sharedServer().baseUrl().size()));
  ASSERT_EQ(own->status, 200);
  EXPECT_EQ(json::parse(own->body), organization);
  EXPECT_EQ(client().Get("/directory/Organization/no-such-practice")->status, 404);

  // Valid R4: the server's own validator accepts the Bundle and each of the practice's resources.
  const std::string open = "/" + createInstance("dir-validate") + "/fhir";
  auto stored = client().Post(open + "/Bundle", bundle.dump(), "application/fhir+json");
  EXPECT_EQ(stored->status, 201) << stored->body;
  for (const auto& resource : {organization, endpoint}) {
    json fresh = resource;
    fresh.erase("id");
    fresh.erase("meta");
    auto created = client().Post(open + "/" + resource["resourceType"].get<std::string>(), fresh.dump(),
                                 "application/fhir+json");
    EXPECT_EQ(created->status, 201) << created->body;
  }
}

// DIR-04: each address is a FHIR base that answers /metadata without a token.
TEST(Directory, EveryAddressAnswersMetadataWithoutAToken) {
  createPractice("dir-meta", {{"name", "Metadata Practice"}});
  const json bundle = directoryOf();
  int endpoints = 0;
  for (const auto& entry : bundle["entry"]) {
    if (entry["resource"]["resourceType"] != "Endpoint") continue;
    ++endpoints;
    const std::string address = entry["resource"]["address"];
    ASSERT_EQ(address.rfind(sharedServer().baseUrl(), 0), 0u) << address;
    auto res = client().Get(address.substr(sharedServer().baseUrl().size()) + "/metadata");
    // Another suite may have disabled its instance meanwhile: then the directory no longer has it.
    if (res->status != 200 && !listed(directoryOf(), entry["resource"]["id"])) continue;
    EXPECT_EQ(res->status, 200) << address;
    EXPECT_EQ(json::parse(res->body)["resourceType"], "CapabilityStatement") << address;
  }
  EXPECT_GE(endpoints, 1);
}

// The directory follows its instances (on every process within a second), and each change is
// recorded with who made it.
TEST(Directory, ChangesReachEveryProcessAndAreRecorded) {
  const std::string practice = createPractice("dir-live", {{"name", "Live Practice"}});
  FlintServer other;
  EXPECT_TRUE(listed(directoryOf(), practice));  // the process that made the change: at once
  EXPECT_TRUE(becomes(other, practice, true));

  ASSERT_EQ(client().Post("/admin/instances/" + practice + "/disable", admin(), "", "application/json")->status, 200);
  EXPECT_FALSE(listed(directoryOf(), practice));
  EXPECT_TRUE(becomes(other, practice, false));
  EXPECT_EQ(client().Get("/directory/Endpoint/" + practice)->status, 404);
  ASSERT_EQ(client().Post("/admin/instances/" + practice + "/enable", admin(), "", "application/json")->status, 200);
  EXPECT_TRUE(becomes(other, practice, true));

  // Edits: organisation, NPI, address, locations, portal.
  auto edited = patch(practice, {{"organization",
                                  {{"name", "Live Practice West"},
                                   {"npi", "1245319599"},
                                   {"address", kAddress},
                                   {"locations", {{{"name", "West Clinic"}, {"address", kAddress}},
                                                  {{"name", "Annex"}}}}}}});
  ASSERT_EQ(edited->status, 200) << edited->body;
  EXPECT_EQ(json::parse(edited->body)["organization"]["name"], "Live Practice West");
  json bundle = directoryOf();
  EXPECT_EQ(entryOf(bundle, "Organization", practice)["resource"]["name"], "Live Practice West");
  const json location = entryOf(bundle, "Location", practice + "-1")["resource"];
  ASSERT_FALSE(location.is_null());
  EXPECT_EQ(location["name"], "West Clinic");
  EXPECT_EQ(location["managingOrganization"]["reference"], "Organization/" + practice);
  EXPECT_FALSE(entryOf(bundle, "Location", practice + "-2").is_null());
  ASSERT_EQ(patch(practice, {{"patientPortal", false}})->status, 200);
  EXPECT_FALSE(listed(directoryOf(), practice));
  EXPECT_TRUE(becomes(other, practice, false));
  ASSERT_EQ(patch(practice, {{"patientPortal", true}, {"organization", {{"npi", nullptr}, {"locations", nullptr}}}})->status,
            200);
  bundle = directoryOf();
  EXPECT_TRUE(entryOf(bundle, "Location", practice + "-1").is_null());
  EXPECT_EQ(entryOf(bundle, "Organization", practice)["resource"]["identifier"].size(), 1u);

  // A practice part of another: partOf resolves in the Bundle; no cycles, no unknown parents.
  const std::string branch = createPractice("dir-branch", {{"name", "Branch Practice"}});
  ASSERT_EQ(patch(branch, {{"organization", {{"partOf", practice}}}})->status, 200);
  EXPECT_EQ(entryOf(directoryOf(), "Organization", branch)["resource"]["partOf"]["reference"],
            "Organization/" + practice);
  EXPECT_EQ(patch(practice, {{"organization", {{"partOf", branch}}}})->status, 400);
  EXPECT_EQ(patch(practice, {{"organization", {{"partOf", practice}}}})->status, 400);
  EXPECT_EQ(patch(practice, {{"organization", {{"partOf", "no-such-instance"}}}})->status, 400);

  // Bad edits change nothing.
  const std::string before = client().Get("/admin/instances/" + practice, admin())->body;
  for (const json& bad : {json{{"organization", {{"npi", "12345"}}}}, json{{"organization", {{"name", ""}}}},
                          json{{"organization", {{"address", {{"city", 5}}}}}},
                          json{{"organization", {{"address", {{"colour", "blue"}}}}}},
                          json{{"organization", {{"locations", {{{"address", kAddress}}}}}}},
                          json{{"organization", {{"locations", "West"}}}}, json{{"patientPortal", "yes"}},
                          json{{"openAccess", true}}, json{{"name", "renamed"}}, json::array()}) {
    auto res = patch(practice, bad);
    EXPECT_EQ(res->status, 400) << bad << res->body;
    EXPECT_EQ(json::parse(res->body)["resourceType"], "OperationOutcome");
  }
  EXPECT_EQ(client().Patch("/admin/instances/" + practice, admin(), "{not json", "application/json")->status, 400);
  EXPECT_EQ(client().Get("/admin/instances/" + practice, admin())->body, before);
  EXPECT_EQ(patch("no-such-instance", {{"patientPortal", true}})->status, 404);
  EXPECT_EQ(client().Delete("/admin/instances/" + practice, admin())->status, 405);
  EXPECT_EQ(client().Patch("/admin/instances/" + practice, R"({"patientPortal":false})", "application/json")->status,
            401);
  EXPECT_TRUE(listed(directoryOf(), practice));

  // The change log: what, when and who, newest first; the CLI records itself as the actor.
  std::string out;
  ASSERT_EQ(runFlint({"instance", "disable", practice}, &out), 0) << out;
  auto changes = client().Get("/admin/directory/changes?instance=" + practice, admin());
  ASSERT_EQ(changes->status, 200);
  const json log = json::parse(changes->body);
  std::vector<std::string> actions;
  for (const auto& change : log) actions.push_back(change["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"disabled", "edited", "edited", "edited", "enabled", "disabled", "created"}));
  EXPECT_EQ(log[0]["actor"].get<std::string>().rfind("cli (", 0), 0u);
  EXPECT_EQ(log[1]["actor"], "admin API");
  EXPECT_EQ(log[1]["changes"]["patientPortal"], json({{"from", false}, {"to", true}}));
  EXPECT_EQ(log[1]["changes"]["npi"], json({{"from", "1245319599"}, {"to", nullptr}}));
  EXPECT_FALSE(log[1]["changes"].contains("organizationName"));
  EXPECT_EQ(client().Get("/admin/directory/changes")->status, 401);
  EXPECT_EQ(client().Get("/admin/directory/changes?limit=0", admin())->status, 400);
  ASSERT_EQ(runFlint({"directory", "changes", "--instance", practice, "--limit", "2"}, &out), 0) << out;
  EXPECT_NE(out.find("\tdisabled\tcli ("), std::string::npos) << out;
  EXPECT_NE(out.find("\tedited\tadmin API\t"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"directory", "changes", "--limit", "lots"}, &out), 1);
  EXPECT_NE(out.find("--limit must be a whole number"), std::string::npos) << out;
  ASSERT_EQ(runFlint({"directory", "show"}, &out), 0) << out;
  EXPECT_NE(out.find("\"id\":\"" + branch + "\""), std::string::npos);
  EXPECT_EQ(out.find("\"id\":\"" + practice + "\""), std::string::npos);  // disabled
}

TEST(Directory, ConditionalRequestsCorsAndCompression) {
  auto first = client().Get(kDirectory);
  const std::string etag = first->get_header_value("ETag");
  // Raw requests for the 304: cpp-httplib 0.11 waits for a body after one, which has none.
  auto conditional = [&](const std::string& ifNoneMatch) {
    return rawExchange(sharedServer().port(), "GET " + kDirectory + " HTTP/1.1\r\nHost: x\r\nIf-None-Match: " +
                                                  ifNoneMatch + "\r\nConnection: close\r\n\r\n");
  };
  const std::string again = conditional(etag);
  EXPECT_EQ(again.rfind("HTTP/1.1 304 Not Modified\r\n", 0), 0u) << again;
  EXPECT_EQ(again.substr(again.size() - 4), "\r\n\r\n");  // no body
  EXPECT_NE(again.find("ETag: " + etag), std::string::npos);
  EXPECT_EQ(conditional("W/\"other\", " + etag).rfind("HTTP/1.1 304", 0), 0u);
  EXPECT_EQ(conditional("W/\"other\"").rfind("HTTP/1.1 200", 0), 0u);
  createPractice("dir-etag", {{"name", "ETag Practice"}});
  EXPECT_EQ(conditional(etag).rfind("HTTP/1.1 200", 0), 0u);
  auto changed = client().Get(kDirectory);
  EXPECT_NE(changed->get_header_value("ETag"), etag);

  auto preflight = client().Options(kDirectory, {{"Origin", "https://app.example"},
                                                 {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(client().Post(kDirectory, "{}", "application/json")->status, 405);
  EXPECT_EQ(client().Get(kDirectory + "?_format=xml")->status, 400);
  EXPECT_EQ(client().Get("/directory/nothing-here")->status, 404);

  // httplib decompresses what it asked gzip for: the same Bundle, smaller on the wire.
  auto c = client();
  c.set_decompress(false);
  auto gzipped = c.Get(kDirectory, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gzipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_LT(gzipped->body.size(), changed->body.size());
  auto plain = client();
  auto decoded = plain.Get(kDirectory, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(json::parse(decoded->body), json::parse(client().Get(kDirectory)->body));
}

// SMART User-access Brands: each listed instance's smart-configuration names the directory and
// its Organization's identifier, and the brand view holds just that practice.
TEST(Directory, SmartConfigurationNamesTheBrandAndTheBrandViewHoldsIt) {
  const std::string practice = createPractice("dir-brand", {{"name", "Brand Practice"}, {"npi", "1497758544"}});
  const json config =
      json::parse(client().Get("/" + practice + "/fhir/.well-known/smart-configuration")->body);
  EXPECT_EQ(config["user_access_brand_bundle"], sharedServer().baseUrl() + kDirectory);
  const json brand = config["user_access_brand_identifier"];
  int matching = 0;
  const json bundle = directoryOf();
  for (const auto& entry : bundle["entry"])
    for (const auto& identifier : entry["resource"].value("identifier", json::array()))
      matching += identifier == brand;
  EXPECT_EQ(matching, 1) << brand;

  for (const std::string& query : std::vector<std::string>{
           "?organization=1497758544", "?organization=http://hl7.org/fhir/sid/us-npi|1497758544",
           "?organization=" + httplib::detail::encode_query_param(brand["value"].get<std::string>())}) {
    const json view = directoryOf(sharedServer(), query);
    std::set<std::string> resources;
    for (const auto& entry : view["entry"])
      resources.insert(entry["resource"]["resourceType"].get<std::string>() + "/" + entry["resource"]["id"].get<std::string>());
    EXPECT_EQ(resources, (std::set<std::string>{"Organization/" + practice, "Endpoint/" + practice})) << query;
  }
  EXPECT_TRUE(directoryOf(sharedServer(), "?organization=0000000000")["entry"].empty());

  const std::string unlisted = createPractice("dir-nobrand", {{"name", "Unlisted"}}, false);
  const json plain = json::parse(client().Get("/" + unlisted + "/fhir/.well-known/smart-configuration")->body);
  EXPECT_FALSE(plain.contains("user_access_brand_bundle"));
  EXPECT_FALSE(plain.contains("user_access_brand_identifier"));
}

}  // namespace
}  // namespace flint::testing
