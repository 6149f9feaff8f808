// Bulk Data export 2.0 (checklist §1 BULK-*, §4 BK-*) against a real server: kick-off at every
// level with its parameters and refusals, polling, the manifest, files byte-identical to REST
// reads, Range requests, cancellation, scopes inside the export, consistency as of the
// transaction time, and jobs that any process runs and that survive a killed process.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/jwt_signer.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {
namespace {

using nlohmann::json;

// A secured instance seeded with a few synthetic patients, and a backend client of it.
struct ExportFixture {
  Backend backend{"system/*.cruds"};
  std::string token;
  explicit ExportFixture(int patients = 3) {
    std::string out;
    if (runFlint({"seed", "--instance", backend.instance, "--patients", std::to_string(patients), "--seed", "11"},
                 &out) != 0)
      throw std::runtime_error("seed: " + out);
    token = backend.token("system/*.rs");
  }
  std::string base() const { return "/" + backend.instance + "/fhir"; }
};

httplib::Headers kickOffHeaders(const std::string& token) {
  httplib::Headers h{{"Accept", "application/fhir+json"}, {"Prefer", "respond-async"}};
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return h;
}

// The server-relative path of an absolute URL this server gave out.
std::string pathOf(const std::string& url, const FlintServer& server = sharedServer()) {
  EXPECT_EQ(url.rfind(server.baseUrl(), 0), 0u) << url;
  return url.substr(server.baseUrl().size());
}

// Kicks off `path` and returns the polling URL (asserting 202 and an absolute Content-Location).
std::string kickOff(const std::string& path, const std::string& token, const FlintServer& server = sharedServer()) {
  auto res = client(server).Get(path, kickOffHeaders(token));
  EXPECT_TRUE(res);
  if (!res) return "";
  EXPECT_EQ(res->status, 202) << res->body;
  std::string location = res->get_header_value("Content-Location");
  EXPECT_EQ(location.rfind("http://", 0), 0u) << location;
  return location;
}

httplib::Headers polling(const std::string& token) {
  httplib::Headers h{{"Accept", "application/json"}};
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return h;
}

// Polls as a client should (Retry-After) until the export completes; the manifest.
json waitForManifest(const std::string& url, const std::string& token, const FlintServer& server = sharedServer()) {
  auto c = client(server);
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(90);
       std::chrono::steady_clock::now() < until;) {
    auto res = c.Get(pathOf(url, server), polling(token));
    if (!res) throw std::runtime_error("no answer while polling");
    if (res->status == 200) {
      EXPECT_EQ(res->get_header_value("Content-Type").rfind("application/json", 0), 0u);
      EXPECT_FALSE(res->get_header_value("Expires").empty());
      return json::parse(res->body);
    }
    if (res->status != 202) throw std::runtime_error("polling: " + std::to_string(res->status) + " " + res->body);
    std::this_thread::sleep_for(std::chrono::seconds(std::stoi(res->get_header_value("Retry-After"))));
  }
  throw std::runtime_error("the export did not complete");
}

std::vector<std::string> linesOf(const std::string& body) {
  std::vector<std::string> lines;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every exported resource by type, downloading each file of the manifest.
std::map<std::string, std::vector<std::string>> download(const json& manifest, const std::string& token) {
  std::map<std::string, std::vector<std::string>> byType;
  for (const auto& file : manifest["output"]) {
    auto res = client().Get(pathOf(file["url"]), {{"Authorization", "Bearer " + token},
                                                  {"Accept", "application/fhir+ndjson"}});
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/fhir+ndjson");
    EXPECT_EQ(res->body.back(), '\n');
    auto lines = linesOf(res->body);
    EXPECT_EQ(static_cast<int64_t>(lines.size()), file["count"].get<int64_t>());
    for (auto& line : lines) {
      EXPECT_EQ(json::parse(line)["resourceType"], file["type"]) << line;
      byType[file["type"]].push_back(std::move(line));
    }
  }
  return byType;
}

// The diagnostics of the export's error file (none when the manifest lists no error file),
// checking that each line is an OperationOutcome.
std::vector<std::string> errorsOf(const json& manifest, const std::string& token) {
  std::vector<std::string> diagnostics;
  EXPECT_LE(manifest["error"].size(), 1u);
  for (const auto& file : manifest["error"]) {
    EXPECT_EQ(file["type"], "OperationOutcome");
    auto res = client().Get(pathOf(file["url"]), {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/fhir+ndjson");
    EXPECT_EQ(client().Get(pathOf(file["url"]))->status, 401);
    const auto lines = linesOf(res->body);
    EXPECT_EQ(static_cast<int64_t>(lines.size()), file["count"].get<int64_t>());
    for (const auto& line : lines) {
      const json outcome = json::parse(line);
      EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
      diagnostics.push_back(outcome["issue"][0]["diagnostics"]);
    }
  }
  return diagnostics;
}

bool mentions(const std::vector<std::string>& diagnostics, const std::string& text) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [&](const std::string& d) { return d.find(text) != std::string::npos; });
}

// A Group of `members` on the fixture's instance; its id.
std::string createGroup(ExportFixture& f, const std::vector<std::string>& members) {
  json group = {{"resourceType", "Group"}, {"type", "person"}, {"actual", true}, {"member", json::array()}};
  for (const auto& id : members) group["member"].push_back({{"entity", {{"reference", "Patient/" + id}}}});
  auto created = client().Post(f.base() + "/Group", bearer(f.backend.token("system/Group.cruds")), group.dump(),
                               "application/fhir+json");
  EXPECT_EQ(created->status, 201) << created->body;
  return json::parse(created->body)["id"];
}

std::set<std::string> idsOf(const std::vector<std::string>& lines) {
  std::set<std::string> ids;
  for (const auto& line : lines) ids.insert(json::parse(line)["id"].get<std::string>());
  return ids;
}

std::set<std::string> searchIds(const std::string& path, const std::string& token) {
  auto c = client();
  c.set_default_headers(bearer(token));
  std::set<std::string> ids;
  for (const auto& entry : entriesOf(followPages(c, path, 200))) ids.insert(entry["resource"]["id"].get<std::string>());
  return ids;
}

// The ids of the instance's Provenances with a target among `references` ("Type/id").
std::set<std::string> provenancesTargeting(const ExportFixture& f, const std::set<std::string>& references) {
  auto c = client();
  c.set_default_headers(bearer(f.token));
  std::set<std::string> ids;
  for (const auto& entry : entriesOf(followPages(c, f.base() + "/Provenance?_count=500", 200)))
    for (const auto& target : entry["resource"]["target"])
      if (references.count(target.value("reference", ""))) ids.insert(entry["resource"]["id"].get<std::string>());
  return ids;
}

// Every test server runs no exports (FLINT_EXPORT_WORKERS=0, tests/CMakeLists.txt), so a job
// stays queued until a test starts a process that runs them.
std::unique_ptr<FlintServer> exportRunner() {
  return std::make_unique<FlintServer>(std::vector<std::string>{"--export-workers", "1"});
}

// Operators see and cancel any client's exports (admin API and CLI); other instances' never.
TEST(BulkExport, OperatorsListAndCancelExports) {
  ExportFixture f;
  const std::string url = kickOff(f.base() + "/$export?_type=Patient", f.token);
  const std::string job = url.substr(url.rfind('/') + 1);
  auto listed = client().Get("/admin/instances/" + f.backend.instance + "/exports", admin());
  ASSERT_EQ(listed->status, 200);
  const json jobs = json::parse(listed->body);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["id"], job);
  EXPECT_EQ(jobs[0]["clientId"], f.backend.clientId);
  EXPECT_EQ(jobs[0]["level"], "system");
  EXPECT_EQ(jobs[0]["types"], json::array({"Patient"}));
  EXPECT_EQ(jobs[0]["state"], "queued");
  EXPECT_EQ(client().Get("/admin/instances/" + f.backend.instance + "/exports")->status, 401);
  Backend other;
  EXPECT_EQ(json::parse(client().Get("/admin/instances/" + other.instance + "/exports", admin())->body), json::array());
  EXPECT_EQ(client().Delete("/admin/instances/" + other.instance + "/exports/" + job, admin())->status, 404);

  std::string out;
  ASSERT_EQ(runFlint({"export", "list", "--instance", f.backend.instance}, &out), 0);
  EXPECT_NE(out.find(job + "\t"), std::string::npos) << out;
  EXPECT_NE(out.find("\tqueued\t" + f.backend.clientId + "\tsystem\t0\tPatient"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"export", "cancel", "--instance", f.backend.instance, "nope"}, &out), 1);
  ASSERT_EQ(runFlint({"export", "cancel", "--instance", f.backend.instance, job}, &out), 0) << out;
  EXPECT_EQ(client().Get(pathOf(url), polling(f.token))->status, 404);
  EXPECT_EQ(runFlint({"export", "list", "--instance", "no-such-instance"}, &out), 1);

  const std::string second = kickOff(f.base() + "/$export?_type=Patient", f.token);
  auto cancelled = client().Delete("/admin/instances/" + f.backend.instance + "/exports/" +
                                       second.substr(second.rfind('/') + 1), admin());
  EXPECT_EQ(cancelled->status, 202);
  EXPECT_EQ(client().Get(pathOf(second), polling(f.token))->status, 404);
}

