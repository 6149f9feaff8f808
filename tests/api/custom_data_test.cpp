// Plugin installation and custom data namespaces (custom_data/): the manifest validated strictly
// with JSON paths, the reference product's install matrix, keys shown once and stored hashed,
// uninstall keeping the data, and namespaces isolated between instances.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

json manifest(const std::string& name, const std::string& ns = "", const std::string& access = "read_write") {
  json m = {{"sdk_version", "0.203.0"},
            {"plugin_version", "1.0.0"},
            {"name", name},
            {"description", "A test plugin"},
            {"components", {{"handlers", {{{"class", name + ".handlers:Handler"}, {"description", "handles"}}}}}},
            {"tags", json::object()},
            {"license", ""},
            {"readme", false}};
  if (!ns.empty()) m["custom_data"] = {{"namespace", ns}, {"access", access}};
  return m;
}

class CustomDataInstall : public ::testing::Test {
 protected:
  httplib::Result install(const std::string& instance, const json& body, bool withAdminKey = true) {
    httplib::Headers headers;
    if (withAdminKey) headers.emplace("Authorization", std::string("Bearer ") + kAdminKey);
    return c_.Post("/admin/instances/" + instance + "/plugins", headers, body.dump(), "application/json");
  }
  json installed(const std::string& instance, const json& body, int status = 201) {
    auto res = install(instance, body);
    EXPECT_TRUE(res);
    if (!res) return nullptr;
    EXPECT_EQ(res->status, status) << res->body;
    return parseJson(res->body);
  }
  json plugins(const std::string& instance) {
    auto res = c_.Get("/admin/instances/" + instance + "/plugins", {{"Authorization", std::string("Bearer ") + kAdminKey}});
    return parseJson(res->body);
  }
  // The PostgreSQL schema holding `ns` in `instance`.
  static std::string namespaceSchema(const std::string& instance, const std::string& ns) {
    std::string schema = trimmed(psql(databaseUrl(), "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
    return trimmed(psql(databaseUrl(), "SELECT schema_name FROM \"" + schema + "\".custom_data_namespaces WHERE name = '" + ns + "'"));
  }
  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  httplib::Client c_ = client();
};

TEST_F(CustomDataInstall, TheManifestIsValidatedStrictlyWithEveryErrorsPath) {
  const std::string inst = createInstance("cd-manifest");
  json bad = manifest("bad_plugin", "acme__Shared");
  bad["catalog"] = json::object();
  bad.erase("license");
  bad["components"]["applications"] = {{{"class", "a:B"}, {"name", std::string(33, 'x')}, {"description", "d"},
                                        {"icon", "icon.png"}, {"scope", "everywhere"}}};
  bad["variables"] = {{{"name", "token"}, {"sensitive", true}, {"default", "x"}}};
  bad["tags"] = {{"content", {"patient_intake", "other"}}, {"pricing_and_payments", {"anything"}}};
  bad["origins"] = {{"urls", {"https://a.example"}}};
  bad["url_permissions"] = {{{"url", "https://a.example"}, {"permissions", {"SCRIPTS"}}}};
  auto res = install(inst, {{"manifest", bad}});
  ASSERT_EQ(res->status, 400) << res->body;
  std::set<std::string> paths;
  const json outcome = parseJson(res->body);
  for (const auto& issue : outcome["issue"])
    if (issue.contains("expression")) paths.insert(issue["expression"][0].get<std::string>());
  for (const char* path : {"$.catalog", "$.license", "$.components.applications[0].name", "$.components.applications[0].scope",
                           "$.variables[0].default", "$.tags.content[1]", "$.tags.pricing_and_payments[0]", "$.origins",
                           "$.custom_data.namespace"})
    EXPECT_TRUE(paths.count(path)) << path << " in " << res->body;
  EXPECT_TRUE(plugins(inst).empty()) << "nothing is installed from an invalid manifest";

  json noComponents = manifest("empty_components");
  noComponents["components"] = json::object();
  EXPECT_EQ(install(inst, {{"manifest", noComponents}})->status, 400);
  EXPECT_EQ(install(inst, {{"manifest", manifest("x")}, {"extra", 1}})->status, 400);
  EXPECT_EQ(install(inst, {{"keys", json::object()}})->status, 400) << "the manifest is required";
  EXPECT_EQ(install(inst, {{"manifest", manifest("x")}, {"keys", {{"namespace_read_access_key", 5}}}})->status, 400);
  EXPECT_EQ(install(inst, {{"manifest", manifest("x")}, {"keys", {{"other_key", "k"}}}})->status, 400);
  for (const char* body : {"{not json", "[]"})
    EXPECT_EQ(c_.Post("/admin/instances/" + inst + "/plugins", {{"Authorization", std::string("Bearer ") + kAdminKey}}, body,
                      "application/json")->status,
              400)
        << body;
  EXPECT_EQ(install(inst, {{"manifest", "not an object"}})->status, 400);
  EXPECT_EQ(install(inst, {{"manifest", manifest("no_key", "acme__data")}}, false)->status, 401);
  for (const char* ns : {"acme_data", "acme__", "__data", "1acme__data", "acme__data;drop", "Acme__data"})
    EXPECT_EQ(install(inst, {{"manifest", manifest("ns_plugin", ns)}})->status, 400) << ns;
  EXPECT_EQ(install(inst, {{"manifest", manifest("long_ns", "a__" + std::string(61, 'b'))}})->status, 400);
  EXPECT_EQ(installed(inst, {{"manifest", manifest("plain_plugin")}})["name"], "plain_plugin")
      << "a plugin without custom data installs";
}

TEST_F(CustomDataInstall, TheInstallMatrix) {
  const std::string inst = createInstance("cd-matrix");
  // A read plugin cannot create the namespace.
  auto early = install(inst, {{"manifest", manifest("reader", "acme__shared", "read")}});
  ASSERT_EQ(early->status, 400) << early->body;
  EXPECT_NE(early->body.find("A plugin with 'read_write' access must create the namespace first."), std::string::npos);

  // The first read_write plugin creates it, and its keys are shown once.
  auto created = installed(inst, {{"manifest", manifest("writer", "acme__shared")}});
  EXPECT_EQ(created["customData"], json({{"namespace", "acme__shared"}, {"access", "read_write"}}));
  const std::string readKey = created["keys"]["namespace_read_access_key"];
  const std::string writeKey = created["keys"]["namespace_read_write_access_key"];
  EXPECT_GE(readKey.size(), 40u);
  EXPECT_NE(readKey, writeKey);
  const std::string schema = namespaceSchema(inst, "acme__shared");
  ASSERT_FALSE(schema.empty());
  EXPECT_EQ(schema.find("acme"), std::string::npos) << "the schema is never named from the namespace";
  const std::string stored = psql(databaseUrl(), "SELECT key_hash || ' ' || access_level FROM \"" + schema +
                                                     "\".namespace_auth ORDER BY access_level");
  EXPECT_EQ(stored.find(readKey), std::string::npos) << "keys are stored hashed";
  EXPECT_EQ(stored.find(writeKey), std::string::npos);
  EXPECT_NE(psql(databaseUrl(), "SELECT 1 FROM \"" + schema + "\".namespace_auth WHERE key_hash = encode(sha256('" +
                                    readKey + "'), 'hex') AND access_level = 'read'")
                .find('1'),
            std::string::npos);
  for (const char* table : {"attribute_hub", "custom_attribute", "schema_version"})
    EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM \"" + schema + "\"." + table)), "0") << table;

  // Joining read_write needs the read-write key: not a missing, wrong or read-level one.
  EXPECT_EQ(install(inst, {{"manifest", manifest("writer2", "acme__shared")}})->status, 403);
  EXPECT_EQ(install(inst, {{"manifest", manifest("writer2", "acme__shared")},
                           {"keys", {{"namespace_read_write_access_key", "wrong"}}}})->status, 403);
  EXPECT_EQ(install(inst, {{"manifest", manifest("writer2", "acme__shared")},
                           {"keys", {{"namespace_read_write_access_key", readKey}}}})->status, 403);
  auto joined = installed(inst, {{"manifest", manifest("writer2", "acme__shared")},
                                 {"keys", {{"namespace_read_write_access_key", writeKey}}}});
  EXPECT_FALSE(joined.contains("keys")) << "keys are shown only when the namespace is created";

  // Joining read needs a valid key of either level.
  EXPECT_EQ(install(inst, {{"manifest", manifest("reader", "acme__shared", "read")},
                           {"keys", {{"namespace_read_access_key", "wrong"}}}})->status, 403);
  installed(inst, {{"manifest", manifest("reader", "acme__shared", "read")}, {"keys", {{"namespace_read_access_key", readKey}}}});
  installed(inst, {{"manifest", manifest("reader2", "acme__shared", "read")},
                   {"keys", {{"namespace_read_write_access_key", writeKey}}}});

  // A plugin stays in its namespace; uninstalling keeps the data, and it can join again.
  installed(inst, {{"manifest", manifest("mover", "acme__other")}});
  EXPECT_EQ(install(inst, {{"manifest", manifest("writer2", "acme__other")}})->status, 409);
  auto list = plugins(inst);
  std::set<std::string> names;
  for (const auto& p : list) names.insert(p["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"mover", "reader", "reader2", "writer", "writer2"}));
  auto removed = c_.Delete("/admin/instances/" + inst + "/plugins/writer", {{"Authorization", std::string("Bearer ") + kAdminKey}});
  EXPECT_EQ(removed->status, 204);
  EXPECT_EQ(c_.Delete("/admin/instances/" + inst + "/plugins/writer", {{"Authorization", std::string("Bearer ") + kAdminKey}})->status, 404);
  EXPECT_EQ(plugins(inst).size(), 4u);
  EXPECT_EQ(namespaceSchema(inst, "acme__shared"), schema);
  installed(inst, {{"manifest", manifest("writer", "acme__shared")}, {"keys", {{"namespace_read_write_access_key", writeKey}}}});
}

TEST_F(CustomDataInstall, ChosenKeysAndIsolationBetweenInstances) {
  const std::string a = createInstance("cd-iso-a");
  const std::string b = createInstance("cd-iso-b");
  EXPECT_EQ(install(a, {{"manifest", manifest("p", "acme__shared")}, {"keys", {{"namespace_read_access_key", "r-key"}}}})->status,
            400)
      << "chosen keys come in pairs";
  auto created = installed(a, {{"manifest", manifest("p", "acme__shared")},
                               {"keys", {{"namespace_read_access_key", "chosen-read-key"},
                                         {"namespace_read_write_access_key", "chosen-write-key"}}}});
  EXPECT_EQ(created["keys"]["namespace_read_write_access_key"], "chosen-write-key");
  // The same namespace name on another instance is another namespace, with other keys.
  auto other = installed(b, {{"manifest", manifest("p", "acme__shared")}});
  EXPECT_NE(namespaceSchema(a, "acme__shared"), namespaceSchema(b, "acme__shared"));
  EXPECT_EQ(install(b, {{"manifest", manifest("q", "acme__shared")},
                        {"keys", {{"namespace_read_write_access_key", "chosen-write-key"}}}})->status,
            403)
      << "a key of one instance's namespace never works on another instance";
  EXPECT_EQ(install(a, {{"manifest", manifest("q", "acme__shared", "read")},
                        {"keys", {{"namespace_read_access_key", other["keys"]["namespace_read_access_key"]}}}})->status,
            403);
  EXPECT_EQ(install("no-such-instance", {{"manifest", manifest("p")}})->status, 404);
}

TEST_F(CustomDataInstall, TheCommandLine) {
  const std::string inst = createInstance("cd-cli");
  const std::string file = "/tmp/flint-manifest-" + std::to_string(getpid()) + ".json";
  std::ofstream(file) << manifest("cli_plugin", "acme__cli").dump();
  std::string out;
  ASSERT_EQ(runFlint({"plugin", "install", "--instance", inst, file}, &out), 0) << out;
  EXPECT_NE(out.find("namespace_read_write_access_key\t"), std::string::npos) << out;
  const std::string writeKey = out.substr(out.find("namespace_read_write_access_key\t") + 32, 43);
  std::ofstream(file) << manifest("cli_second", "acme__cli").dump();
  EXPECT_EQ(runFlint({"plugin", "install", "--instance", inst, file, "--read-write-key", "nope"}, &out), 1) << out;
  ASSERT_EQ(runFlint({"plugin", "install", "--instance", inst, file, "--read-write-key", writeKey}, &out), 0) << out;
  EXPECT_EQ(out.find("keys are shown"), std::string::npos) << out;
  std::ofstream(file) << R"({"name":"broken"})";
  EXPECT_EQ(runFlint({"plugin", "install", "--instance", inst, file}, &out), 1);
  EXPECT_NE(out.find("$.sdk_version: is required"), std::string::npos) << out;
  ASSERT_EQ(runFlint({"plugin", "list", "--instance", inst}, &out), 0);
  EXPECT_NE(out.find("cli_second\t1.0.0\tacme__cli (read_write)"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"plugin", "uninstall", "--instance", inst, "cli_plugin"}, &out), 0) << out;
  EXPECT_EQ(runFlint({"plugin", "uninstall", "--instance", inst, "cli_plugin"}, &out), 1) << out;
  std::remove(file.c_str());
}

