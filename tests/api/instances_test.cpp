// Instances: the admin API and CLI that manage them, and the isolation between them.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

httplib::Headers admin() { return {{"Authorization", std::string("Bearer ") + kAdminKey}}; }

httplib::Result postInstance(const json& body) {
  auto c = client();
  return c.Post("/admin/instances", admin(), body.dump(), "application/json");
}

std::string fhir(const std::string& instance, const std::string& path) { return "/" + instance + "/fhir/" + path; }

}  // namespace

TEST(AdminApi, RequiresTheAdminKey) {
  auto c = client();
  auto none = c.Get("/admin/instances");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  auto wrong = c.Get("/admin/instances", {{"Authorization", "Bearer not-the-key"}});
  EXPECT_EQ(wrong->status, 401);
  auto prefix = c.Get("/admin/instances", {{"Authorization", std::string("Bearer ") + kAdminKey + "x"}});
  EXPECT_EQ(prefix->status, 401);
  auto basic = c.Get("/admin/instances", {{"Authorization", std::string("Basic ") + kAdminKey}});
  EXPECT_EQ(basic->status, 401);
  auto created = postInstance({{"name", uniqueInstanceName("x")}, {"organization", {{"name", "X"}}}});
  EXPECT_EQ(created->status, 201);
  auto c2 = client();
  auto unauthorizedCreate = c2.Post("/admin/instances", R"({"name":"sneaky","organization":{"name":"S"}})",
                                    "application/json");
  EXPECT_EQ(unauthorizedCreate->status, 401);
}

TEST(AdminApi, IsOffWithoutAnAdminKey) {
  FlintServer keyless({"--admin-key", ""});
  auto c = client(keyless);
  EXPECT_EQ(c.Get("/admin/instances")->status, 404);
  EXPECT_EQ(c.Get("/admin/instances", {{"Authorization", "Bearer "}})->status, 404);
  EXPECT_EQ(c.Post("/admin/instances", {{"Authorization", std::string("Bearer ") + kAdminKey}},
                   R"({"name":"nope","organization":{"name":"N"}})", "application/json")->status,
            404);
}

TEST(AdminApi, CreatesListsAndShowsInstances) {
  std::string name = uniqueInstanceName("adm");
  json body = {{"name", name},
               {"organization",
                {{"name", "Riverside Family Practice"},
                 {"npi", "1234567893"},
                 {"address", {{"line", {"1 Main St"}}, {"city", "Springfield"}, {"state", "MA"}}}}},
               {"patientPortal", true}};
  auto res = postInstance(body);
  ASSERT_EQ(res->status, 201) << res->body;
  auto created = parseJson(res->body);
  EXPECT_EQ(created["name"], name);
  EXPECT_EQ(created["organization"]["npi"], "1234567893");
  EXPECT_EQ(created["organization"]["address"]["city"], "Springfield");
  EXPECT_EQ(created["patientPortal"], true);
  EXPECT_EQ(created["fhirBaseUrl"], sharedServer().baseUrl() + "/" + name + "/fhir");
  EXPECT_EQ(res->get_header_value("Location"), sharedServer().baseUrl() + "/admin/instances/" + name);

  auto c = client();
  auto list = parseJson(c.Get("/admin/instances", admin())->body);
  bool listed = false;
  for (const auto& i : list) listed = listed || i["name"] == name;
  EXPECT_TRUE(listed);
  EXPECT_EQ(parseJson(c.Get("/admin/instances/" + name, admin())->body)["organization"]["name"],
            "Riverside Family Practice");
  EXPECT_EQ(c.Get("/admin/instances/no-such-instance", admin())->status, 404);
  // The new instance serves FHIR straight away.
  EXPECT_EQ(c.Get(fhir(name, "metadata"))->status, 200);
}

TEST(AdminApi, RejectsBadInstancesWithClearErrors) {
  std::string taken = createInstance("taken");
  EXPECT_EQ(postInstance({{"name", taken}, {"organization", {{"name", "Again"}}}})->status, 409);
  for (const std::string& bad : {std::string("Upper"), std::string("has space"), std::string("under_score"),
                                 std::string(41, 'a'), std::string(""), std::string("admin"),
                                 std::string("a/b"), std::string("dot.name")}) {
    auto res = postInstance({{"name", bad}, {"organization", {{"name", "X"}}}});
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_EQ(parseJson(res->body)["resourceType"], "OperationOutcome");
  }
  EXPECT_EQ(postInstance({{"name", uniqueInstanceName("noorg")}})->status, 400);
  EXPECT_EQ(postInstance({{"name", uniqueInstanceName("npi")}, {"organization", {{"name", "X"}, {"npi", "12"}}}})->status,
            400);
  EXPECT_EQ(postInstance({{"name", uniqueInstanceName("p")}, {"organization", {{"name", "X"}}}, {"patientPortal", "yes"}})
                ->status,
            400);
  auto c = client();
  EXPECT_EQ(c.Post("/admin/instances", admin(), "{not json", "application/json")->status, 400);
  EXPECT_EQ(c.Post("/admin/instances", admin(), "[1]", "application/json")->status, 400);
  EXPECT_EQ(c.Delete("/admin/instances", admin())->status, 405);
}