// BULK-CS-01, BK-40: what the certification kit looks for, and Group readable and searchable so
// that clients can find the ids of groups to export.
TEST(BulkExport, TheCapabilityStatementDeclaresTheExportOperationsAndGroupsCanBeFound) {
  const std::string base = "/" + createInstance("bulk-cs") + "/fhir";
  const json cs = json::parse(client().Get(base + "/metadata")->body);
  std::set<std::string> instantiates(cs["instantiates"].begin(), cs["instantiates"].end());
  EXPECT_TRUE(instantiates.count("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"));
  const json& rest = cs["rest"][0];
  EXPECT_EQ(rest["operation"], json::parse(R"([{"name":"export",
      "definition":"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}])"));
  std::map<std::string, json> byType;
  for (const auto& r : rest["resource"]) byType[r["type"]] = r;
  auto exportOf = [&](const std::string& type) {
    for (const auto& op : byType[type]["operation"])
      if (op["name"] == "export") return op["definition"].get<std::string>();
    return std::string();
  };
  EXPECT_EQ(exportOf("Group"), "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export");
  EXPECT_EQ(exportOf("Patient"), "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export");
  std::set<std::string> interactions, params;
  for (const auto& i : byType["Group"]["interaction"]) interactions.insert(i["code"]);
  for (const auto& p : byType["Group"]["searchParam"]) params.insert(p["name"]);
  EXPECT_TRUE(interactions.count("read") && interactions.count("search-type"));
  EXPECT_TRUE(params.count("identifier") && params.count("characteristic") && params.count("member") &&
              params.count("name"));
  // Clients find the Group to export by its name (a string search: prefix, any case).
  auto created = client().Post(base + "/Group", R"({"resourceType":"Group","type":"person","actual":true,
      "name":"Diabetes Cohort","identifier":[{"system":"urn:cohorts","value":"d-1"}]})", "application/fhir+json");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id = json::parse(created->body)["id"];
  auto found = [&](const std::string& query) {
    auto bundle = json::parse(client().Get(base + "/Group?" + query)->body);
    std::set<std::string> ids;
    for (const auto& entry : bundle.value("entry", json::array())) ids.insert(entry["resource"]["id"]);
    return ids;
  };
  EXPECT_EQ(found("name=diabetes"), std::set<std::string>{id});
  EXPECT_EQ(found("name:exact=Diabetes%20Cohort"), std::set<std::string>{id});
  EXPECT_TRUE(found("name=cohort").empty());
  EXPECT_EQ(found("identifier=urn:cohorts|d-1"), std::set<std::string>{id});
}