json roomBookingModels() {
  return json::parse(R"({"models":[
    {"name":"Room","fields":[{"name":"name","type":"text"},{"name":"floor","type":"integer"},
      {"name":"staff","type":"many_to_many","to":"Practitioner","through":"RoomBooking","related_name":"booked_rooms_%(app_label)s"}]},
    {"name":"RoomBooking","fields":[
      {"name":"room","type":"foreign_key","to":"Room","to_field":"dbid","on_delete":"CASCADE"},
      {"name":"staff","type":"foreign_key","to":"Practitioner","related_name":"%(app_label)s_room_bookings"},
      {"name":"patient","type":"foreign_key","to":"Patient","related_name":"+"},
      {"name":"scheduled_at","type":"datetime"},
      {"name":"fee","type":"decimal","max_digits":8,"decimal_places":2},
      {"name":"details","type":"json"}],
     "meta":{"indexes":[{"name":"by_time","fields":["-scheduled_at"]}],
             "constraints":[{"type":"unique","name":"unique_room_scheduled_at","fields":["room","scheduled_at"]}]}},
    {"name":"NoteExtra","fields":[
      {"name":"note","type":"one_to_one","to":"Encounter","primary_key":true,"related_name":"rooms_extra"},
      {"name":"summary","type":"text"}]}]})");
}