TEST(Isolation, NoRequestReachesAnotherInstancesData) {
  std::string a = createInstance("iso-a");
  std::string b = createInstance("iso-b");
  auto c = client();
  auto created = c.Post(fhir(a, "Patient"), R"({"resourceType":"Patient","name":[{"family":"OnlyInA"}]})",
                        "application/fhir+json");
  ASSERT_EQ(created->status, 201);
  std::string id = parseJson(created->body)["id"];

  EXPECT_EQ(c.Get(fhir(b, "Patient/" + id))->status, 404);
  EXPECT_EQ(c.Get(fhir(b, "Patient/" + id + "/_history/1"))->status, 404);
  EXPECT_EQ(c.Get(fhir(b, "Patient/" + id + "/_history"))->status, 404);
  EXPECT_FALSE(parseJson(c.Get(fhir(b, "Patient?_id=" + id))->body).contains("entry"));
  EXPECT_FALSE(parseJson(c.Get(fhir(b, "Patient"))->body).contains("entry"));
  EXPECT_FALSE(parseJson(c.Get(fhir(b, "Patient/_history"))->body).contains("entry"));
  EXPECT_FALSE(parseJson(c.Get(fhir(b, "_history"))->body).contains("entry"));
  EXPECT_EQ(c.Delete(fhir(b, "Patient/" + id))->status, 404);

  // The same id written in B is B's own resource; A's is untouched.
  auto put = c.Put(fhir(b, "Patient/" + id), R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"B"}]})",
                   "application/fhir+json");
  EXPECT_EQ(put->status, 201);
  auto inA = parseJson(c.Get(fhir(a, "Patient/" + id))->body);
  EXPECT_EQ(inA["name"][0]["family"], "OnlyInA");
  EXPECT_EQ(inA["meta"]["versionId"], "1");
  EXPECT_EQ(parseJson(c.Get(fhir(b, "Patient/" + id))->body)["name"][0]["family"], "B");
  EXPECT_EQ(c.Get(fhir(a, "Patient/" + id))->get_header_value("ETag"), "W/\"1\"");
}

TEST(Isolation, InstanceNamesCannotEscapeTheirPathSegment) {
  std::string a = createInstance("esc");
  for (const std::string& path : {"/../" + a + "/fhir/metadata", "/" + a + "%2Ffhir/metadata",
                                  std::string("/%2E%2E/fhir/metadata"), "/" + a + "%00/fhir/metadata",
                                  std::string("/i1/fhir/metadata"), std::string("/flint/fhir/metadata"), std::string("/public/fhir/metadata")}) {
    std::string out = rawExchange(sharedServer().port(), "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(out.find("HTTP/1.1 404") != std::string::npos || out.find("HTTP/1.1 400") != std::string::npos)
        << path << "\n" << out.substr(0, 200);
  }
}

TEST(Instances, DisabledInstancesStopServingAndComeBack) {
  std::string name = createInstance("dis");
  auto c = client();
  ASSERT_EQ(c.Get(fhir(name, "metadata"))->status, 200);
  auto disabled = c.Post("/admin/instances/" + name + "/disable", admin(), "", "application/json");
  ASSERT_EQ(disabled->status, 200);
  EXPECT_EQ(parseJson(disabled->body)["disabled"], true);
  int status = 200;
  for (int i = 0; i < 40 && status != 404; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = c.Get(fhir(name, "Patient"))->status;
  }
  EXPECT_EQ(status, 404);
  ASSERT_EQ(c.Post("/admin/instances/" + name + "/enable", admin(), "", "application/json")->status, 200);
  for (int i = 0; i < 40 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = c.Get(fhir(name, "Patient"))->status;
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(c.Post("/admin/instances/unknown-x/disable", admin(), "", "application/json")->status, 404);
}

TEST(InstanceAdmin, RefreshTokenLifetimeIsSetPerInstance) {
  auto c = client();
  httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kAdminKey}};
  auto post = [&](const nlohmann::json& days) {
    nlohmann::json body = {{"name", uniqueInstanceName("refresh")}, {"organization", {{"name", "R"}}},
                           {"refreshTokenDays", days}};
    return c.Post("/admin/instances", auth, body.dump(), "application/json");
  };
  auto created = post(120);
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(nlohmann::json::parse(created->body)["refreshTokenDays"], 120);
  EXPECT_EQ(post(0)->status, 400);
  EXPECT_EQ(post(5000)->status, 400);
  EXPECT_EQ(post("ninety")->status, 400);
  EXPECT_EQ(post(1.5)->status, 400);
}

TEST(InstanceCli, CreatesListsAndDisables) {
  std::string name = uniqueInstanceName("cli");
  std::string out;
  EXPECT_EQ(runFlint({"instance", "create", name, "--org-name", "CLI Practice", "--npi", "1234567893"}, &out), 0) << out;
  EXPECT_EQ(runFlint({"instance", "list"}, &out), 0);
  EXPECT_NE(out.find(name + "\tCLI Practice"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"instance", "create", name, "--org-name", "Again"}, &out), 1);
  EXPECT_NE(out.find("already exists"), std::string::npos);
  EXPECT_EQ(runFlint({"instance", "create", "Bad_Name", "--org-name", "X"}, &out), 1);
  EXPECT_EQ(runFlint({"instance", "create", uniqueInstanceName("cli"), "--org-name"}, &out), 1);
  EXPECT_EQ(runFlint({"instance", "disable", name}, &out), 0);
  EXPECT_EQ(runFlint({"instance", "list"}, &out), 0);
  EXPECT_NE(out.find(name + "\tCLI Practice\tdisabled"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"instance", "disable", "no-such-one"}, &out), 1);
  EXPECT_EQ(runFlint({"instance"}, &out), 2);
  EXPECT_EQ(runFlint({"--help"}, &out), 0);
  EXPECT_NE(out.find("FLINT_DATABASE_URL"), std::string::npos);
}