TEST(BulkExport, KickOffNeedsATokenAndAnswersWithAnAbsolutePollingUrl) {
  ExportFixture f;
  for (const std::string path : {f.base() + "/$export", f.base() + "/Patient/$export"}) {
    auto anonymous = client().Get(path, kickOffHeaders(""));
    EXPECT_EQ(anonymous->status, 401) << path;
    EXPECT_EQ(json::parse(anonymous->body)["resourceType"], "OperationOutcome");
    auto forged = client().Get(path, kickOffHeaders("not-a-token"));
    EXPECT_EQ(forged->status, 401) << path;
  }
  const std::string url = kickOff(f.base() + "/$export", f.token);
  EXPECT_NE(url.find("/" + f.backend.instance + "/bulk/"), std::string::npos);
  // POST with a Parameters resource kicks off too.
  auto posted = client().Post(f.base() + "/Patient/$export", kickOffHeaders(f.token),
                              R"({"resourceType":"Parameters","parameter":[{"name":"_type","valueString":"Patient"}]})",
                              "application/fhir+json");
  EXPECT_EQ(posted->status, 202) << posted->body;
  EXPECT_EQ(client().Put(f.base() + "/$export", kickOffHeaders(f.token), "", "application/fhir+json")->status, 405);
  // Malformed kick-offs are refused with an OperationOutcome, and queue nothing.
  auto refused = [&](const std::string& path, const std::string& body, const std::string& type) {
    auto res = client().Post(path, kickOffHeaders(f.token), body, type);
    EXPECT_EQ(json::parse(res->body)["resourceType"], "OperationOutcome") << body;
    return res->status;
  };
  const std::string patients = f.base() + "/Patient/$export";
  EXPECT_EQ(refused(patients, "{not json", "application/fhir+json"), 400);
  EXPECT_EQ(refused(patients, R"({"resourceType":"Patient"})", "application/fhir+json"), 400);
  EXPECT_EQ(refused(patients, R"({"resourceType":"Parameters","parameter":{"name":"_type"}})", "application/fhir+json"), 400);
  EXPECT_EQ(refused(patients, R"({"resourceType":"Parameters","parameter":[{"valueString":"Patient"}]})",
                    "application/fhir+json"),
            400);
  EXPECT_EQ(refused(patients,
                    R"({"resourceType":"Parameters","parameter":[{"name":"patient","valueReference":{"reference":"Observation/1"}}]})",
                    "application/fhir+json"),
            400);
  EXPECT_EQ(refused(f.base() + "/$export",
                    R"({"resourceType":"Parameters","parameter":[{"name":"patient","valueReference":{"reference":"Patient/1"}}]})",
                    "application/fhir+json"),
            400);
  EXPECT_EQ(refused(patients, "_type=Patient", "text/plain"), 415);
  EXPECT_EQ(client().Get(f.base() + "/Patient/$export?patient=Patient/1", kickOffHeaders(f.token))->status, 400);
  EXPECT_EQ(client().Get(f.base() + "/Group/bad%20id/$export", kickOffHeaders(f.token))->status, 400);
  auto listed = client().Get("/admin/instances/" + f.backend.instance + "/exports", admin());
  EXPECT_EQ(json::parse(listed->body).size(), 2u);  // the GET and POST kicked off above, nothing more
}

TEST(BulkExport, ASystemExportWritesEveryResourceOnceAsARestReadReturnsIt) {
  ExportFixture f;
  auto runner = exportRunner();
  const std::string url = kickOff(f.base() + "/$export", f.token);
  json manifest = waitForManifest(url, f.token);
  for (const char* key : {"transactionTime", "request", "requiresAccessToken", "output", "error"})
    EXPECT_TRUE(manifest.contains(key)) << key;
  EXPECT_EQ(manifest["request"], publicBase() + f.base() + "/$export");
  EXPECT_EQ(manifest["requiresAccessToken"], true);
  EXPECT_EQ(manifest["error"], json::array());
  std::set<std::string> types;
  for (const auto& file : manifest["output"]) {
    EXPECT_EQ(file["url"].get<std::string>().rfind("http://", 0), 0u);
    types.insert(file["type"]);
  }
  for (const char* type : {"Patient", "Observation", "Encounter", "Organization", "Practitioner", "Location",
                           "Provenance", "Group"})
    EXPECT_TRUE(types.count(type)) << type;

  auto byType = download(manifest, f.token);
  for (const char* type : {"Patient", "Encounter", "Condition", "Practitioner"})
    EXPECT_EQ(idsOf(byType[type]), searchIds(f.base() + "/" + type + "?_count=500", f.token)) << type;
  const auto& observations = byType["Observation"];
  EXPECT_EQ(idsOf(observations).size(), observations.size());  // each once
  for (size_t i = 0; i < observations.size(); i += 25) {
    const std::string id = json::parse(observations[i])["id"];
    auto read = client().Get(f.base() + "/Observation/" + id, bearer(f.token));
    EXPECT_EQ(read->body, observations[i]);
  }
}

TEST(BulkExport, ParametersAreCheckedAndApplied) {
  ExportFixture f;
  auto runner = exportRunner();
  // As the certification kit does: each export accepted is cancelled at once.
  auto status = [&](const std::string& query, httplib::Headers extra = {}) {
    auto headers = kickOffHeaders(f.token);
    for (const auto& [name, value] : extra) headers.erase(name);
    headers.insert(extra.begin(), extra.end());
    auto res = client().Get(f.base() + "/$export" + query, headers);
    if (res->status == 202) EXPECT_EQ(client().Delete(pathOf(res->get_header_value("Content-Location")),
                                                      polling(f.token))->status, 202);
    return res->status;
  };
  for (const char* format : {"application%2Ffhir%2Bndjson", "application%2Fndjson", "ndjson"})
    EXPECT_EQ(status(std::string("?_type=Patient&_outputFormat=") + format), 202) << format;
  EXPECT_EQ(status("?_outputFormat=text%2Fcsv"), 400);
  EXPECT_EQ(status("?_since=yesterday"), 400);
  EXPECT_EQ(status("?_since=2024-01-01"), 400);  // a day, not an instant
  EXPECT_EQ(status("?_type=NotAType"), 400);
  EXPECT_EQ(status("?_typo=1"), 400);
  EXPECT_EQ(status("?_typo=1", {{"Prefer", "respond-async, handling=lenient"}}), 202);
  EXPECT_EQ(status("?includeAssociatedData=LatestProvenanceResources"), 202);
  EXPECT_EQ(status("?includeAssociatedData=_custom"), 400);  // refused, never ignored
  EXPECT_EQ(status("?_elements=Patient.name.given"), 400);
  EXPECT_EQ(status("?_elements=NotAType.name"), 400);
  EXPECT_EQ(status("?_typeFilter=Observation%3Fstatus%3Dfinal"), 202);
  EXPECT_EQ(status("?_typeFilter=Observation"), 400);
  EXPECT_EQ(status("?_typeFilter=Observation%3Fno-such-param%3D1"), 400);
  EXPECT_EQ(status("?_typeFilter=Observation%3F_include%3DObservation%3Asubject"), 400);
  EXPECT_EQ(status("?_typeFilter=Observation%3F_sort%3Ddate"), 400);
  EXPECT_EQ(status("?_type=Patient&_typeFilter=Observation%3Fstatus%3Dfinal"), 400);

  // _type, repeated and comma-separated, is one list; _since keeps what changed after it.
  auto created = client().Post(f.base() + "/Patient", bearer(f.backend.token("system/Patient.cruds")),
                               R"({"resourceType":"Patient","name":[{"family":"Later"}]})", "application/fhir+json");
  ASSERT_EQ(created->status, 201);
  const json patient = json::parse(created->body);
  const std::string since = patient["meta"]["lastUpdated"];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  json manifest = waitForManifest(
      kickOff(f.base() + "/$export?_type=Patient&_type=Observation,Patient&_since=2000-01-01T00:00:00Z", f.token),
      f.token);
  std::set<std::string> types;
  for (const auto& file : manifest["output"]) types.insert(file["type"]);
  EXPECT_EQ(types, (std::set<std::string>{"Observation", "Patient"}));
  auto updated = client().Put(f.base() + "/Patient/" + patient["id"].get<std::string>(),
                              bearer(f.backend.token("system/Patient.cruds")),
                              R"({"resourceType":"Patient","id":")" + patient["id"].get<std::string>() +
                                  R"(","name":[{"family":"Later","given":["Again"]}]})",
                              "application/fhir+json");
  ASSERT_EQ(updated->status, 200);
  manifest = waitForManifest(
      kickOff(f.base() + "/$export?_type=Patient,Observation&_since=" + httplib::detail::encode_query_param(since),
              f.token),
      f.token);
  auto byType = download(manifest, f.token);
  EXPECT_EQ(idsOf(byType["Patient"]), std::set<std::string>{patient["id"]});
  EXPECT_TRUE(byType["Observation"].empty());
}