TEST_F(CustomDataInstall, CustomModelsBecomeTablesAdditively) {
  const std::string inst = createInstance("cd-models");
  auto created = installed(inst, {{"manifest", manifest("rooms", "acme__rooms")}, {"models", roomBookingModels()}});
  EXPECT_EQ(created["models"], json({"Room", "RoomBooking", "NoteExtra"}));
  const std::string writeKey = created["keys"]["namespace_read_write_access_key"];
  const std::string readKey = created["keys"]["namespace_read_access_key"];
  const json withKey = {{"namespace_read_write_access_key", writeKey}};
  const std::string schema = namespaceSchema(inst, "acme__rooms");
  auto columns = [&](const std::string& table) {
    return trimmed(psql(databaseUrl(), "SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '"
                                       " ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = '\"" + schema + "\"." +
                                           table + "'::regclass AND a.attnum > 0 AND NOT a.attisdropped"));
  };
  EXPECT_EQ(columns("room"), "dbid bigint, name text, floor integer");
  EXPECT_EQ(columns("roombooking"), "dbid bigint, room_id bigint, staff_id text, patient_id text, "
                                    "scheduled_at timestamp with time zone, fee numeric(8,2), details jsonb");
  EXPECT_EQ(columns("noteextra"), "note_id text, summary text");
  const std::string indexes = psql(databaseUrl(), "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = '" +
                                                      schema + "' AND tablename = 'roombooking' ORDER BY 1");
  for (const char* expected : {"roombooking_room_id: CREATE INDEX", "roombooking_patient_id: CREATE INDEX",
                               "roombooking_by_time: CREATE INDEX", "(scheduled_at DESC)",
                               "roombooking_unique_room_scheduled_at: CREATE UNIQUE INDEX", "(room_id, scheduled_at)"})
    EXPECT_NE(indexes.find(expected), std::string::npos) << expected << " in " << indexes;

  // A later declaration adds; what it leaves out stays; nothing is retyped.
  json more = roomBookingModels();
  more["models"][0]["fields"] = json::parse(R"([{"name":"name","type":"text"},{"name":"wing","type":"char","max_length":10}])");
  installed(inst, {{"manifest", manifest("rooms", "acme__rooms")}, {"keys", withKey}, {"models", more}});
  EXPECT_EQ(columns("room"), "dbid bigint, name text, floor integer, wing text");
  json retyped = roomBookingModels();
  retyped["models"][1]["fields"][3]["type"] = "date";
  auto refused = install(inst, {{"manifest", manifest("rooms", "acme__rooms")}, {"keys", withKey}, {"models", retyped}});
  ASSERT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(refused->body.find("RoomBooking.scheduled_at"), std::string::npos) << refused->body;
  EXPECT_EQ(columns("roombooking").find("scheduled_at date"), std::string::npos);
  json rekeyed = roomBookingModels();
  rekeyed["models"][2]["fields"][0]["primary_key"] = false;
  EXPECT_EQ(install(inst, {{"manifest", manifest("rooms", "acme__rooms")}, {"keys", withKey}, {"models", rekeyed}})->status, 400);

  // A read plugin declares the namespace's models exactly, or is refused.
  json same = json::parse(R"({"models":[]})");
  same["models"].push_back(more["models"][0]);
  same["models"].push_back(roomBookingModels()["models"][1]);
  installed(inst, {{"manifest", manifest("viewer", "acme__rooms", "read")}, {"keys", {{"namespace_read_access_key", readKey}}},
                   {"models", same}});
  same["models"][1]["fields"].erase(5);
  EXPECT_EQ(install(inst, {{"manifest", manifest("viewer2", "acme__rooms", "read")},
                           {"keys", {{"namespace_read_access_key", readKey}}}, {"models", same}})->status,
            400);
  EXPECT_EQ(install(inst, {{"manifest", manifest("nomodels")}, {"models", roomBookingModels()}})->status, 400)
      << "models need a namespace";
}

