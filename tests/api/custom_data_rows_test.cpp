// Custom data rows over HTTP with a namespace key: who may read and write, create/get/update/
// delete, every field type round-tripping, links to the clinical record, and listing with
// Django-style lookups, ordering and keyset pages; hostile names and values.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

json manifest(const std::string& name, const std::string& ns) {
  return {{"sdk_version", "0.203.0"}, {"plugin_version", "1.0.0"}, {"name", name}, {"description", "rows"},
          {"components", {{"handlers", json::array()}}}, {"tags", json::object()}, {"license", ""}, {"readme", false},
          {"custom_data", {{"namespace", ns}, {"access", "read_write"}}}};
}

const char* kModels = R"({"models":[
  {"name":"Room","fields":[{"name":"name","type":"text"},{"name":"floor","type":"integer"}]},
  {"name":"Booking","fields":[
    {"name":"room","type":"foreign_key","to":"Room"},
    {"name":"patient","type":"foreign_key","to":"Patient","related_name":"+"},
    {"name":"at","type":"datetime"}]},
  {"name":"Everything","fields":[
    {"name":"t","type":"text"},{"name":"c","type":"char","max_length":5},{"name":"i","type":"integer"},
    {"name":"b","type":"bigint"},{"name":"ok","type":"boolean"},{"name":"d","type":"date"},{"name":"dt","type":"datetime"},
    {"name":"dec","type":"decimal"},{"name":"f","type":"float"},{"name":"j","type":"json"},{"name":"u","type":"uuid"}]}]})";