// With _since, deletions since then are reported in the manifest's `deleted` files, as
// transaction Bundles with a DELETE entry each; older deletions are not.
TEST(BulkExport, DeletionsSinceSinceAreReportedAsTransactionBundles) {
  ExportFixture f;
  auto runner = exportRunner();
  const std::string writer = f.backend.token("system/*.cruds");
  const auto patients = searchIds(f.base() + "/Patient", f.token);
  const std::string early = *patients.begin(), late = *std::next(patients.begin());
  ASSERT_EQ(client().Delete(f.base() + "/Patient/" + early, bearer(writer))->status, 204);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string since = json::parse(client().Post(f.base() + "/Basic", bearer(writer),
                                                      R"({"resourceType":"Basic","code":{"text":"mark"}})",
                                                      "application/fhir+json")
                                            ->body)["meta"]["lastUpdated"];
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(client().Delete(f.base() + "/Patient/" + late, bearer(writer))->status, 204);
  const std::string observation = *searchIds(f.base() + "/Observation?_count=1", f.token).begin();
  ASSERT_EQ(client().Delete(f.base() + "/Observation/" + observation, bearer(writer))->status, 204);

  const json manifest = waitForManifest(
      kickOff(f.base() + "/$export?_type=Patient,Observation&_since=" + httplib::detail::encode_query_param(since),
              f.token),
      f.token);
  ASSERT_TRUE(manifest.contains("deleted"));
  std::set<std::string> deleted;
  for (const auto& file : manifest["deleted"]) {
    EXPECT_EQ(file["type"], "Bundle");
    auto res = client().Get(pathOf(file["url"]), {{"Authorization", "Bearer " + f.token}});
    ASSERT_EQ(res->status, 200);
    for (const auto& line : linesOf(res->body)) {
      const json bundle = json::parse(line);
      EXPECT_EQ(bundle["resourceType"], "Bundle");
      EXPECT_EQ(bundle["type"], "transaction");
      ASSERT_EQ(bundle["entry"].size(), 1u);
      EXPECT_EQ(bundle["entry"][0]["request"]["method"], "DELETE");
      deleted.insert(bundle["entry"][0]["request"]["url"].get<std::string>());
    }
  }
  EXPECT_EQ(deleted, (std::set<std::string>{"Patient/" + late, "Observation/" + observation}));
  for (const auto& file : manifest["output"]) EXPECT_NE(file["type"], "Bundle");
  // Without _since there is nothing to compare with: no deleted array.
  EXPECT_FALSE(waitForManifest(kickOff(f.base() + "/$export?_type=Patient", f.token), f.token).contains("deleted"));
}

// includeAssociatedData=RelevantProvenanceResources: the Provenances of what is exported, even
// where Provenance was not asked for; none of anything else.
TEST(BulkExport, RelevantProvenancesComeWithWhatTheyTarget) {
  ExportFixture f;
  auto runner = exportRunner();
  auto byType = download(
      waitForManifest(
          kickOff(f.base() + "/$export?_type=Condition&includeAssociatedData=RelevantProvenanceResources", f.token),
          f.token),
      f.token);
  std::set<std::string> conditions;
  for (const auto& id : idsOf(byType["Condition"])) conditions.insert("Condition/" + id);
  ASSERT_FALSE(conditions.empty());
  const auto expected = provenancesTargeting(f, conditions);
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(idsOf(byType["Provenance"]), expected);
  EXPECT_EQ(byType.size(), 2u);
  // A token that cannot read Provenance cannot ask for them.
  auto refused = client().Get(f.base() + "/$export?_type=Condition&includeAssociatedData=RelevantProvenanceResources",
                              kickOffHeaders(f.backend.token("system/Condition.rs")));
  EXPECT_EQ(refused->status, 403);
}

// _elements: resources reduced to the elements asked for (and those every resource must keep),
// tagged SUBSETTED; "Type.name" applies to its type only, other types stay whole.
TEST(BulkExport, ElementsReduceTheResourcesTheyApplyTo) {
  ExportFixture f;
  auto runner = exportRunner();
  auto byType = download(
      waitForManifest(kickOff(f.base() + "/$export?_type=Patient,Encounter&_elements=Patient.gender,birthDate", f.token),
                      f.token),
      f.token);
  ASSERT_FALSE(byType["Patient"].empty());
  for (const auto& line : byType["Patient"]) {
    const json patient = json::parse(line);
    std::set<std::string> keys;
    for (const auto& [key, value] : patient.items()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"resourceType", "id", "meta", "gender", "birthDate"})) << line;
    bool subsetted = false;
    for (const auto& tag : patient["meta"]["tag"]) subsetted |= tag["code"] == "SUBSETTED";
    EXPECT_TRUE(subsetted) << line;
  }
  // Encounter.status and class are required (kept); birthDate does not exist on Encounter.
  for (const auto& line : byType["Encounter"]) {
    const json encounter = json::parse(line);
    EXPECT_TRUE(encounter.contains("status") && encounter.contains("class") && !encounter.contains("subject")) << line;
  }
}

