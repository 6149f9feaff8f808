// The FHIR REST core: create, read, vread, update, delete, with the headers, status codes and
// content negotiation clients rely on.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

class Crud : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { instance_ = createInstance("crud"); }
  std::string path(const std::string& p) const { return "/" + instance_ + "/fhir/" + p; }
  std::string base() const { return sharedServer().baseUrl() + "/" + instance_ + "/fhir"; }
  httplib::Result post(const std::string& type, const std::string& body, httplib::Headers headers = {}) {
    return c_.Post(path(type), headers, body, "application/fhir+json");
  }
  httplib::Result put(const std::string& p, const std::string& body, httplib::Headers headers = {}) {
    return c_.Put(path(p), headers, body, "application/fhir+json");
  }
  std::string createPatient(const std::string& family = "Doe") {
    auto res = post("Patient", R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})");
    EXPECT_EQ(res->status, 201);
    return parseJson(res->body)["id"];
  }
  void expectOutcome(const httplib::Result& res, int status) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/fhir+json;charset=utf-8");
    auto body = parseJson(res->body);
    EXPECT_EQ(body["resourceType"], "OperationOutcome");
    EXPECT_EQ(body["issue"][0]["severity"], "error");
  }

  static std::string instance_;
  httplib::Client c_ = client();
};
std::string Crud::instance_;

}  // namespace

TEST_F(Crud, CreateAssignsIdVersionAndMeta) {
  auto res = post("Observation",
                  R"({"resourceType":"Observation","id":"client-chosen","status":"final","code":{"text":"é 😀"},)"
                  R"("valueQuantity":{"value":1.50,"unit":"mg"},"meta":{"profile":["http://example.org/p"]}})");
  ASSERT_EQ(res->status, 201);
  auto body = parseJson(res->body);
  std::string id = body["id"];
  EXPECT_NE(id, "client-chosen");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(body["meta"]["versionId"], "1");
  EXPECT_EQ(body["meta"]["profile"][0], "http://example.org/p");
  EXPECT_TRUE(std::regex_match(body["meta"]["lastUpdated"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_EQ(res->get_header_value("Location"), base() + "/Observation/" + id + "/_history/1");
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"1\"");
  EXPECT_TRUE(std::regex_match(res->get_header_value("Last-Modified"),
                               std::regex(R"([A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")));
  // Exact text: resourceType, id, meta first; the decimal keeps its trailing zero.
  EXPECT_EQ(res->body.rfind(R"({"resourceType":"Observation","id":")" + id + R"(","meta":{"versionId":"1",)", 0), 0u);
  EXPECT_NE(res->body.find(R"("value":1.50)"), std::string::npos);
  EXPECT_NE(res->body.find("é 😀"), std::string::npos);
}

TEST_F(Crud, ReadReturnsExactlyWhatWasStored) {
  auto created = post("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"t"},)"
                                     R"("referenceRange":[{"low":{"value":12345678901234},"high":{"value":0.10000}}]})");
  std::string id = parseJson(created->body)["id"];
  auto read = c_.Get(path("Observation/" + id));
  ASSERT_EQ(read->status, 200);
  EXPECT_EQ(read->body, created->body);
  EXPECT_EQ(read->get_header_value("ETag"), "W/\"1\"");
  EXPECT_EQ(read->get_header_value("Last-Modified"), created->get_header_value("Last-Modified"));
  EXPECT_NE(read->body.find("12345678901234"), std::string::npos);
  EXPECT_NE(read->body.find("0.10000"), std::string::npos);
}

TEST_F(Crud, ReadErrors) {
  expectOutcome(c_.Get(path("Patient/does-not-exist")), 404);
  expectOutcome(c_.Get(path("Patient/bad!id")), 400);
  expectOutcome(c_.Get(path("Patient/" + std::string(65, 'a'))), 400);
  expectOutcome(c_.Get(path("NotAType/123")), 404);
  expectOutcome(c_.Get(path("patient/123")), 404);
  expectOutcome(c_.Get(path("Patient/1/2/3/4/5")), 404);
}

TEST_F(Crud, VreadReturnsEachVersion) {
  std::string id = createPatient("First");
  ASSERT_EQ(put("Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Second"}]})")->status,
            200);
  auto v1 = c_.Get(path("Patient/" + id + "/_history/1"));
  ASSERT_EQ(v1->status, 200);
  EXPECT_EQ(parseJson(v1->body)["name"][0]["family"], "First");
  EXPECT_EQ(v1->get_header_value("ETag"), "W/\"1\"");
  auto v2 = c_.Get(path("Patient/" + id + "/_history/2"));
  EXPECT_EQ(parseJson(v2->body)["name"][0]["family"], "Second");
  expectOutcome(c_.Get(path("Patient/" + id + "/_history/3")), 404);
  // Once superseded, a version keeps its own content.
  ASSERT_EQ(put("Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Third"}]})")->status,
            200);
  EXPECT_EQ(parseJson(c_.Get(path("Patient/" + id + "/_history/1"))->body)["name"][0]["family"], "First");
  EXPECT_EQ(parseJson(c_.Get(path("Patient/" + id + "/_history/2"))->body)["name"][0]["family"], "Second");
  EXPECT_EQ(parseJson(c_.Get(path("Patient/" + id + "/_history/3"))->body)["name"][0]["family"], "Third");
  std::vector<std::string> families;
  const json history = parseJson(c_.Get(path("Patient/" + id + "/_history"))->body);
  for (const auto& e : history["entry"]) families.push_back(e["resource"]["name"][0]["family"]);
  EXPECT_EQ(families, (std::vector<std::string>{"Third", "Second", "First"}));
  expectOutcome(c_.Get(path("Patient/" + id + "/_history/abc")), 404);
  expectOutcome(c_.Get(path("Patient/" + id + "/_history/0")), 404);
}