class CustomDataRows : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    instance_ = createInstance("rows");
    other_ = createInstance("rows-other");
    auto c = client();
    const httplib::Headers admin = {{"Authorization", std::string("Bearer ") + kAdminKey}};
    json body = {{"manifest", manifest("rooms", "acme__rooms")}, {"models", json::parse(kModels)}};
    auto res = c.Post("/admin/instances/" + instance_ + "/plugins", admin, body.dump(), "application/json");
    if (!res || res->status != 201) throw std::runtime_error("install failed: " + (res ? res->body : ""));
    auto keys = json::parse(res->body)["keys"];
    readKey_ = keys["namespace_read_access_key"];
    writeKey_ = keys["namespace_read_write_access_key"];
    body["models"] = json::parse(R"({"models":[{"name":"Room","fields":[{"name":"name","type":"text"}]}]})");
    res = c.Post("/admin/instances/" + other_ + "/plugins", admin, body.dump(), "application/json");
    otherKey_ = json::parse(res->body)["keys"]["namespace_read_write_access_key"];
  }
  std::string url(const std::string& model, const std::string& rest = "") const {
    return "/" + instance_ + "/custom-data/acme__rooms/models/" + model + rest;
  }
  static httplib::Headers key(const std::string& k) { return {{"Authorization", "Namespace " + k}}; }
  json post(const std::string& model, const json& row, int status = 201) {
    auto res = c_.Post(url(model), key(writeKey_), row.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return nullptr;
    EXPECT_EQ(res->status, status) << row.dump() << "\n" << res->body;
    return json::parse(res->body);
  }
  json list(const std::string& model, const std::string& query) {
    auto res = c_.Get(url(model, "?" + query), key(readKey_));
    EXPECT_EQ(res->status, 200) << query << "\n" << res->body;
    return json::parse(res->body);
  }
  std::vector<std::string> names(const std::string& query) {
    std::vector<std::string> out;
    const json page = list("Room", query);
    for (const auto& r : page["results"]) out.push_back(r["name"].is_null() ? "null" : r["name"].get<std::string>());
    return out;
  }
  static std::string psqlValue(const std::string& sql) {
    std::string out = psql(databaseUrl(), sql);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  // The schema holding this suite's namespace.
  std::string trimmedSchema() const {
    const std::string instanceSchema = psqlValue("SELECT schema_name FROM flint.instances WHERE name = '" + instance_ + "'");
    return psqlValue("SELECT schema_name FROM \"" + instanceSchema + "\".custom_data_namespaces WHERE name = 'acme__rooms'");
  }
  static std::string instance_, other_, readKey_, writeKey_, otherKey_;
  httplib::Client c_ = client();
};
std::string CustomDataRows::instance_, CustomDataRows::other_, CustomDataRows::readKey_, CustomDataRows::writeKey_,
    CustomDataRows::otherKey_;

TEST_F(CustomDataRows, TheNamespaceKeyDecidesWhoReadsAndWrites) {
  EXPECT_EQ(c_.Get(url("Room"))->status, 401);
  EXPECT_EQ(c_.Get(url("Room"))->get_header_value("WWW-Authenticate"), "Namespace");
  EXPECT_EQ(c_.Get(url("Room"), key("wrong"))->status, 401);
  EXPECT_EQ(c_.Get(url("Room"), {{"Authorization", "Bearer " + writeKey_}})->status, 401);
  EXPECT_EQ(c_.Get(url("Room"), key(otherKey_))->status, 401) << "a key of another instance's namespace";
  EXPECT_EQ(c_.Get("/" + other_ + "/custom-data/acme__rooms/models/Room", key(writeKey_))->status, 401);
  EXPECT_EQ(c_.Get("/" + instance_ + "/custom-data/acme__other/models/Room", key(writeKey_))->status, 401);
  EXPECT_EQ(c_.Get(url("Room"), key(readKey_))->status, 200);
  auto denied = c_.Post(url("Room"), key(readKey_), R"({"name":"x"})", "application/json");
  EXPECT_EQ(denied->status, 403);
  EXPECT_NE(denied->body.find("Write operation denied: namespace 'acme__rooms' is read-only. Plugin must declare "
                              "'read_write' access to perform write operations."),
            std::string::npos)
      << denied->body;
  EXPECT_EQ(c_.Get(url("Nope"), key(readKey_))->status, 404);
}

TEST_F(CustomDataRows, CreateGetUpdateDelete) {
  json room = post("Room", {{"name", "Blue"}, {"floor", 2}});
  ASSERT_TRUE(room["dbid"].is_number());
  const std::string id = std::to_string(room["dbid"].get<long long>());
  EXPECT_EQ(room, json({{"dbid", room["dbid"]}, {"name", "Blue"}, {"floor", 2}}));
  EXPECT_EQ(json::parse(c_.Get(url("Room", "/" + id), key(readKey_))->body), room);
  auto patched = c_.Patch(url("Room", "/" + id), key(writeKey_), R"({"floor":3})", "application/json");
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(json::parse(patched->body)["floor"], 3);
  EXPECT_EQ(json::parse(patched->body)["name"], "Blue");
  EXPECT_EQ(c_.Patch(url("Room", "/" + id), key(writeKey_), R"({"dbid":9})", "application/json")->status, 400);
  EXPECT_EQ(c_.Patch(url("Room", "/" + id), key(writeKey_), R"({"colour":"red"})", "application/json")->status, 400);
  EXPECT_EQ(c_.Delete(url("Room", "/" + id), key(writeKey_))->status, 204);
  EXPECT_EQ(c_.Get(url("Room", "/" + id), key(readKey_))->status, 404);
  EXPECT_EQ(c_.Delete(url("Room", "/" + id), key(writeKey_))->status, 404);
  EXPECT_EQ(c_.Get(url("Room", "/abc"), key(readKey_))->status, 404);
  post("Room", {{"name", std::string(1048577, 'x')}}, 400);
  // Malformed bodies and the wrong instance.
  for (const char* body : {"{not json", "[]", "\"text\"", ""})
    EXPECT_EQ(c_.Post(url("Room"), key(writeKey_), body, "application/json")->status, 400) << body;
  EXPECT_EQ(c_.Patch(url("Room", "/1"), key(writeKey_), "{not json", "application/json")->status, 400);
  EXPECT_EQ(c_.Get("/no-such-instance/custom-data/acme__rooms/models/Room", key(readKey_))->status, 404);
  EXPECT_EQ(c_.Get("/" + instance_ + "/custom-data/acme__rooms/tables/Room", key(readKey_))->status, 404);
  EXPECT_EQ(c_.Put(url("Room", "/1"), key(writeKey_), "{}", "application/json")->status, 405);
  post("Room", {{"floor", "two"}}, 400);
  post("Room", {{"floor", 3000000000LL}}, 400);
}

TEST_F(CustomDataRows, EveryFieldTypeRoundTrips) {
  json in = {{"t", "text with ' and \" and \\\\"}, {"c", "abcde"}, {"i", -2147483648LL}, {"b", 9007199254740993LL},
             {"ok", true}, {"d", "2024-02-29"}, {"dt", "2025-01-31T09:30:00.250+01:00"}, {"f", 0.1},
             {"u", "123e4567-e89b-12d3-a456-426614174000"}};
  std::string body = in.dump();
  // Exact decimals and json numbers are written as text so that no double rounds them.
  body.insert(body.size() - 1, R"(,"dec":1234567890.0123456789,"j":{"price":1.50,"big":12345678901234567890,"list":[1,"two",null]})");
  auto res = c_.Post(url("Everything"), key(writeKey_), body, "application/json");
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string& out = res->body;
  for (const char* expected : {R"("i":-2147483648)", R"("b":9007199254740993)", R"("ok":true)", R"("d":"2024-02-29")",
                               R"("dt":"2025-01-31T08:30:00.25Z")", R"("dec":1234567890.0123456789)", R"("f":0.1)",
                               R"("price":1.50)", R"("big":12345678901234567890)", R"("u":"123e4567-e89b-12d3-a456-426614174000")",
                               R"("c":"abcde")"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << " in " << out;
  EXPECT_EQ(json::parse(out)["t"], in["t"]);
  post("Everything", {{"c", "abcdef"}}, 400);
  post("Everything", {{"dt", "2025-01-31T09:30:00"}}, 400);  // an instant needs its zone
  post("Everything", {{"u", "not-a-uuid"}}, 400);
  post("Everything", {{"d", "31/01/2025"}}, 400);
}

// Once this process knows a key's access, a get by key is answered on the reactor's pipelined
// connection (its statement is the last that connection ran); the answers are the worker's.
TEST_F(CustomDataRows, GetByKeyOnTheReactorAnswersAsTheWorkerDoes) {
  std::string body = json({{"t", "quick"}, {"dt", "2025-01-31T09:30:00.250+01:00"}, {"ok", false}}).dump();
  body.insert(body.size() - 1, R"(,"dec":0.1000000000,"j":{"n":1.50})");
  auto created = c_.Post(url("Everything"), key(writeKey_), body, "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string rowUrl = url("Everything", "/" + std::to_string(json::parse(created->body)["dbid"].get<long long>()));
  // The first get may fall to a worker, which then remembers the access; so may one that meets the
  // second-long memory of the access or instance as it lapses. Three in a row cannot all.
  std::string lastQuick;
  for (int attempt = 0; attempt < 3 && lastQuick.find("\"everything\" WHERE \"dbid\" = $1") == std::string::npos;
       ++attempt) {
    auto got = c_.Get(rowUrl, key(readKey_));
    ASSERT_EQ(got->status, 200) << got->body;
    EXPECT_EQ(got->body, created->body);
    EXPECT_EQ(got->get_header_value("Content-Type"), "application/json");
    lastQuick = psqlValue(
        "SELECT string_agg(query, ' ') FROM pg_stat_activity WHERE application_name LIKE 'flint reads %'");
  }
  EXPECT_NE(lastQuick.find("\"everything\" WHERE \"dbid\" = $1"), std::string::npos)
      << lastQuick << "\n"
      << c_.Get("/metrics", {{"Authorization", std::string("Bearer ") + kAdminKey}})->body;

  auto missing = c_.Get(url("Everything", "/987654321"), key(readKey_));
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("DoesNotExist: Everything 987654321 does not exist"), std::string::npos) << missing->body;
  EXPECT_EQ(c_.Get(url("Everything", "/x1"), key(readKey_))->status, 404);
  EXPECT_EQ(c_.Get(url("Nope", "/1"), key(readKey_))->status, 404);
  EXPECT_EQ(c_.Get(rowUrl, key(readKey_ + "x"))->status, 401) << "a key this process never granted";
  EXPECT_EQ(c_.Get(rowUrl, key(otherKey_))->status, 401);
  EXPECT_EQ(c_.Get("/" + other_ + "/custom-data/acme__rooms/models/Room/1", key(readKey_))->status, 401)
      << "a remembered key opens its own instance's namespace only";
}

TEST_F(CustomDataRows, LinksToTheClinicalRecord) {
  auto patient = c_.Post("/" + instance_ + "/fhir/Patient", R"({"resourceType":"Patient","name":[{"family":"Ray"}]})",
                         "application/fhir+json");
  const std::string patientId = json::parse(patient->body)["id"];
  json room = post("Room", {{"name", "Linked"}});
  json booking = post("Booking", {{"room", room["dbid"]}, {"patient", patientId}, {"at", "2025-03-01T10:00:00Z"}});
  EXPECT_EQ(booking["patient"], patientId);
  post("Booking", {{"patient", "no-such-patient"}}, 400);
  post("Booking", {{"patient", "a/../b"}}, 400);
  const std::string bookingUrl = url("Booking", "/" + std::to_string(booking["dbid"].get<long long>()));
  auto expanded = json::parse(c_.Get(bookingUrl + "?expand=patient", key(readKey_))->body);
  EXPECT_EQ(expanded["expanded"]["patient"]["resourceType"], "Patient");
  EXPECT_EQ(expanded["expanded"]["patient"]["name"][0]["family"], "Ray");
  EXPECT_FALSE(expanded.contains("dangling"));
  EXPECT_EQ(c_.Get(bookingUrl + "?expand=room", key(readKey_))->status, 400) << "only links to the clinical record expand";
  // Lookups follow foreign keys to other models.
  const json viaRoom = list("Booking", "room__name=Linked&expand=patient");
  ASSERT_EQ(viaRoom["results"].size(), 1u);
  EXPECT_EQ(viaRoom["results"][0]["expanded"]["patient"]["id"], patientId);
  EXPECT_TRUE(list("Booking", "room__name=Elsewhere")["results"].empty());
  EXPECT_EQ(list("Booking", "room__name__startswith=Lin&count=true")["count"], 1);
  EXPECT_EQ(c_.Get(url("Booking", "?patient__name=x"), key(readKey_))->status, 400) << "the clinical record is not joined";

  ASSERT_EQ(c_.Delete("/" + instance_ + "/fhir/Patient/" + patientId)->status, 204);
  auto still = c_.Get(bookingUrl + "?expand=patient", key(readKey_));
  ASSERT_EQ(still->status, 200) << "a row linking a deleted patient stays readable";
  auto dangling = json::parse(still->body);
  EXPECT_EQ(dangling["patient"], patientId);
  EXPECT_TRUE(dangling["expanded"]["patient"].is_null());
  EXPECT_EQ(dangling["dangling"], json({"patient"}));
}

TEST_F(CustomDataRows, ListingWithLookupsOrderAndPages) {
  const std::string ns = "acme__rooms";
  for (int floor = 1; floor <= 5; ++floor) post("Room", {{"name", "Lk " + std::string(1, char('A' + floor - 1))}, {"floor", floor}});
  post("Room", {{"name", nullptr}, {"floor", 9}});
  const std::string lk = "name__startswith=Lk&";
  EXPECT_EQ(list("Room", lk + "count=true")["count"], 5);
  EXPECT_EQ(names(lk + "floor__gte=3&order_by=floor"), (std::vector<std::string>{"Lk C", "Lk D", "Lk E"}));
  EXPECT_EQ(names(lk + "floor__lt=3&order_by=-floor"), (std::vector<std::string>{"Lk B", "Lk A"}));
  EXPECT_EQ(names(lk + "floor__in=1,3,9&order_by=name"), (std::vector<std::string>{"Lk A", "Lk C"}));
  EXPECT_EQ(names(lk + "floor__range=2,4&order_by=floor"), (std::vector<std::string>{"Lk B", "Lk C", "Lk D"}));
  EXPECT_EQ(names("name__iexact=LK B"), (std::vector<std::string>{"Lk B"}));
  EXPECT_EQ(names("name__icontains=k e"), (std::vector<std::string>{"Lk E"}));
  EXPECT_TRUE(names("name__contains=K E").empty());
  EXPECT_EQ(names("name__istartswith=lk d"), (std::vector<std::string>{"Lk D"}));
  EXPECT_EQ(names("name__isnull=true"), (std::vector<std::string>{"null"}));
  EXPECT_EQ(names(lk + "exclude__floor__gte=2"), (std::vector<std::string>{"Lk A"}));
  EXPECT_EQ(names("floor=9&exclude__name=x"), (std::vector<std::string>{"null"})) << "exclude keeps rows whose value is null";
  // Keyset pages: two at a time, descending by floor, following next links to the end.
  std::vector<std::string> seen;
  std::string next = url("Room", "?" + lk + "order_by=-floor&limit=2");
  int pages = 0;
  while (!next.empty() && pages < 10) {
    auto res = c_.Get(next.substr(next.find("/" + instance_)), key(readKey_));
    ASSERT_EQ(res->status, 200) << res->body;
    auto page = json::parse(res->body);
    for (const auto& r : page["results"]) seen.push_back(r["name"]);
    next = page.value("next", "");
    ++pages;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Lk E", "Lk D", "Lk C", "Lk B", "Lk A"}));
  EXPECT_EQ(pages, 3);
  // Names that are not the model's, and values that look like SQL.
  EXPECT_EQ(c_.Get(url("Room", "?name%22%3Bdrop=1"), key(readKey_))->status, 400);
  EXPECT_EQ(c_.Get(url("Room", "?order_by=name;drop"), key(readKey_))->status, 400);
  EXPECT_EQ(c_.Get(url("Room", "?floor__like=1"), key(readKey_))->status, 400);
  EXPECT_EQ(c_.Get(url("Room", "?floor=abc"), key(readKey_))->status, 400);
  EXPECT_EQ(c_.Get(url("Room", "?after=garbage"), key(readKey_))->status, 400);
  EXPECT_TRUE(names("name=a%27)%3B%20DROP%20TABLE%20room%3B%20--").empty());
  EXPECT_EQ(list("Room", lk + "count=true")["count"], 5) << "the table is intact";
  (void)ns;
}

TEST_F(CustomDataRows, AggregatesOverTheSelectedRows) {
  for (auto [name, floor] : std::vector<std::pair<std::string, int>>{{"Ag x", 1}, {"Ag x", 4}, {"Ag y", 10}, {"Ag y", 20}, {"Ag z", 7}})
    post("Room", {{"name", name}, {"floor", floor}});
  std::vector<int> floors;
  const json ordered = list("Room", "name__startswith=Ag&order_by=floor");
  for (const auto& r : ordered["results"]) floors.push_back(r["floor"]);
  EXPECT_EQ(floors, (std::vector<int>{1, 4, 7, 10, 20})) << "numbers order by value, not as text";
  auto all = json::parse(c_.Get(url("Room", "/_aggregate?name__startswith=Ag&count=dbid&sum=floor&avg=floor&min=floor&max=name"),
                                key(readKey_))->body);
  EXPECT_EQ(all["dbid__count"], 5);
  EXPECT_EQ(all["floor__sum"], 42);
  EXPECT_EQ(all["floor__avg"].get<double>(), 8.4);
  EXPECT_EQ(all["floor__min"], 1);
  EXPECT_EQ(all["name__max"], "Ag z");
  auto grouped = json::parse(c_.Get(url("Room", "/_aggregate?name__startswith=Ag&group_by=name&sum=floor&count=floor"),
                                    key(readKey_))->body);
  EXPECT_EQ(grouped["results"], json::parse(R"([{"name":"Ag x","floor__sum":5,"floor__count":2},
                                                 {"name":"Ag y","floor__sum":30,"floor__count":2},
                                                 {"name":"Ag z","floor__sum":7,"floor__count":1}])"));
  auto none = json::parse(c_.Get(url("Room", "/_aggregate?name=nobody&sum=floor&count=dbid"), key(readKey_))->body);
  EXPECT_TRUE(none["floor__sum"].is_null());
  EXPECT_EQ(none["dbid__count"], 0);
  EXPECT_EQ(c_.Get(url("Room", "/_aggregate?sum=name"), key(readKey_))->status, 400);
  EXPECT_EQ(c_.Get(url("Room", "/_aggregate?name=x"), key(readKey_))->status, 400);
}

TEST_F(CustomDataRows, GetOrCreateCreatesExactlyOneRowUnderARace) {
  const std::string body = R"({"lookup":{"name":"Raced"},"defaults":{"floor":1}})";
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, answered{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto c = client();
      auto res = c.Post(url("Room", "/_get_or_create"), key(writeKey_), body, "application/json");
      if (res && res->status == 200) {
        ++answered;
        if (json::parse(res->body)["created"] == true) ++created;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered, 8);
  EXPECT_EQ(created, 1);
  EXPECT_EQ(list("Room", "name=Raced&count=true")["count"], 1);
  auto updated = c_.Post(url("Room", "/_update_or_create"), key(writeKey_), R"({"lookup":{"name":"Raced"},"defaults":{"floor":6}})",
                         "application/json");
  ASSERT_EQ(updated->status, 200) << updated->body;
  EXPECT_EQ(json::parse(updated->body)["created"], false);
  EXPECT_EQ(json::parse(updated->body)["row"]["floor"], 6);
  EXPECT_EQ(c_.Post(url("Room", "/_get_or_create"), key(readKey_), body, "application/json")->status, 403);
}

TEST_F(CustomDataRows, BulkOperationsAndTheirLimit) {
  json rows = json::array();
  for (int i = 0; i < 3; ++i) rows.push_back({{"name", "Bulk " + std::to_string(i)}, {"floor", i}});
  auto created = c_.Post(url("Room", "/_bulk_create"), key(writeKey_), json({{"rows", rows}}).dump(), "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  auto made = json::parse(created->body)["rows"];
  ASSERT_EQ(made.size(), 3u);
  json updates = json::array();
  for (const auto& r : made) updates.push_back({{"dbid", r["dbid"]}, {"floor", 100}});
  auto updated = c_.Post(url("Room", "/_bulk_update"), key(writeKey_), json({{"rows", updates}}).dump(), "application/json");
  ASSERT_EQ(updated->status, 200) << updated->body;
  EXPECT_EQ(list("Room", "name__startswith=Bulk&floor=100&count=true")["count"], 3);
  json tooMany = json::array();
  for (int i = 0; i < 10001; ++i) tooMany.push_back({{"name", "x"}});
  auto refused = c_.Post(url("Room", "/_bulk_create"), key(writeKey_), json({{"rows", tooMany}}).dump(), "application/json");
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("BulkOperationTooLarge"), std::string::npos);
  json withBad = rows;
  withBad.push_back({{"floor", "high"}});
  EXPECT_EQ(c_.Post(url("Room", "/_bulk_create"), key(writeKey_), json({{"rows", withBad}}).dump(), "application/json")->status, 400);
  EXPECT_EQ(list("Room", "name__startswith=Bulk&count=true")["count"], 3) << "a failing bulk create writes nothing";
  json keys = json::array();
  for (const auto& r : made) keys.push_back(r["dbid"]);
  auto deleted = c_.Post(url("Room", "/_bulk_delete"), key(writeKey_), json({{"keys", keys}}).dump(), "application/json");
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_EQ(json::parse(deleted->body)["deleted"], 3);
  EXPECT_EQ(list("Room", "name__startswith=Bulk&count=true")["count"], 0);
}

TEST_F(CustomDataRows, AtomicRequestsAreAllOrNothing) {
  const std::string atomic = "/" + instance_ + "/custom-data/acme__rooms/atomic";
  json ok = {{"operations",
              {{{"op", "create"}, {"model", "Room"}, {"row", {{"name", "Atomic A"}}}},
               {{"op", "get_or_create"}, {"model", "Room"}, {"lookup", {{"name", "Atomic B"}}}}}}};
  auto res = c_.Post(atomic, key(writeKey_), ok.dump(), "application/json");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["results"].size(), 2u);
  json failing = {{"operations",
                   {{{"op", "create"}, {"model", "Room"}, {"row", {{"name", "Atomic C"}}}},
                    {{"op", "update"}, {"model", "Room"}, {"key", 999999999}, {"row", {{"floor", 1}}}}}}};
  res = c_.Post(atomic, key(writeKey_), failing.dump(), "application/json");
  EXPECT_EQ(res->status, 404) << res->body;
  EXPECT_NE(res->body.find("operation 1"), std::string::npos) << res->body;
  EXPECT_EQ(list("Room", "name__startswith=Atomic&count=true")["count"], 2) << "nothing of the failed request stays";
  EXPECT_EQ(c_.Post(atomic, key(readKey_), ok.dump(), "application/json")->status, 403);
}

TEST_F(CustomDataRows, AttributeHubsKeepEachValueInItsTypedColumn) {
  const std::string hub = "/" + instance_ + "/custom-data/acme__rooms/hubs/meal_entry/m1";
  const std::string attributes = R"({"attributes":{"calories":650,"ratio":0.25,"name":"Lunch","vegan":false,
    "eaten":{"date":"2025-02-03"},"logged":{"timestamp":"2025-02-03T12:30:00+01:00"},"tags":["hot",{"n":1.50}]}})";
  auto set = c_.Patch(hub, key(writeKey_), attributes, "application/json");
  ASSERT_EQ(set->status, 200) << set->body;
  auto got = json::parse(c_.Get(hub, key(readKey_))->body);
  EXPECT_EQ(got["type"], "meal_entry");
  EXPECT_EQ(got["attributes"]["calories"], 650);
  EXPECT_EQ(got["attributes"]["name"], "Lunch");
  EXPECT_EQ(got["attributes"]["vegan"], false);
  EXPECT_EQ(got["attributes"]["eaten"], json({{"date", "2025-02-03"}}));
  EXPECT_EQ(got["attributes"]["logged"], json({{"timestamp", "2025-02-03T11:30:00Z"}}));
  EXPECT_NE(c_.Get(hub, key(readKey_))->body.find(R"({"n":1.50})"), std::string::npos) << "json keeps its numbers";
  EXPECT_EQ(got["attributes"]["ratio"].get<double>(), 0.25);
  const std::string schema = trimmedSchema();
  EXPECT_EQ(psqlValue("SELECT int_value::text FROM \"" + schema + "\".custom_attribute WHERE name = 'calories'"), "650");
  EXPECT_EQ(psqlValue("SELECT count(*) FROM \"" + schema + "\".custom_attribute WHERE name = 'calories' AND text_value IS NULL"
                      " AND decimal_value IS NULL AND json_value IS NULL"), "1");
  // A new value of another type clears the old column.
  ASSERT_EQ(c_.Patch(hub, key(writeKey_), R"({"attributes":{"calories":"a lot"}})", "application/json")->status, 200);
  EXPECT_EQ(psqlValue("SELECT coalesce(int_value::text, 'null') || ' ' || text_value FROM \"" + schema +
                      "\".custom_attribute WHERE name = 'calories'"), "null a lot");
  ASSERT_EQ(c_.Patch(hub, key(writeKey_), R"({"attributes":{"calories":650}})", "application/json")->status, 200);
  auto only = json::parse(c_.Get(hub + "?with_only=name,vegan", key(readKey_))->body);
  EXPECT_EQ(only["attributes"], json({{"name", "Lunch"}, {"vegan", false}}));
  EXPECT_EQ(json::parse(c_.Get(hub + "/attributes/calories", key(readKey_))->body), 650);

  // Filters over hubs by attribute name and typed value.
  c_.Patch("/" + instance_ + "/custom-data/acme__rooms/hubs/meal_entry/m2", key(writeKey_),
           R"({"attributes":{"calories":300,"tags":["cold"]}})", "application/json");
  auto hubs = [&](const std::string& query) {
    std::vector<std::string> ids;
    const json page = json::parse(c_.Get("/" + instance_ + "/custom-data/acme__rooms/hubs?type=meal_entry&" + query, key(readKey_))->body);
    for (const auto& h : page["results"]) ids.push_back(h["id"]);
    return ids;
  };
  EXPECT_EQ(hubs("attribute=calories&int__gte=500"), std::vector<std::string>{"m1"});
  EXPECT_EQ(hubs("attribute=calories&int__in=300,650"), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(hubs("attribute=tags&json__contains=%5B%22cold%22%5D"), std::vector<std::string>{"m2"});
  EXPECT_EQ(hubs("attribute=logged&timestamp__lt=2025-02-04T00:00:00Z"), std::vector<std::string>{"m1"});
  for (const char* bad : {"int__gte=x", "int__in=1,x", "date__lt=tomorrow", "json__contains=%7Bnot", "colour=red"})
    EXPECT_EQ(c_.Get("/" + instance_ + "/custom-data/acme__rooms/hubs?type=meal_entry&attribute=calories&" + bad,
                     key(readKey_))->status, 400) << bad;
  EXPECT_EQ(c_.Patch(hub, key(readKey_), R"({"attributes":{"x":1}})", "application/json")->status, 403);
  for (const char* body : {"{not json", R"({"attrs":{}})", R"({"attributes":[1]})", R"({"attributes":{"x":null}})"})
    EXPECT_EQ(c_.Patch(hub, key(writeKey_), body, "application/json")->status, 400) << body;
  EXPECT_EQ(c_.Patch(hub, key(writeKey_), R"({"attributes":{"big":3000000000}})", "application/json")->status, 400);
  EXPECT_EQ(c_.Delete(hub + "/attributes/calories", key(writeKey_))->status, 204);
  EXPECT_EQ(c_.Get(hub + "/attributes/calories", key(readKey_))->status, 404);
  EXPECT_EQ(c_.Delete(hub, key(writeKey_))->status, 204);
  EXPECT_EQ(c_.Get(hub, key(readKey_))->status, 404);
}

}  // namespace