// _typeFilter: a type's resources are those any of its searches finds; other types are whole.
TEST(BulkExport, TypeFiltersNarrowTheirTypesWithAnySearch) {
  ExportFixture f;
  auto runner = exportRunner();
  const std::string category = "http://terminology.hl7.org/CodeSystem/observation-category";
  const std::string filters = httplib::detail::encode_query_param(
      "Observation?category=" + category + "|laboratory,Observation?category=vital-signs&status=final");
  auto byType = download(
      waitForManifest(kickOff(f.base() + "/$export?_type=Observation,Patient&_typeFilter=" + filters, f.token), f.token),
      f.token);
  auto expected = searchIds(f.base() + "/Observation?category=laboratory&_count=1000", f.token);
  auto vitals = searchIds(f.base() + "/Observation?category=vital-signs&status=final&_count=1000", f.token);
  expected.insert(vitals.begin(), vitals.end());
  ASSERT_FALSE(vitals.empty());
  EXPECT_EQ(idsOf(byType["Observation"]), expected);
  EXPECT_LT(expected.size(), searchIds(f.base() + "/Observation?_count=1000", f.token).size());
  EXPECT_EQ(idsOf(byType["Patient"]), searchIds(f.base() + "/Patient", f.token));
}

TEST(BulkExport, PollingFilesAndCancellationBelongToTheClientThatStartedTheExport) {
  ExportFixture f;
  auto runner = exportRunner();
  const std::string url = kickOff(f.base() + "/$export?_type=Patient", f.token);
  json manifest = waitForManifest(url, f.token);
  const std::string file = pathOf(manifest["output"][0]["url"]);

  Backend stranger("system/*.rs");  // another instance's client
  std::string sibling = backendClient(f.backend.instance, {{"keys", {f.backend.ec.publicJwk("ES384")}}}, "system/*.rs");
  auto siblingToken = requestToken(f.backend.instance,
                                   clientAssertion(f.backend.ec, "ES384", sibling, tokenUrl(f.backend.instance)),
                                   "system/*.rs");
  ASSERT_EQ(siblingToken->status, 200);
  const std::string other = json::parse(siblingToken->body)["access_token"];
  EXPECT_EQ(client().Get(pathOf(url), polling(other))->status, 404);
  EXPECT_EQ(client().Get(pathOf(url), polling(stranger.token("system/*.rs")))->status, 401);
  // The job's id under another instance, with that instance's own token: no such export there.
  const std::string elsewhere = "/" + stranger.instance + "/bulk/" + url.substr(url.rfind('/') + 1);
  EXPECT_EQ(client().Get(elsewhere, polling(stranger.token("system/*.rs")))->status, 404);
  EXPECT_EQ(client().Get(elsewhere + "/1.ndjson", polling(stranger.token("system/*.rs")))->status, 404);
  EXPECT_EQ(client().Get("/no-such-instance/bulk/" + url.substr(url.rfind('/') + 1), polling(f.token))->status, 404);
  EXPECT_EQ(client().Get(pathOf(url), polling(""))->status, 401);
  EXPECT_EQ(client().Get(file, {{"Accept", "application/fhir+ndjson"}})->status, 401);
  EXPECT_EQ(client().Get(file, polling(other))->status, 404);
  EXPECT_EQ(client().Delete(pathOf(url), polling(other))->status, 404);
  EXPECT_EQ(client().Get(pathOf(url) + "/99.ndjson", polling(f.token))->status, 404);
  EXPECT_EQ(client().Get(pathOf(url) + "/unknown", polling(f.token))->status, 404);
  EXPECT_EQ(client().Get(pathOf(url) + "/0.ndjson", polling(f.token))->status, 404);
  EXPECT_EQ(client().Delete(file, polling(f.token))->status, 405);

  // Range: a broken download resumes where it stopped.
  const std::string whole = client().Get(file, polling(f.token))->body;
  auto tail = client().Get(file, {{"Authorization", "Bearer " + f.token}, {"Range", "bytes=100-"}});
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, whole.substr(100));
  EXPECT_EQ(tail->get_header_value("Content-Range"),
            "bytes 100-" + std::to_string(whole.size() - 1) + "/" + std::to_string(whole.size()));
  auto middle = client().Get(file, {{"Authorization", "Bearer " + f.token}, {"Range", "bytes=10-19"}});
  EXPECT_EQ(middle->body, whole.substr(10, 10));
  auto last = client().Get(file, {{"Authorization", "Bearer " + f.token}, {"Range", "bytes=-7"}});
  EXPECT_EQ(last->body, whole.substr(whole.size() - 7));
  auto beyond = client().Get(file, {{"Authorization", "Bearer " + f.token}, {"Range", "bytes=99999999-"}});
  EXPECT_EQ(beyond->status, 416);
  // gzip when asked for (chunked, its length unknown beforehand); never when refused with q=0.
  auto raw = client();
  raw.set_decompress(false);
  auto gzip = raw.Get(file, {{"Authorization", "Bearer " + f.token}, {"Accept-Encoding", "br;q=0.5, gzip"}});
  ASSERT_EQ(gzip->status, 200);
  EXPECT_EQ(gzip->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gzip->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_EQ(gzip->body.substr(0, 2), "\x1f\x8b");
  EXPECT_LT(gzip->body.size(), whole.size() / 2);
  std::string inflated;
  EXPECT_TRUE(httplib::detail::gzip_decompressor().decompress(
      gzip->body.data(), gzip->body.size(), [&](const char* data, size_t n) {
        inflated.append(data, n);
        return true;
      }));
  EXPECT_EQ(inflated, whole);
  auto plain = raw.Get(file, {{"Authorization", "Bearer " + f.token}, {"Accept-Encoding", "gzip;q=0, identity"}});
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->body, whole);

  // Cancelled (here: completed and deleted), the export and its files are gone.
  auto cancelled = client().Delete(pathOf(url), polling(f.token));
  EXPECT_EQ(cancelled->status, 202);
  auto gone = client().Get(pathOf(url), polling(f.token));
  EXPECT_EQ(gone->status, 404);
  EXPECT_EQ(json::parse(gone->body)["resourceType"], "OperationOutcome");
  EXPECT_EQ(client().Get(file, polling(f.token))->status, 404);
  EXPECT_EQ(client().Get(pathOf(url) + "0", polling(f.token))->status, 404);

  // The audit trail: who started the export and of what, what was fetched (type and count),
  // and the cancellation; only this client's.
  const std::string job = "export/" + url.substr(url.rfind('/') + 1);
  const json trail = json::parse(
      client().Get("/admin/instances/" + f.backend.instance + "/audit?kind=bulk&limit=1000", admin())->body);
  auto find = [&](const std::string& action, int outcome, const std::string& detail) {
    return std::any_of(trail.begin(), trail.end(), [&](const json& e) {
      return e["action"] == action && e["outcome"] == outcome && e["clientId"] == f.backend.clientId &&
             e.value("target", "").rfind(job, 0) == 0 && e.value("detail", "") == detail;
    });
  };
  const std::string patients = std::to_string(manifest["output"][0]["count"].get<int64_t>());
  EXPECT_TRUE(find("kick-off", 202, "system: Patient")) << trail;
  EXPECT_TRUE(find("status", 200, "completed: " + patients + " resources, 0 deletions in 1 files; 0 errors")) << trail;
  EXPECT_TRUE(find("download", 200, "Patient: " + patients + " resources")) << trail;
  EXPECT_TRUE(find("download", 206, "Patient: " + patients + " resources; bytes 100-" +
                                        std::to_string(whole.size() - 1)))
      << trail;
  EXPECT_TRUE(find("cancel", 202, "")) << trail;
}