TEST_F(Crud, UpdateBumpsTheVersion) {
  std::string id = createPatient();
  auto res = put("Patient/" + id,
                 R"({"resourceType":"Patient","id":")" + id + R"(","meta":{"versionId":"99"},"active":true})");
  ASSERT_EQ(res->status, 200);
  auto body = parseJson(res->body);
  EXPECT_EQ(body["meta"]["versionId"], "2");
  EXPECT_EQ(body["active"], true);
  EXPECT_FALSE(body.contains("name"));
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"2\"");
  EXPECT_EQ(res->get_header_value("Location"), base() + "/Patient/" + id + "/_history/2");
}

TEST_F(Crud, UpdateAsCreateUsesTheClientsId) {
  auto res = put("Patient/my-own-id-1", R"({"resourceType":"Patient","id":"my-own-id-1"})");
  ASSERT_EQ(res->status, 201);
  EXPECT_EQ(parseJson(res->body)["id"], "my-own-id-1");
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"1\"");
  EXPECT_EQ(put("Patient/my-own-id-1", R"({"resourceType":"Patient","id":"my-own-id-1"})")->status, 200);
}

TEST_F(Crud, UpdateRejectsMismatchedOrMissingIdsAndTypes) {
  std::string id = createPatient();
  expectOutcome(put("Patient/" + id, R"({"resourceType":"Patient","id":"other"})"), 400);
  expectOutcome(put("Patient/" + id, R"({"resourceType":"Patient"})"), 400);
  expectOutcome(put("Patient/" + id, R"({"resourceType":"Observation","id":")" + id + R"("})"), 400);
  expectOutcome(put("Patient/" + id, R"({"resourceType":"Unicorn","id":")" + id + R"("})"), 400);
  expectOutcome(put("Patient/" + id, R"({"id":")" + id + R"("})"), 400);
  expectOutcome(put("Patient/" + id, R"({"resourceType":"Patient","id":5})"), 400);
  expectOutcome(put("Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"(","meta":"x"})"), 400);
  auto mismatch = put("Patient/" + id, R"({"resourceType":"Patient","id":"other"})");
  EXPECT_EQ(parseJson(mismatch->body)["issue"][0]["expression"][0], "Patient.id");
  // Nothing was written by any of them.
  EXPECT_EQ(c_.Get(path("Patient/" + id))->get_header_value("ETag"), "W/\"1\"");
}

TEST_F(Crud, IfMatchGuardsAgainstLostUpdates) {
  std::string id = createPatient();
  std::string body = R"({"resourceType":"Patient","id":")" + id + R"("})";
  EXPECT_EQ(put("Patient/" + id, body, {{"If-Match", "W/\"1\""}})->status, 200);
  expectOutcome(put("Patient/" + id, body, {{"If-Match", "W/\"1\""}}), 412);
  expectOutcome(put("Patient/" + id, body, {{"If-Match", "garbage"}}), 400);
  EXPECT_EQ(put("Patient/" + id, body, {{"If-Match", "\"2\""}})->status, 200);
  expectOutcome(put("Patient/never-was", R"({"resourceType":"Patient","id":"never-was"})", {{"If-Match", "W/\"1\""}}),
                412);
  expectOutcome(c_.Delete(path("Patient/" + id), {{"If-Match", "W/\"1\""}}), 412);
  EXPECT_EQ(c_.Get(path("Patient/" + id))->get_header_value("ETag"), "W/\"3\"");
}

TEST_F(Crud, DeleteThenGoneThenRecreate) {
  std::string id = createPatient("Gone");
  auto del = c_.Delete(path("Patient/" + id));
  EXPECT_EQ(del->status, 204);
  EXPECT_EQ(del->get_header_value("ETag"), "W/\"2\"");
  expectOutcome(c_.Get(path("Patient/" + id)), 410);
  expectOutcome(c_.Get(path("Patient/" + id + "/_history/2")), 410);
  auto v1 = c_.Get(path("Patient/" + id + "/_history/1"));
  EXPECT_EQ(v1->status, 200);
  EXPECT_EQ(parseJson(v1->body)["name"][0]["family"], "Gone");
  EXPECT_EQ(c_.Delete(path("Patient/" + id))->status, 204);
  expectOutcome(c_.Delete(path("Patient/never-existed")), 404);
  auto again = put("Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"("})");
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(parseJson(again->body)["meta"]["versionId"], "3");
  EXPECT_FALSE(parseJson(c_.Get(path("Patient?_id=" + id))->body)["entry"].empty());
  EXPECT_EQ(parseJson(c_.Get(path("Patient/" + id + "/_history/1"))->body)["name"][0]["family"], "Gone");
  expectOutcome(c_.Get(path("Patient/" + id + "/_history/2")), 410);
  EXPECT_FALSE(parseJson(c_.Get(path("Patient/" + id + "/_history/3"))->body).contains("name"));
}

TEST_F(Crud, PreferControlsTheResponseBody) {
  auto minimal = post("Patient", R"({"resourceType":"Patient"})", {{"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal->status, 201);
  EXPECT_TRUE(minimal->body.empty());
  EXPECT_FALSE(minimal->get_header_value("Location").empty());
  EXPECT_EQ(minimal->get_header_value("ETag"), "W/\"1\"");
  auto outcome = post("Patient", R"({"resourceType":"Patient"})", {{"Prefer", "return=OperationOutcome"}});
  EXPECT_EQ(outcome->status, 201);
  EXPECT_EQ(parseJson(outcome->body)["resourceType"], "OperationOutcome");
  EXPECT_EQ(parseJson(outcome->body)["issue"][0]["severity"], "information");
  auto full = post("Patient", R"({"resourceType":"Patient"})", {{"Prefer", "return=representation"}});
  EXPECT_EQ(parseJson(full->body)["resourceType"], "Patient");
}

TEST_F(Crud, BadBodiesAreRejectedWithoutWriting) {
  expectOutcome(post("Patient", "{\"resourceType\":\"Patient\","), 400);
  expectOutcome(post("Patient", "[]"), 400);
  expectOutcome(post("Patient", ""), 400);
  expectOutcome(post("Patient", "\"Patient\""), 400);
  expectOutcome(post("Patient", R"({"resourceType":"Patient","resourceType":"Patient"})"), 400);
  expectOutcome(post("Patient", std::string("{\"resourceType\":\"Patient\",\"x\":\"\xff\"}")), 400);
  auto parse = post("Patient", "{\"resourceType\": tru}");
  EXPECT_NE(parseJson(parse->body)["issue"][0]["diagnostics"].get<std::string>().find("byte"), std::string::npos);
  expectOutcome(c_.Post(path("Patient"), "<Patient xmlns=\"http://hl7.org/fhir\"/>", "application/fhir+xml"), 415);
  expectOutcome(c_.Post(path("Patient"), R"({"resourceType":"Patient"})", "text/plain"), 415);
  EXPECT_EQ(c_.Post(path("Patient"), R"({"resourceType":"Patient"})", "application/json")->status, 201);
  EXPECT_EQ(c_.Post(path("Patient"), R"({"resourceType":"Patient"})", "application/fhir+json; charset=utf-8")->status,
            201);
}

TEST_F(Crud, UnsupportedMethodsAre405) {
  std::string id = createPatient();
  // Without criteria, PATCH/DELETE/PUT on a type are conditional interactions missing them.
  expectOutcome(c_.Patch(path("Patient"), R"([])", "application/json-patch+json"), 400);
  expectOutcome(c_.Delete(path("Patient")), 400);
  expectOutcome(c_.Get(path("")), 400);  // a system search without _type
  expectOutcome(c_.Post(path("Patient/" + id), R"({})", "application/fhir+json"), 405);
  expectOutcome(c_.Put(path("Patient/_history"), R"({})", "application/fhir+json"), 405);
  expectOutcome(c_.Post(path("metadata"), "", "application/fhir+json"), 405);
}

TEST_F(Crud, ContentNegotiation) {
  std::string id = createPatient();
  expectOutcome(c_.Get(path("Patient/" + id), {{"Accept", "application/fhir+xml"}}), 406);
  expectOutcome(c_.Get(path("Patient/" + id + "?_format=xml")), 406);
  expectOutcome(c_.Get(path("Patient/" + id + "?_format=application/fhir+xml")), 406);
  EXPECT_EQ(c_.Get(path("Patient/" + id + "?_format=json"))->status, 200);
  EXPECT_EQ(c_.Get(path("Patient/" + id + "?_format=application/fhir%2Bjson"))->status, 200);
  EXPECT_EQ(c_.Get(path("Patient/" + id), {{"Accept", "text/html, application/fhir+json;q=0.9"}})->status, 200);
  auto plain = c_.Get(path("Patient/" + id), {{"Accept", "application/json"}});
  EXPECT_EQ(plain->get_header_value("Content-Type"), "application/json;charset=utf-8");
  auto any = c_.Get(path("Patient/" + id), {{"Accept", "*/*"}});
  EXPECT_EQ(any->get_header_value("Content-Type"), "application/fhir+json;charset=utf-8");
  auto pretty = c_.Get(path("Patient/" + id + "?_pretty=true"));
  EXPECT_NE(pretty->body.find("\n  \"resourceType\": \"Patient\""), std::string::npos);
  EXPECT_EQ(parseJson(pretty->body), parseJson(c_.Get(path("Patient/" + id))->body));
}

// Raw requests here: cpp-httplib 0.11 waits for a body after a 304, which has none.
TEST_F(Crud, ConditionalReadAnswers304) {
  std::string id = createPatient();
  auto current = c_.Get(path("Patient/" + id));
  auto conditional = [&](const std::string& header) {
    return rawExchange(sharedServer().port(), "GET " + path("Patient/" + id) + " HTTP/1.1\r\nHost: t\r\n" + header +
                                                  "\r\nConnection: close\r\n\r\n");
  };
  std::string same = conditional("If-None-Match: W/\"1\"");
  EXPECT_EQ(same.rfind("HTTP/1.1 304 Not Modified\r\n", 0), 0u) << same;
  EXPECT_NE(same.find("ETag: W/\"1\""), std::string::npos);
  EXPECT_EQ(same.substr(same.find("\r\n\r\n") + 4), "");
  EXPECT_EQ(conditional("If-None-Match: W/\"7\"").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(conditional("If-Modified-Since: " + current->get_header_value("Last-Modified")).rfind("HTTP/1.1 304", 0), 0u);
  EXPECT_EQ(conditional("If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT").rfind("HTTP/1.1 200", 0), 0u);
}