TEST_F(CustomDataInstall, TheModelRulesAndHostileNames) {
  const std::string inst = createInstance("cd-rules");
  auto refuse = [&](const std::string& modelsJson, const std::string& message) {
    auto res = install(inst, {{"manifest", manifest("rules", "acme__rules")}, {"models", json::parse(modelsJson)}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << modelsJson << "\n" << res->body;
    EXPECT_NE(res->body.find(message), std::string::npos) << message << " not in " << res->body;
  };
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"foreign_key","to":"A","primary_key":true}]}]})",
         "use a OneToOneField instead");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"text","primary_key":true}]}]})",
         "allowed only on a OneToOneField");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"text","unique":true}]}]})", "meta.constraints");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"many_to_many","to":"A"}]}]})", "explicit through model");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"p","type":"foreign_key","to":"Patient"}]}]})",
         "needs a namespaced related_name");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"p","type":"foreign_key","to":"Patient","related_name":"mine"}]}]})",
         "needs a namespaced related_name");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"r","type":"foreign_key","to":"B"}]}]})", "there is no model 'B'");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"r","type":"foreign_key","to":"A"}],
             "meta":{"indexes":[{"name":"again","fields":["r"]}]}}]})", "duplicates the index every relation gets");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"text"}],
             "meta":{"indexes":[{"type":"unique","name":"u","fields":["b"]}]}}]})", "belongs in meta.constraints");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"text"}],
             "meta":{"constraints":[{"type":"check","name":"c","fields":["b"]}]}}]})", "may only hold unique constraints");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"text"}],
             "meta":{"constraints":[{"type":"unique","name":"c","fields":["-b"]}]}}]})", "cannot order its fields");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"money"}]}]})", "not a supported field type");
  refuse(R"({"models":[{"name":"Attribute_Hub","fields":[{"name":"b","type":"text"}]}]})", "namespace's own tables");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"text"}]},{"name":"a","fields":[]}]})", "already has the table");
  refuse(R"({"models":[{"name":"Room\"; DROP TABLE x; --","fields":[{"name":"b","type":"text"}]}]})", "must be a class name");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b\" text); DROP SCHEMA public; --","type":"text"}]}]})",
         "lower-case identifier");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"text"}],
             "meta":{"indexes":[{"name":"x on y; drop","fields":["b"]}]}}]})", "lower-case identifier");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"dbid","type":"text"}]}]})", "not 'dbid'");
  refuse(R"({"models":[{"name":"A","fields":[{"name":"b","type":"decimal","max_digits":5,"decimal_places":9}]}]})",
         "decimal_places <= max_digits");
  // Nothing was installed or created by any of them.
  EXPECT_TRUE(plugins(inst).empty());
  EXPECT_TRUE(namespaceSchema(inst, "acme__rules").empty());
}