TEST(BulkExport, PollingFasterThanToldIsThrottledAndExportsPerClientAreCapped) {
  ExportFixture f;
  const std::string first = kickOff(f.base() + "/$export", f.token);
  auto poll = client().Get(pathOf(first), polling(f.token));
  ASSERT_EQ(poll->status, 202);
  EXPECT_EQ(poll->get_header_value("Retry-After"), "1");
  EXPECT_EQ(poll->get_header_value("X-Progress"), "queued");
  auto tooSoon = client().Get(pathOf(first), polling(f.token));
  EXPECT_EQ(tooSoon->status, 429);
  EXPECT_EQ(json::parse(tooSoon->body)["resourceType"], "OperationOutcome");
  EXPECT_FALSE(tooSoon->get_header_value("Retry-After").empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(client().Get(pathOf(first), polling(f.token))->status, 202);

  const std::string second = kickOff(f.base() + "/$export", f.token);
  auto third = client().Get(f.base() + "/$export", kickOffHeaders(f.token));
  EXPECT_EQ(third->status, 429);
  EXPECT_FALSE(third->get_header_value("Retry-After").empty());
  // Cancelling one makes room.
  EXPECT_EQ(client().Delete(pathOf(second), polling(f.token))->status, 202);
  kickOff(f.base() + "/$export", f.token);
}

TEST(BulkExport, AGroupExportHoldsItsMembersRecordsAndWhatTheyReference) {
  ExportFixture f(4);
  auto runner = exportRunner();
  EXPECT_EQ(client().Get(f.base() + "/Group/no-such-group/$export", kickOffHeaders(f.token))->status, 404);
  auto patients = searchIds(f.base() + "/Patient?_count=100", f.token);
  ASSERT_EQ(patients.size(), 4u);
  const std::vector<std::string> members(patients.begin(), std::next(patients.begin(), 2));
  const std::string groupId = createGroup(f, members);
  // A practitioner nobody's record mentions is not part of the group's data.
  auto lonely = client().Post(f.base() + "/Practitioner", bearer(f.backend.token("system/Practitioner.cruds")),
                              R"({"resourceType":"Practitioner","name":[{"family":"Nobody"}]})", "application/fhir+json");
  ASSERT_EQ(lonely->status, 201);
  const std::string loner = json::parse(lonely->body)["id"];

  auto byType = download(waitForManifest(kickOff(f.base() + "/Group/" + groupId + "/$export", f.token), f.token),
                         f.token);
  EXPECT_EQ(idsOf(byType["Patient"]), std::set<std::string>(members.begin(), members.end()));
  std::set<std::string> expected;
  for (const auto& id : members) {
    auto ids = searchIds(f.base() + "/Observation?patient=" + id + "&_count=500", f.token);
    expected.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(idsOf(byType["Observation"]), expected);
  // Supporting resources: exactly those the exported resources reference.
  std::set<std::string> references;
  std::function<void(const json&)> collect = [&](const json& value) {
    if (value.is_object()) {
      if (value.contains("reference") && value["reference"].is_string()) references.insert(value["reference"]);
      for (const auto& [key, member] : value.items()) collect(member);
    } else if (value.is_array()) {
      for (const auto& item : value) collect(item);
    }
  };
  for (const auto& [type, lines] : byType)
    for (const auto& line : lines) collect(json::parse(line));
  for (const char* type : {"Organization", "Practitioner", "Location", "PractitionerRole", "Medication"}) {
    std::set<std::string> referenced;
    for (const auto& id : searchIds(f.base() + "/" + type + "?_count=500", f.token))
      if (references.count(std::string(type) + "/" + id)) referenced.insert(id);
    EXPECT_EQ(idsOf(byType[type]), referenced) << type;
  }
  for (const char* type : {"Organization", "Practitioner", "Location"}) EXPECT_FALSE(byType[type].empty()) << type;
  EXPECT_FALSE(idsOf(byType["Practitioner"]).count(loner));
  // Provenances: exactly those whose target was exported.
  std::set<std::string> exported;
  for (const auto& [type, lines] : byType)
    for (const auto& id : idsOf(lines)) exported.insert(type + "/" + id);
  const auto expectedProvenances = provenancesTargeting(f, exported);
  EXPECT_FALSE(expectedProvenances.empty());
  EXPECT_EQ(idsOf(byType["Provenance"]), expectedProvenances);
  // Groups are in the Patient compartment through their members: only groups of these patients.
  EXPECT_TRUE(idsOf(byType["Group"]).count(groupId));
  for (const auto& line : byType["Group"]) {
    bool ofMembers = false;
    const json exported = json::parse(line);
    for (const auto& member : exported["member"])
      for (const auto& id : members) ofMembers |= member["entity"]["reference"] == "Patient/" + id;
    EXPECT_TRUE(ofMembers) << line;
  }
}

// The patient parameter (POST) narrows a Patient or Group export to those patients. What cannot
// be honoured does not fail the export: a patient outside the Group or unknown is reported in
// the error file, as are parameters let through by Prefer: handling=lenient.
TEST(BulkExport, APatientListNarrowsTheExportAndTheErrorFileReportsWhatWasLeftOut) {
  ExportFixture f(3);
  auto runner = exportRunner();
  const auto patients = searchIds(f.base() + "/Patient", f.token);
  const std::string member = *patients.begin(), other = *std::next(patients.begin());
  const std::string groupId = createGroup(f, {member});
  auto parameters = [](const std::vector<std::string>& ids) {
    json body = {{"resourceType", "Parameters"}, {"parameter", json::array()}};
    for (const auto& id : ids)
      body["parameter"].push_back({{"name", "patient"}, {"valueReference", {{"reference", "Patient/" + id}}}});
    body["parameter"].push_back({{"name", "_type"}, {"valueString", "Patient,Observation"}});
    return body.dump();
  };
  auto postKickOff = [&](const std::string& path, const std::string& body) {
    auto res = client().Post(path, kickOffHeaders(f.token), body, "application/fhir+json");
    EXPECT_EQ(res->status, 202) << res->body;
    return res->get_header_value("Content-Location");
  };

  json manifest =
      waitForManifest(postKickOff(f.base() + "/Group/" + groupId + "/$export", parameters({member, other, "nobody"})),
                      f.token);
  auto byType = download(manifest, f.token);
  EXPECT_EQ(idsOf(byType["Patient"]), std::set<std::string>{member});
  EXPECT_EQ(idsOf(byType["Observation"]), searchIds(f.base() + "/Observation?patient=" + member + "&_count=500", f.token));
  auto errors = errorsOf(manifest, f.token);
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_TRUE(mentions(errors, "Patient/" + other + " is not a member of Group/" + groupId));
  EXPECT_TRUE(mentions(errors, "Patient/nobody"));

  // A Patient export of unknown patients only is empty, never one of every patient.
  manifest = waitForManifest(postKickOff(f.base() + "/Patient/$export", parameters({"nobody"})), f.token);
  EXPECT_TRUE(manifest["output"].empty()) << manifest.dump();
  EXPECT_TRUE(mentions(errorsOf(manifest, f.token), "Patient/nobody is not known"));

  // A clean export has an empty error array and no error file to fetch.
  manifest = waitForManifest(postKickOff(f.base() + "/Patient/$export", parameters({member})), f.token);
  EXPECT_TRUE(manifest["error"].empty());
  const std::string job = manifest["output"][0]["url"].get<std::string>();
  EXPECT_EQ(client().Get(pathOf(job.substr(0, job.rfind('/')) + "/error.ndjson"), bearer(f.token))->status, 404);

  auto lenient = kickOffHeaders(f.token);
  lenient.erase("Prefer");
  lenient.emplace("Prefer", "respond-async, handling=lenient");
  auto res = client().Get(f.base() + "/$export?_type=Patient,NotAType&_typo=1&includeAssociatedData=_custom", lenient);
  ASSERT_EQ(res->status, 202) << res->body;
  errors = errorsOf(waitForManifest(res->get_header_value("Content-Location"), f.token), f.token);
  EXPECT_EQ(errors.size(), 3u);
  for (const char* ignored : {"_type=NotAType", "_typo", "includeAssociatedData=_custom"})
    EXPECT_TRUE(mentions(errors, ignored)) << ignored;
}

// At the Patient and Group level the deletions reported are those of the patients' own records:
// a deleted resource belonged to them if its last version was in one of their compartments.
// Where the export cannot tell (a _typeFilter), the error file says so.
TEST(BulkExport, AGroupExportReportsOnlyItsMembersDeletions) {
  ExportFixture f(3);
  auto runner = exportRunner();
  const std::string writer = f.backend.token("system/*.cruds");
  const auto patients = searchIds(f.base() + "/Patient", f.token);
  const std::string member = *patients.begin(), other = *std::next(patients.begin()),
                    gone = *std::next(patients.begin(), 2);
  const std::string groupId = createGroup(f, {member, gone});
  const std::string since = json::parse(client().Post(f.base() + "/Basic", bearer(writer),
                                                      R"({"resourceType":"Basic","code":{"text":"mark"}})",
                                                      "application/fhir+json")
                                            ->body)["meta"]["lastUpdated"];
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string mine = *searchIds(f.base() + "/Observation?patient=" + member + "&_count=1", f.token).begin();
  const std::string theirs = *searchIds(f.base() + "/Observation?patient=" + other + "&_count=1", f.token).begin();
  const std::string encounter = *searchIds(f.base() + "/Encounter?patient=" + member + "&_count=1", f.token).begin();
  for (const std::string path : {"/Observation/" + mine, "/Observation/" + theirs, "/Encounter/" + encounter})
    ASSERT_EQ(client().Delete(f.base() + path, bearer(writer))->status, 204) << path;
  // A patient deleted with records that still point at it.
  ASSERT_EQ(client().Delete(f.base() + "/Patient/" + gone, bearer(writer))->status, 204);

  const std::string query = "?_type=Patient,Observation,Encounter&_since=" + httplib::detail::encode_query_param(since);
  auto deletedIn = [&](const json& manifest) {
    std::set<std::string> deleted;
    for (const auto& file : manifest["deleted"])
      for (const auto& line : linesOf(client().Get(pathOf(file["url"]), bearer(f.token))->body))
        deleted.insert(json::parse(line)["entry"][0]["request"]["url"].get<std::string>());
    return deleted;
  };
  json manifest = waitForManifest(kickOff(f.base() + "/Group/" + groupId + "/$export" + query, f.token), f.token);
  EXPECT_EQ(deletedIn(manifest),
            (std::set<std::string>{"Observation/" + mine, "Encounter/" + encounter, "Patient/" + gone}));
  EXPECT_TRUE(errorsOf(manifest, f.token).empty());

  manifest = waitForManifest(
      kickOff(f.base() + "/Group/" + groupId + "/$export" + query + "&_typeFilter=" +
                  httplib::detail::encode_query_param("Observation?status=final"),
              f.token),
      f.token);
  EXPECT_EQ(deletedIn(manifest), (std::set<std::string>{"Encounter/" + encounter, "Patient/" + gone}));
  EXPECT_TRUE(mentions(errorsOf(manifest, f.token), "deletions of Observation since _since are not listed"));

  // A Patient export of every patient reports every patient's deletions.
  manifest = waitForManifest(kickOff(f.base() + "/Patient/$export" + query, f.token), f.token);
  EXPECT_EQ(deletedIn(manifest), (std::set<std::string>{"Observation/" + mine, "Observation/" + theirs,
                                                        "Encounter/" + encounter, "Patient/" + gone}));
}

// includeAssociatedData=LatestProvenanceResources: for each exported resource only the Provenance
// updated last of those that target it.
TEST(BulkExport, LatestProvenancesAreTheNewestForEachTarget) {
  ExportFixture f;
  auto runner = exportRunner();
  const std::string writer = f.backend.token("system/*.cruds");
  // The seed gives each patient one Provenance naming their whole record; a newer one naming all
  // of one patient's Conditions supersedes it for those.
  const std::string condition = *searchIds(f.base() + "/Condition?_count=1", f.token).begin();
  const auto targeting = provenancesTargeting(f, {"Condition/" + condition});
  ASSERT_EQ(targeting.size(), 1u);
  const std::string older = *targeting.begin();
  json newer = {{"resourceType", "Provenance"},
                {"target", json::array()},
                {"recorded", "2026-01-01T00:00:00Z"},
                {"agent", json::array({{{"who", {{"display", "a later author"}}}}})}};
  const json original = json::parse(client().Get(f.base() + "/Provenance/" + older, bearer(f.token))->body);
  ASSERT_EQ(original["resourceType"], "Provenance") << original.dump();
  for (const auto& target : original["target"])
    if (target["reference"].get<std::string>().rfind("Condition/", 0) == 0) newer["target"].push_back(target);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto created = client().Post(f.base() + "/Provenance", bearer(writer), newer.dump(), "application/fhir+json");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string newest = json::parse(created->body)["id"];

  auto exportOf = [&](const std::string& kind) {
    return download(waitForManifest(kickOff(f.base() + "/$export?_type=Condition&includeAssociatedData=" + kind,
                                            f.token),
                                    f.token),
                    f.token);
  };
  auto latest = exportOf("LatestProvenanceResources");
  auto relevant = exportOf("RelevantProvenanceResources");
  ASSERT_EQ(idsOf(latest["Condition"]), idsOf(relevant["Condition"]));
  auto expected = idsOf(relevant["Provenance"]);
  ASSERT_TRUE(expected.count(older) && expected.count(newest));
  expected.erase(older);
  EXPECT_EQ(idsOf(latest["Provenance"]), expected);
}

TEST(BulkExport, TheExportHoldsWhatTheTokensScopesGrantAndRefusesWhatTheyDoNot) {
  ExportFixture f;
  auto runner = exportRunner();
  Backend& b = f.backend;
  // Granular scopes apply inside the export exactly as inside a search.
  const std::string labs = b.token("system/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
  auto byType = download(waitForManifest(kickOff(f.base() + "/$export", labs), labs), labs);
  EXPECT_EQ(byType.size(), 1u);
  EXPECT_EQ(idsOf(byType["Observation"]),
            searchIds(f.base() + "/Observation?category=laboratory&_count=1000", f.token));
  // An explicitly requested type the token cannot read fails the kick-off.
  auto refused = client().Get(f.base() + "/$export?_type=Patient", kickOffHeaders(labs));
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(json::parse(refused->body)["resourceType"], "OperationOutcome");
}

// The export is what the data was at its transaction time: a resource updated after the
// kick-off is written as it was then. A process that runs no exports queues the job; another
// process runs it.
TEST(BulkExport, AnyProcessRunsTheJobAndItsContentIsAsOfTheTransactionTime) {
  ExportFixture f;
  const std::string writer = f.backend.token("system/Patient.cruds");
  const auto patients = searchIds(f.base() + "/Patient", f.token);
  const std::string id = *patients.begin();
  const std::string before = client().Get(f.base() + "/Patient/" + id, bearer(f.token))->body;

  const std::string url = kickOff(f.base() + "/$export?_type=Patient", f.token);
  json changed = json::parse(before);
  changed["gender"] = changed.value("gender", "") == "male" ? "female" : "male";
  ASSERT_EQ(client().Put(f.base() + "/Patient/" + id, bearer(writer), changed.dump(), "application/fhir+json")->status,
            200);
  auto late = client().Post(f.base() + "/Patient", bearer(writer), R"({"resourceType":"Patient"})",
                            "application/fhir+json");
  ASSERT_EQ(late->status, 201);

  auto runner = exportRunner();
  auto byType = download(waitForManifest(url, f.token), f.token);
  EXPECT_EQ(idsOf(byType["Patient"]), patients);
  for (const auto& line : byType["Patient"])
    if (json::parse(line)["id"] == id) EXPECT_EQ(line, before);
}

// A process killed in the middle of an export loses nothing: another process takes the job over
// once its lease runs out, and every resource is written exactly once.
TEST(BulkExport, AJobSurvivesItsProcessBeingKilled) {
  ExportFixture f(150);
  const std::string url = kickOff(f.base() + "/$export?_type=Observation,Patient", f.token);
  const std::string job = url.substr(url.rfind('/') + 1);
  pqxx::connection watcher(databaseUrl()), locker(databaseUrl());
  auto progress = [&] {
    pqxx::nontransaction tx(watcher);
    auto row = tx.exec_params1("SELECT state, exported FROM flint.export_jobs WHERE id = $1", job);
    return std::make_pair(row[0].as<std::string>(), row[1].as<int64_t>());
  };
  std::string schema = psql(databaseUrl(), "SELECT schema_name FROM flint.instances WHERE name = '" +
                                               f.backend.instance + "'");
  schema.erase(schema.find_last_not_of("\n") + 1);
  {
    auto doomed = exportRunner();
    // As soon as it has committed a first step, its next one is held up (every step reads the
    // resources) and the process is killed there.
    for (int i = 0; i < 20000 && progress().second == 0; ++i) std::this_thread::sleep_for(std::chrono::microseconds(500));
    pqxx::work hold(locker);
    hold.exec0("LOCK TABLE " + locker.quote_name(schema) + ".resources IN ACCESS EXCLUSIVE MODE");
    const auto [state, exported] = progress();
    ::kill(doomed->pid(), SIGKILL);
    hold.abort();
    ASSERT_EQ(state, "running") << "the export ended before its process was killed";
    ASSERT_GT(exported, 0);
  }
  auto successor = exportRunner();
  auto byType = download(waitForManifest(url, f.token), f.token);
  const auto& observations = byType["Observation"];
  EXPECT_EQ(idsOf(observations).size(), observations.size());
  EXPECT_EQ(idsOf(observations), searchIds(f.base() + "/Observation?_count=1000&_elements=id", f.token));
  EXPECT_EQ(idsOf(byType["Patient"]).size(), 150u);
}

}  // namespace
}  // namespace flint::testing