TEST_F(CustomDataInstall, TheNamespaceManagementApi) {
  const std::string inst = createInstance("cd-admin");
  const std::string other = createInstance("cd-admin-other");
  const httplib::Headers admin = {{"Authorization", std::string("Bearer ") + kAdminKey}};
  auto created = installed(inst, {{"manifest", manifest("rooms", "acme__rooms")}, {"models", roomBookingModels()}});
  installed(other, {{"manifest", manifest("elsewhere", "acme__else")}});
  const httplib::Headers key = {{"Authorization", "Namespace " + created["keys"]["namespace_read_write_access_key"].get<std::string>()}};
  const std::string rows = "/" + inst + "/custom-data/acme__rooms";
  ASSERT_EQ(c_.Post(rows + "/models/Room", key, R"({"name":"Blue"})", "application/json")->status, 201);
  ASSERT_EQ(c_.Patch(rows + "/hubs/t/1", key, R"({"attributes":{"a":1}})", "application/json")->status, 200);

  auto list = json::parse(c_.Get("/admin/instances/" + inst + "/namespaces", admin)->body);
  ASSERT_EQ(list["namespaces"].size(), 1u) << "another instance's namespaces are not listed";
  EXPECT_EQ(list["namespaces"][0]["name"], "acme__rooms");
  EXPECT_EQ(list["namespaces"][0]["custom_table_count"], 3);
  EXPECT_EQ(list["namespaces"][0]["table_count"], 8);
  auto inspected = json::parse(c_.Get("/admin/instances/" + inst + "/namespaces/acme__rooms", admin)->body);
  std::set<std::string> system, custom;
  for (const auto& t : inspected["system_tables"]) system.insert(t["name"].get<std::string>());
  json room;
  for (const auto& t : inspected["custom_tables"]) {
    custom.insert(t["name"].get<std::string>());
    if (t["name"] == "room") room = t;
  }
  EXPECT_EQ(system, (std::set<std::string>{"attribute_hub", "custom_attribute", "custom_models", "namespace_auth", "schema_version"}));
  EXPECT_EQ(custom, (std::set<std::string>{"noteextra", "room", "roombooking"}));
  EXPECT_EQ(room["columns"][1], json({{"name", "name"}, {"type", "text"}, {"nullable", true}}));
  EXPECT_EQ(c_.Get("/admin/instances/" + inst + "/namespaces/acme__else", admin)->status, 404);

  // Reset: a dry run first, by default; then the custom tables go and the hubs empty, the keys stay.
  auto dry = json::parse(c_.Post("/admin/instances/" + inst + "/namespaces/acme__rooms/reset", admin, "", "application/json")->body);
  EXPECT_EQ(dry["tables_to_drop"].size(), 3u);
  EXPECT_EQ(c_.Get(rows + "/models/Room?count=true", key)->status, 200) << "a dry run changes nothing";
  auto reset = c_.Post("/admin/instances/" + inst + "/namespaces/acme__rooms/reset?dry_run=false", admin, "", "application/json");
  ASSERT_EQ(reset->status, 200) << reset->body;
  EXPECT_EQ(json::parse(reset->body)["tables_dropped"].size(), 3u);
  EXPECT_EQ(c_.Get(rows + "/models/Room", key)->status, 404) << "the model is gone, the key still opens the namespace";
  EXPECT_EQ(c_.Get(rows + "/hubs/t/1", key)->status, 404);
  EXPECT_EQ(c_.Post("/admin/instances/" + inst + "/namespaces/acme__rooms/reset?dry_run=maybe", admin, "", "application/json")->status, 400);

  // Drop: the schema, its keys and the plugins keeping data in it.
  auto dropDry = json::parse(c_.Post("/admin/instances/" + inst + "/namespaces/acme__rooms/drop?dry_run=true", admin, "", "application/json")->body);
  EXPECT_EQ(dropDry["plugins_to_uninstall"], json({"rooms"}));
  auto dropped = c_.Post("/admin/instances/" + inst + "/namespaces/acme__rooms/drop?dry_run=false", admin, "", "application/json");
  ASSERT_EQ(dropped->status, 200) << dropped->body;
  EXPECT_EQ(c_.Get(rows + "/hubs/t/1", key)->status, 401);
  EXPECT_TRUE(plugins(inst).empty());
  EXPECT_EQ(json::parse(c_.Get("/admin/instances/" + inst + "/namespaces", admin)->body)["namespaces"].size(), 0u);
  EXPECT_EQ(c_.Post("/admin/instances/" + inst + "/namespaces/acme__rooms/drop?dry_run=false", admin, "", "application/json")->status, 404);
  EXPECT_EQ(c_.Get("/admin/instances/" + inst + "/namespaces")->status, 401);
}

}  // namespace
