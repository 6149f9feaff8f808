// Search by the indexed token, string, reference and date parameters, with modifiers, OR by
// comma, AND by repetition — each case asserts exactly which resources (written here) come back.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

using Ids = std::set<std::string>;
const std::string kV2IdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203";

class SearchParams : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    instance_ = createInstance("sp");
    auto c = client();
    auto put = [&](const std::string& path, json resource) {
      auto res = c.Put("/" + instance_ + "/fhir/" + path, resource.dump(), "application/fhir+json");
      ASSERT_TRUE(res->status == 200 || res->status == 201) << res->body;
    };
    put("Organization/acme", {{"resourceType", "Organization"}, {"id", "acme"}, {"name", "Acme Clinic"}});
    put("Patient/ann", {{"resourceType", "Patient"}, {"id", "ann"}, {"gender", "female"}, {"birthDate", "1980-05-17"},
                        {"managingOrganization", {{"reference", "Organization/acme"}}},
                        {"name", {{{"family", "Müller"}, {"given", {"Ann", "Marie"}}}}},
                        {"identifier", {{{"system", "urn:mrn"}, {"value", "A1"},
                                          {"type", {{"coding", {{{"system", kV2IdentifierType}, {"code", "MR"}}}}}}}}},
                        {"address", {{{"city", "Springfield"}}}}});
    put("Patient/bob", {{"resourceType", "Patient"}, {"id", "bob"}, {"gender", "male"}, {"birthDate", "1975"},
                        {"name", {{{"family", "Mullins"}, {"given", {"Bob"}}}}},
                        {"identifier", {{{"system", "urn:other"}, {"value", "A1"}}, {{"system", "urn:mrn"}, {"value", "B2"}}}}});
    put("Patient/cy", {{"resourceType", "Patient"}, {"id", "cy"}, {"name", {{{"family", "Smith, Jr"}}}}});
    auto obs = [&](const std::string& id, const std::string& subject, const std::string& code, const std::string& when,
                   const std::string& category) {
      json categoryCoding = {{"system", "http://terminology.hl7.org/CodeSystem/observation-category"}, {"code", category}};
      json codeCoding = {{"system", "http://loinc.org"}, {"code", code}, {"display", "Code " + code}};
      json resource = {{"resourceType", "Observation"}, {"id", id}, {"status", id == "o4" ? "preliminary" : "final"}};
      resource["category"] = json::array({{{"coding", json::array({categoryCoding})}}});
      resource["code"] = {{"coding", json::array({codeCoding})}, {"text", "Reading " + code}};
      resource["subject"] = {{"reference", subject}};
      resource["effectiveDateTime"] = when;
      put("Observation/" + id, resource);
    };
    obs("o1", "Patient/ann", "8867-4", "2024-03-05T10:00:00Z", "vital-signs");
    obs("o2", "Patient/ann", "8310-5", "2024-03-06T10:00:00Z", "vital-signs");
    obs("o3", "Patient/bob", "8867-4", "2023-12-31T23:59:59Z", "vital-signs");
    obs("o4", "Patient/bob", "2345-7", "2024-03-05", "laboratory");
  }
  Ids ids(const std::string& query) {
    auto res = c_.Get("/" + instance_ + "/fhir/" + query);
    EXPECT_EQ(res->status, 200) << query << "\n" << res->body;
    Ids out;
    auto bundle = parseJson(res->body);
    for (const auto& e : bundle.value("entry", json::array())) {
      EXPECT_EQ(e["search"]["mode"], "match") << query << ": " << e.dump();
      out.insert(e["resource"]["id"].get<std::string>());
    }
    return out;
  }
  int status(const std::string& query) { return c_.Get("/" + instance_ + "/fhir/" + query)->status; }
  static std::string instance_;
  httplib::Client c_ = client();
};
std::string SearchParams::instance_;

// Creates or replaces `path` ("Type/id") in `instance`, failing the test unless it is stored.
void putResource(const std::string& instance, const std::string& path, const std::string& body) {
  auto res = client().Put("/" + instance + "/fhir/" + path, body, "application/fhir+json");
  ASSERT_TRUE(res->status == 200 || res->status == 201) << path << ": " << res->body;
}

}  // namespace

TEST_F(SearchParams, Token) {
  EXPECT_EQ(ids("Patient?gender=female"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?gender=female,male"), (Ids{"ann", "bob"}));
  EXPECT_EQ(ids("Patient?gender:not=male"), (Ids{"ann", "cy"}));
  EXPECT_EQ(ids("Patient?gender:missing=true"), Ids{"cy"});
  EXPECT_EQ(ids("Patient?gender:missing=false"), (Ids{"ann", "bob"}));
  EXPECT_EQ(ids("Patient?identifier=A1"), (Ids{"ann", "bob"}));
  EXPECT_EQ(ids("Patient?identifier=urn:mrn|A1"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?identifier=urn:mrn|"), (Ids{"ann", "bob"}));
  EXPECT_EQ(ids("Patient?identifier=|A1"), Ids{});
  EXPECT_EQ(ids("Observation?code=http://loinc.org|8867-4"), (Ids{"o1", "o3"}));
  EXPECT_EQ(ids("Observation?code=8867-4,2345-7"), (Ids{"o1", "o3", "o4"}));
  EXPECT_EQ(ids("Observation?code=http://snomed.info/sct|8867-4"), Ids{});
  EXPECT_EQ(ids("Observation?code:text=reading%208310"), Ids{"o2"});
  EXPECT_EQ(ids("Observation?status=final&category=vital-signs"), (Ids{"o1", "o2", "o3"}));
  EXPECT_EQ(ids("Observation?category=laboratory,vital-signs&status=preliminary"), Ids{"o4"});
}

TEST_F(SearchParams, String) {
  EXPECT_EQ(ids("Patient?family=mul"), (Ids{"ann", "bob"}));
  EXPECT_EQ(ids("Patient?family=MÜLLER"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?family=muller"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?family:exact=Müller"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?family:exact=müller"), Ids{});
  EXPECT_EQ(ids("Patient?family:contains=LLIN"), Ids{"bob"});
  EXPECT_EQ(ids("Patient?name=marie"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?name=ann,bob"), (Ids{"ann", "bob"}));
  EXPECT_EQ(ids("Patient?family=smith\\,%20jr"), Ids{"cy"});
  EXPECT_EQ(ids("Patient?family=mul&given=bob"), Ids{"bob"});
  EXPECT_EQ(ids("Patient?family=100%25"), Ids{});
  EXPECT_EQ(ids("Patient?family=_"), Ids{});
  EXPECT_EQ(ids("Patient?address-city=spring"), Ids{"ann"});
}

TEST_F(SearchParams, Reference) {
  EXPECT_EQ(ids("Observation?patient=ann"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation?patient=Patient/ann"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation?subject=" + sharedServer().baseUrl() + "/" + instance_ + "/fhir/Patient/bob"), (Ids{"o3", "o4"}));
  EXPECT_EQ(ids("Observation?subject:Patient=bob"), (Ids{"o3", "o4"}));
  EXPECT_EQ(ids("Observation?subject=Patient/ann,Patient/bob&code=8867-4"), (Ids{"o1", "o3"}));
  EXPECT_EQ(ids("Observation?subject=Group/ann"), Ids{});
  EXPECT_EQ(ids("Observation?patient=nobody"), Ids{});
  EXPECT_EQ(status("Observation?subject=NotAType/x"), 400);
  EXPECT_EQ(status("Observation?subject:Group=Patient/ann"), 400);
}

TEST_F(SearchParams, ChainedParameters) {
  EXPECT_EQ(ids("Observation?subject:Patient.name=marie"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation?subject.family=mul"), (Ids{"o1", "o2", "o3", "o4"}));
  EXPECT_EQ(ids("Observation?patient.identifier=urn:mrn|B2"), (Ids{"o3", "o4"}));
  EXPECT_EQ(ids("Observation?patient.identifier=urn:mrn|B2&code=2345-7"), Ids{"o4"});
  // AND by repetition applies to the whole chain each time; OR by comma within it.
  EXPECT_EQ(ids("Observation?subject.gender=male,female&subject.family:exact=Müller"), (Ids{"o1", "o2"}));
  // Two links: the observation's patient's managing organization.
  EXPECT_EQ(ids("Observation?subject:Patient.organization.name=acme"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation?subject:Patient.organization.name=nobody"), Ids{});
  EXPECT_EQ(status("Observation?code.name=x"), 400);              // not a reference
  EXPECT_EQ(status("Observation?subject:Medication.code=x"), 400);  // not a target of subject
  EXPECT_EQ(status("Observation?subject.birthdate=never"), 400);    // malformed value at the end
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Observation?subject.nonsense=x", {{"Prefer", "handling=strict"}})->status,
            400);
  EXPECT_EQ(status("Observation?a.b.c.d.e.f=x"), 200);  // an unknown parameter is ignored by default
  EXPECT_EQ(status("Observation?subject.organization.partof.partof.partof.name=x"), 400);  // too deep
}

TEST_F(SearchParams, ReverseChaining) {
  EXPECT_EQ(ids("Patient?_has:Observation:subject:code=2345-7"), Ids{"bob"});
  EXPECT_EQ(ids("Patient?_has:Observation:patient:code=8867-4"), (Ids{"ann", "bob"}));
  EXPECT_EQ(ids("Patient?_has:Observation:patient:code=8867-4&_has:Observation:patient:code=8310-5"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?_has:Observation:patient:date=lt2024"), Ids{"bob"});
  EXPECT_EQ(ids("Patient?_has:Observation:patient:code=9999-9"), Ids{});
  // Nested, and with a chain at the end.
  EXPECT_EQ(ids("Organization?_has:Patient:organization:_has:Observation:subject:code=8310-5"), Ids{"acme"});
  EXPECT_EQ(ids("Organization?_has:Patient:organization:_has:Observation:subject:code=2345-7"), Ids{});
  EXPECT_EQ(ids("Patient?_has:Observation:subject:subject.organization.name=acme"), Ids{"ann"});
  EXPECT_EQ(status("Patient?_has:Observation:code:code=x"), 400);   // not a reference parameter
  EXPECT_EQ(status("Patient?_has:Nope:subject:code=x"), 400);
  EXPECT_EQ(status("Patient?_has:Observation:subject"), 400);
  EXPECT_EQ(status("Patient?_has:Organization:partof:name=x"), 400);  // cannot point at a Patient
}

// A _has that most resources satisfy is answered by probing resources in number order, one
// that few satisfy from the linked resources: both give the same pages as the plain search's
// order, whether the qualifying resources come first, last, or in between.
TEST(ReverseChainingPages, MostOrFewQualifying) {
  const std::string instance = createInstance("hasp");
  auto c = client();
  json bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", json::array()}};
  for (int i = 0; i < 30; ++i) {
    const std::string id = "p" + std::to_string(i);
    bundle["entry"].push_back({{"resource", {{"resourceType", "Patient"}, {"id", id}}},
                               {"request", {{"method", "PUT"}, {"url", "Patient/" + id}}}});
  }
  ASSERT_EQ(c.Post("/" + instance + "/fhir", bundle.dump(), "application/fhir+json")->status, 200);
  std::vector<std::string> order;  // the patients in the order searches give them
  for (const auto& e : entriesOf(followPages(c, "/" + instance + "/fhir/Patient?_count=100")))
    order.push_back(e["resource"]["id"]);
  ASSERT_EQ(order.size(), 30u);
  // Every patient but the fourth has a "common" reading; only the last one a "rare" one, and
  // only the first and last an "ends" one.
  bundle["entry"] = json::array();
  auto reading = [&](const std::string& patient, const std::string& code) {
    bundle["entry"].push_back(
        {{"resource", {{"resourceType", "Observation"}, {"status", "final"},
                       {"code", {{"coding", {{{"system", "urn:test"}, {"code", code}}}}}},
                       {"subject", {{"reference", "Patient/" + patient}}}}},
         {"request", {{"method", "POST"}, {"url", "Observation"}}}});
  };
  for (size_t i = 0; i < order.size(); ++i)
    if (i != 3) reading(order[i], "common");
  reading(order.back(), "rare");
  reading(order.front(), "ends");
  reading(order.back(), "ends");
  ASSERT_EQ(c.Post("/" + instance + "/fhir", bundle.dump(), "application/fhir+json")->status, 200);
  auto paged = [&](const std::string& query) {
    std::vector<std::string> ids;
    for (const auto& e : entriesOf(followPages(c, "/" + instance + "/fhir/" + query, 40))) ids.push_back(e["resource"]["id"]);
    return ids;
  };
  std::vector<std::string> common = order;
  common.erase(common.begin() + 3);
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=common&_count=4"), common);
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=common&_count=1"), common);
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=rare&_count=1"), std::vector<std::string>{order.back()});
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=ends&_count=1"),
            (std::vector<std::string>{order.front(), order.back()}));
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=none&_count=1"), std::vector<std::string>{});
  // Two _has: each must hold; `:not` inside one is about the linked resource (a reading not rare).
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=common&_has:Observation:subject:code:not=rare&_count=3"),
            common);
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=common&_count=3&_has:Observation:subject:code=rare"),
            std::vector<std::string>{order.back()});
  // Anchored by the patients' own ids (a plan made once, each patient's readings probed in turn).
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=rare&_id=" + order.back()), std::vector<std::string>{order.back()});
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=rare&_id=" + order.front()), std::vector<std::string>{});
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=common&_id=" + order[3] + "," + order[4]),
            std::vector<std::string>{order[4]});
  EXPECT_EQ(paged("Patient?_has:Observation:subject:code=ends&_has:Observation:subject:code:not=rare&_id=" +
                  order.front() + "," + order[1]),
            std::vector<std::string>{order.front()});
}

TEST(StringPrefixPages, ValueByValueInNumberOrder) {
  const std::string instance = createInstance("prefixp");
  auto c = client();
  // 30 patients whose names start with "abe" in five ways (some twice, in family and given
  // name), and 70 more whose family names give "ab" over 64 values.
  const std::vector<std::vector<std::string>> names = {
      {"Abe"}, {"Abel", "Abelard"}, {"Abernathy"}, {"Abe", "Abe"}, {"Abel"}, {"Ab"}};
  json bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", json::array()}};
  std::map<std::string, std::vector<std::string>> namesOf;
  for (int i = 0; i < 100; ++i) {
    const std::string id = "p" + std::to_string(i);
    const auto& n = i < 30 ? names[i % names.size()] : std::vector<std::string>{"Ab" + std::to_string(i)};
    json name = {{"family", n[0]}};
    if (n.size() > 1) name["given"] = {n[1]};
    namesOf[id] = n;
    bundle["entry"].push_back({{"resource", {{"resourceType", "Patient"}, {"id", id}, {"name", {name}}}},
                               {"request", {{"method", "PUT"}, {"url", "Patient/" + id}}}});
  }
  ASSERT_EQ(c.Post("/" + instance + "/fhir", bundle.dump(), "application/fhir+json")->status, 200);
  std::vector<std::string> order;
  for (const auto& e : entriesOf(followPages(c, "/" + instance + "/fhir/Patient?_count=100")))
    order.push_back(e["resource"]["id"]);
  ASSERT_EQ(order.size(), 100u);
  auto expected = [&](const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& id : order)
      for (std::string n : namesOf[id]) {
        for (auto& ch : n) ch = static_cast<char>(std::tolower(ch));
        if (n.rfind(prefix, 0) == 0) {
          out.push_back(id);
          break;
        }
      }
    return out;
  };
  auto paged = [&](const std::string& query) {
    std::vector<std::string> ids;
    for (const auto& e : entriesOf(followPages(c, "/" + instance + "/fhir/" + query, 200))) ids.push_back(e["resource"]["id"]);
    return ids;
  };
  for (const char* prefix : {"abe", "abel", "ab", "aber"})
    for (int count : {1, 2, 7, 50}) {
      const std::string query = std::string("Patient?name=") + prefix + "&_count=" + std::to_string(count);
      EXPECT_EQ(paged(query), expected(prefix)) << query;
    }
  EXPECT_EQ(paged("Patient?family=abel&_count=3"), expected("abel"));
  EXPECT_EQ(paged("Patient?name=abz&_count=3"), std::vector<std::string>{});
}

TEST_F(SearchParams, PatientEverything) {
  auto record = [&](const std::string& query) {
    Ids out;
    for (const auto& e : entriesOf(followPages(c_, "/" + instance_ + "/fhir/" + query, 20)))
      out.insert(e["resource"]["resourceType"].get<std::string>() + "/" + e["resource"]["id"].get<std::string>());
    return out;
  };
  const Ids annsRecord{"Patient/ann", "Observation/o1", "Observation/o2", "Organization/acme"};
  EXPECT_EQ(record("Patient/ann/$everything"), annsRecord);
  EXPECT_EQ(record("Patient/ann/$everything?_count=1"), annsRecord);  // paged one at a time
  EXPECT_EQ(followPages(c_, "/" + instance_ + "/fhir/Patient/ann/$everything?_count=1", 20).size(), 4u);
  EXPECT_EQ(record("Patient/ann/$everything?_type=Observation,Organization"),
            (Ids{"Observation/o1", "Observation/o2", "Organization/acme"}));
  EXPECT_EQ(record("Patient/ann/$everything?_since=2999-01-01T00:00:00Z"), Ids{});
  EXPECT_EQ(record("Patient/cy/$everything"), Ids{"Patient/cy"});
  EXPECT_EQ(status("Patient/nobody/$everything"), 404);
  EXPECT_EQ(status("Patient/ann/$everything?_type=Nope"), 400);
  EXPECT_EQ(status("Patient/ann/$everything?_since=soon"), 400);
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Patient/ann/$everything?code=x", {{"Prefer", "handling=strict"}})->status, 400);
  EXPECT_EQ(c_.Post("/" + instance_ + "/fhir/Patient/ann/$everything", "", "application/fhir+json")->status, 405);
}

TEST_F(SearchParams, Date) {
  EXPECT_EQ(ids("Observation?date=2024-03-05"), (Ids{"o1", "o4"}));
  EXPECT_EQ(ids("Observation?date=2024-03"), (Ids{"o1", "o2", "o4"}));
  EXPECT_EQ(ids("Observation?date=ge2024-03-06"), Ids{"o2"});
  EXPECT_EQ(ids("Observation?date=gt2024-03-05"), Ids{"o2"});
  EXPECT_EQ(ids("Observation?date=lt2024"), Ids{"o3"});
  EXPECT_EQ(ids("Observation?date=le2023-12-31"), Ids{"o3"});
  EXPECT_EQ(ids("Observation?date=ge2024-03-01&date=le2024-03-05"), (Ids{"o1", "o4"}));
  EXPECT_EQ(ids("Observation?date=ne2024-03-05"), (Ids{"o2", "o3"}));
  EXPECT_EQ(ids("Observation?date=sa2024-03-05"), Ids{"o2"});
  EXPECT_EQ(ids("Observation?date=eb2024-03-05"), Ids{"o3"});
  EXPECT_EQ(ids("Observation?date=2024-03-05T10:00:00Z"), Ids{"o1"});
  EXPECT_EQ(ids("Observation?date=2024-03-05T12:00:00%2B02:00"), Ids{"o1"});
  EXPECT_EQ(ids("Patient?birthdate=1980"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?birthdate=1975-06-01"), Ids{});
  EXPECT_EQ(ids("Patient?birthdate=ge1975-06-01"), (Ids{"ann", "bob"}));
  EXPECT_EQ(status("Observation?date=yesterday"), 400);
  EXPECT_EQ(status("Observation?date=zz2024"), 400);
}

TEST_F(SearchParams, UpdatesAndDeletesKeepTheIndexCurrent) {
  auto c = client();
  c.Put("/" + instance_ + "/fhir/Patient/dee", R"({"resourceType":"Patient","id":"dee","gender":"female"})",
        "application/fhir+json");
  EXPECT_EQ(ids("Patient?gender=female"), (Ids{"ann", "dee"}));
  c.Put("/" + instance_ + "/fhir/Patient/dee", R"({"resourceType":"Patient","id":"dee","gender":"other"})",
        "application/fhir+json");
  EXPECT_EQ(ids("Patient?gender=female"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?gender=other"), Ids{"dee"});
  c.Patch("/" + instance_ + "/fhir/Patient/dee", R"([{"op":"replace","path":"/gender","value":"unknown"}])",
          "application/json-patch+json");
  EXPECT_EQ(ids("Patient?gender=unknown"), Ids{"dee"});
  c.Delete("/" + instance_ + "/fhir/Patient/dee");
  EXPECT_EQ(ids("Patient?gender=unknown"), Ids{});
}

TEST_F(SearchParams, BadModifiersAndValues) {
  EXPECT_EQ(status("Patient?gender:exact=female"), 400);
  EXPECT_EQ(status("Patient?family:text=x"), 400);
  EXPECT_EQ(status("Patient?birthdate:missing=maybe"), 400);
  EXPECT_EQ(status("Patient?gender="), 400);
  EXPECT_EQ(status("Patient?gender=female,"), 400);
}

TEST_F(SearchParams, PagingWithConditions) {
  std::set<std::string> seen;
  auto pages = followPages(c_, "/" + instance_ + "/fhir/Observation?status=final&_count=1", 10);
  for (const auto& page : pages) {
    std::string next = linkOf(page, "next");
    if (!next.empty()) EXPECT_NE(next.find("status=final"), std::string::npos);
  }
  for (const auto& e : entriesOf(pages)) seen.insert(e["resource"]["id"].get<std::string>());
  EXPECT_EQ(seen, (Ids{"o1", "o2", "o3"}));
}

namespace {

std::map<std::string, std::set<std::string>> entriesByMode(const json& bundle) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& e : bundle.value("entry", json::array()))
    out[e["search"]["mode"]].insert(e["resource"]["resourceType"].get<std::string>() + "/" +
                                    e["resource"]["id"].get<std::string>());
  return out;
}

}  // namespace

TEST_F(SearchParams, IncludeAndRevinclude) {
  auto c = client();
  auto get = [&](const std::string& q) {
    auto res = c.Get("/" + instance_ + "/fhir/" + q);
    EXPECT_EQ(res->status, 200) << q << ": " << res->body;
    return entriesByMode(parseJson(res->body));
  };
  auto inc = get("Observation?code=8867-4&_include=Observation:subject");
  EXPECT_EQ(inc["match"], (Ids{"Observation/o1", "Observation/o3"}));
  EXPECT_EQ(inc["include"], (Ids{"Patient/ann", "Patient/bob"}));
  EXPECT_EQ(get("Observation?_id=o1&_include=Observation:patient:Patient")["include"], Ids{"Patient/ann"});
  EXPECT_EQ(get("Observation?_id=o1&_include=Observation:subject:Group")["include"], Ids{});
  EXPECT_EQ(get("Observation?_id=o1&_include=Observation:*")["include"], Ids{"Patient/ann"});
  auto rev = get("Patient?_id=ann&_revinclude=Observation:subject");
  EXPECT_EQ(rev["match"], Ids{"Patient/ann"});
  EXPECT_EQ(rev["include"], (Ids{"Observation/o1", "Observation/o2"}));
  c.Put("/" + instance_ + "/fhir/Provenance/prov1",
        R"({"resourceType":"Provenance","id":"prov1","target":[{"reference":"Observation/o3"}],"recorded":"2024-01-01T00:00:00Z","agent":[{"who":{"reference":"Patient/bob"}}]})",
        "application/fhir+json");
  auto prov = get("Observation?patient=bob&_revinclude=Provenance:target");
  EXPECT_EQ(prov["match"], (Ids{"Observation/o3", "Observation/o4"}));
  EXPECT_EQ(prov["include"], Ids{"Provenance/prov1"});
  // A deleted target is not included.
  c.Delete("/" + instance_ + "/fhir/Provenance/prov1");
  EXPECT_EQ(get("Observation?patient=bob&_revinclude=Provenance:target")["include"], Ids{});
  // :iterate follows included resources too, round after round; a cycle ends.
  auto iterated = get("Observation?_id=o1&_include=Observation:subject&_include:iterate=Patient:organization");
  EXPECT_EQ(iterated["include"], (Ids{"Patient/ann", "Organization/acme"}));
  EXPECT_EQ(get("Observation?_id=o1&_include=Observation:subject&_include:recurse=Patient:organization")["include"],
            (Ids{"Patient/ann", "Organization/acme"}));
  auto down = get("Organization?_id=acme&_revinclude=Patient:organization&_revinclude:iterate=Observation:subject");
  EXPECT_EQ(down["match"], Ids{"Organization/acme"});
  EXPECT_EQ(down["include"], (Ids{"Patient/ann", "Observation/o1", "Observation/o2"}));
  auto cycle = get("Patient?_id=ann&_revinclude:iterate=Observation:subject&_include:iterate=Observation:subject");
  EXPECT_EQ(cycle["match"], Ids{"Patient/ann"});
  EXPECT_EQ(cycle["include"], (Ids{"Observation/o1", "Observation/o2"}));
  EXPECT_EQ(status("Observation?_include:often=Observation:subject"), 200);  // unknown: ignored
  EXPECT_EQ(status("Observation?_include:iterate=Nope:subject"), 400);
  EXPECT_EQ(status("Observation?_include=Observation:code"), 400);
  EXPECT_EQ(status("Observation?_include=Patient:organization"), 400);
  EXPECT_EQ(status("Observation?_include=subject"), 400);
  EXPECT_EQ(status("Observation?_revinclude=Nope:target"), 400);
}

TEST_F(SearchParams, TotalAndSummaryCount) {
  auto c = client();
  auto bundle = [&](const std::string& q) { return parseJson(c.Get("/" + instance_ + "/fhir/" + q)->body); };
  // Never computed unless asked for.
  EXPECT_FALSE(bundle("Observation?status=final").contains("total"));
  EXPECT_FALSE(bundle("Observation?status=final&_total=estimate").contains("total"));
  auto accurate = bundle("Observation?status=final&_total=accurate&_count=1");
  EXPECT_EQ(accurate["total"], 3);
  EXPECT_EQ(accurate["entry"].size(), 1u);
  auto count = bundle("Observation?code=8867-4&_summary=count");
  EXPECT_EQ(count["total"], 2);
  EXPECT_FALSE(count.contains("entry"));
  EXPECT_EQ(bundle("Observation?_id=bad!id&_total=accurate")["total"], 0);
  EXPECT_EQ(status("Observation?_total=maybe"), 400);
}

TEST_F(SearchParams, PatientCompartment) {
  EXPECT_EQ(ids("Patient/ann/Observation"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Patient/bob/Observation?code=8867-4"), Ids{"o3"});
  EXPECT_EQ(ids("Patient/nobody/Observation"), Ids{});
  EXPECT_EQ(status("Patient/ann/Practitioner"), 404);
  EXPECT_EQ(status("Patient/ann/NotAType"), 404);
  EXPECT_EQ(c_.Post("/" + instance_ + "/fhir/Patient/ann/Observation", "{}", "application/fhir+json")->status, 405);
  auto bundle = parseJson(c_.Get("/" + instance_ + "/fhir/Patient/ann/Observation?_count=1")->body);
  EXPECT_NE(linkOf(bundle, "next").find("/Patient/ann/Observation?"), std::string::npos);
}

TEST_F(SearchParams, SortWithKeysetPaging) {
  auto c = client();
  // Every page of one, following next links, in order.
  auto walk = [&](const std::string& query) {
    std::vector<std::string> order;
    for (const auto& e : entriesOf(followPages(c, "/" + instance_ + "/fhir/" + query + "&_count=1", 20)))
      order.push_back(e["resource"]["id"]);
    return order;
  };
  using Order = std::vector<std::string>;
  EXPECT_EQ(walk("Observation?_sort=date"), (Order{"o3", "o4", "o1", "o2"}));
  EXPECT_EQ(walk("Observation?_sort=-date"), (Order{"o2", "o4", "o1", "o3"}));
  // Patients without a birth date come last either way.
  EXPECT_EQ(walk("Patient?_sort=birthdate&_id=ann,bob,cy"), (Order{"bob", "ann", "cy"}));
  EXPECT_EQ(walk("Patient?_sort=-birthdate&_id=ann,bob,cy"), (Order{"ann", "bob", "cy"}));
  EXPECT_EQ(walk("Patient?_sort=family&_id=ann,bob,cy"), (Order{"ann", "bob", "cy"}));
  EXPECT_EQ(walk("Patient?_sort=-family&_id=ann,bob,cy"), (Order{"cy", "bob", "ann"}));
  EXPECT_EQ(walk("Observation?_sort=code,_id&status=final"), (Order{"o2", "o1", "o3"}));
  auto byUpdate = walk("Observation?_sort=-_lastUpdated");
  EXPECT_EQ(byUpdate.size(), 4u);
  // Several keys: ties on the first fall to the next, then to the resources' numbers (in no
  // particular order, so the last key here is the id where that would decide).
  EXPECT_EQ(walk("Observation?_sort=code,-date"), (Order{"o4", "o2", "o1", "o3"}));
  EXPECT_EQ(walk("Observation?_sort=status,-code,_id"), (Order{"o1", "o3", "o2", "o4"}));
  EXPECT_EQ(walk("Observation?_sort=-_id"), (Order{"o4", "o3", "o2", "o1"}));
  EXPECT_EQ(walk("Patient?_sort=gender,-birthdate&_id=ann,bob,cy"), (Order{"ann", "bob", "cy"}));
  EXPECT_EQ(status("Observation?_sort=nonsense"), 400);
  EXPECT_EQ(status("Observation?_sort=date,nonsense"), 400);
  EXPECT_EQ(status("Observation?_sort=code:text"), 400);
  EXPECT_EQ(status("Observation?_sort=date&_cursor=garbage"), 400);
  EXPECT_EQ(status("Observation?_sort=date&_cursor=a~Observation/o1"), 400);  // a cursor without the sort value
  // A cursor's position is a resource number: not negative, not past 64 bits, digits only.
  for (const char* bad : {"a~-1", "a~99999999999999999999", "a~12x", "a~", "c~12"})
    EXPECT_EQ(status(std::string("Observation?_cursor=") + bad), 400) << bad;
  EXPECT_EQ(status("Observation?_cursor=a~12"), 200);
}

// previous links walk back over exactly the pages next links walked forward, sorted or not,
// including across resources without a sort value.
TEST_F(SearchParams, PreviousLinksRetraceThePages) {
  for (const std::string query : {"Observation?_count=1", "Observation?_sort=-date,code&_count=3",
                                  "Patient?_sort=birthdate&_count=1", "Observation?_sort=code,-date&_count=2"}) {
    auto forward = followPages(c_, "/" + instance_ + "/fhir/" + query, 20);
    ASSERT_GT(forward.size(), 1u) << query;
    EXPECT_TRUE(linkOf(forward.front(), "previous").empty()) << query;
    std::string last = linkOf(forward[forward.size() - 2], "next");
    auto backward = followPages(c_, last.substr(last.find('/', last.find("//") + 2)), 20, "previous");
    ASSERT_EQ(backward.size(), forward.size()) << query;
    for (size_t i = 0; i < forward.size(); ++i) {
      const auto& a = forward[i];
      const auto& b = backward[backward.size() - 1 - i];
      std::vector<std::string> ids, idsBack;
      for (const auto& e : a.value("entry", json::array())) ids.push_back(e["resource"]["id"]);
      for (const auto& e : b.value("entry", json::array())) idsBack.push_back(e["resource"]["id"]);
      EXPECT_EQ(ids, idsBack) << query << " page " << i;
    }
  }
}

TEST_F(SearchParams, SummaryAndElements) {
  auto c = client();
  auto first = [&](const std::string& q) {
    auto res = c.Get("/" + instance_ + "/fhir/" + q);
    EXPECT_EQ(res->status, 200) << res->body;
    return parseJson(res->body)["entry"][0]["resource"];
  };
  auto isSubsetted = [](const json& r) {
    for (const auto& t : r["meta"].value("tag", json::array()))
      if (t["code"] == "SUBSETTED") return true;
    return false;
  };
  auto elements = first("Patient?_id=ann&_elements=gender,birthDate");
  EXPECT_EQ(elements["gender"], "female");
  EXPECT_EQ(elements["birthDate"], "1980-05-17");
  EXPECT_FALSE(elements.contains("name"));
  EXPECT_EQ(elements["id"], "ann");
  EXPECT_TRUE(isSubsetted(elements));
  auto obs = first("Observation?_id=o1&_elements=effective");
  EXPECT_TRUE(obs.contains("effectiveDateTime"));
  EXPECT_TRUE(obs.contains("status"));  // required elements stay
  EXPECT_FALSE(obs.contains("category"));
  auto summary = first("Observation?_id=o1&_summary=true");
  EXPECT_TRUE(summary.contains("code"));  // a summary element
  EXPECT_TRUE(summary.contains("subject"));
  EXPECT_FALSE(summary.contains("category"));  // not one
  EXPECT_TRUE(isSubsetted(summary));
  auto data = first("Patient?_id=ann&_summary=data");
  EXPECT_EQ(data["name"][0]["family"], "Müller");
  EXPECT_FALSE(isSubsetted(data));
  auto full = first("Patient?_id=ann&_summary=false");
  EXPECT_FALSE(isSubsetted(full));
  EXPECT_EQ(status("Patient?_summary=maybe"), 400);
}

TEST_F(SearchParams, SystemSearchAcrossTypes) {
  auto c = client();
  auto typed = [&](const std::string& q) {
    std::set<std::string> out;
    for (const auto& e : entriesOf(followPages(c, "/" + instance_ + "/fhir" + q, 20)))
      if (e["search"]["mode"] == "match")
        out.insert(e["resource"]["resourceType"].get<std::string>() + "/" + e["resource"]["id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(typed("?_type=Patient,Practitioner&_id=ann,bob"), (Ids{"Patient/ann", "Patient/bob"}));
  // Paged two at a time across both types.
  auto both = typed("?_type=Observation,Patient&_count=2");
  EXPECT_TRUE(both.count("Patient/ann") && both.count("Observation/o1") && both.count("Observation/o4"));
  EXPECT_EQ(typed("?_type=Observation,Condition&patient=ann"), (Ids{"Observation/o1", "Observation/o2"}));
  EXPECT_EQ(status("?_type=Patient,Nope"), 400);
  EXPECT_EQ(status("?gender=female"), 400);
  EXPECT_EQ(status("?_type=Patient,Observation&_sort=-_lastUpdated"), 200);
  EXPECT_EQ(status("?_type=Patient,Observation&_sort=gender"), 400);  // not a parameter of both
  EXPECT_EQ(c.Get("/" + instance_ + "/fhir?_type=Patient,Observation&gender=female", {{"Prefer", "handling=strict"}})->status,
            400);
}

TEST_F(SearchParams, NumberAndQuantity) {
  auto c = client();
  auto put = [&](const std::string& path, const std::string& body) {
    auto res = c.Put("/" + instance_ + "/fhir/" + path, body, "application/fhir+json");
    ASSERT_TRUE(res->status == 200 || res->status == 201) << res->body;
  };
  put("Observation/q1", R"({"resourceType":"Observation","id":"q1","status":"final","code":{"text":"w"},"valueQuantity":{"value":72.5,"system":"http://unitsofmeasure.org","code":"kg"}})");
  put("Observation/q2", R"({"resourceType":"Observation","id":"q2","status":"final","code":{"text":"w"},"valueQuantity":{"value":80,"system":"http://unitsofmeasure.org","code":"kg"}})");
  put("Observation/q3", R"({"resourceType":"Observation","id":"q3","status":"final","code":{"text":"w"},"valueQuantity":{"value":72.5,"system":"http://unitsofmeasure.org","code":"[lb_av]"}})");
  put("RiskAssessment/r1", R"({"resourceType":"RiskAssessment","id":"r1","status":"final","subject":{"reference":"Patient/ann"},"prediction":[{"probabilityDecimal":0.8}]})");
  put("RiskAssessment/r2", R"({"resourceType":"RiskAssessment","id":"r2","status":"final","subject":{"reference":"Patient/ann"},"prediction":[{"probabilityDecimal":0.84}]})");
  EXPECT_EQ(ids("Observation?value-quantity=72.5"), (Ids{"q1", "q3"}));
  EXPECT_EQ(ids("Observation?value-quantity=72.5|http://unitsofmeasure.org|kg"), Ids{"q1"});
  EXPECT_EQ(ids("Observation?value-quantity=72.5||[lb_av]"), Ids{"q3"});
  EXPECT_EQ(ids("Observation?value-quantity=gt75"), Ids{"q2"});
  EXPECT_EQ(ids("Observation?value-quantity=le72.5&code:text=w"), (Ids{"q1", "q3"}));
  EXPECT_EQ(ids("Observation?value-quantity=80.0"), Ids{"q2"});
  EXPECT_EQ(ids("Observation?value-quantity=ap85"), Ids{"q2"});  // within 10%: [76.5, 93.5]
  EXPECT_EQ(ids("Observation?value-quantity=ap79"), (Ids{"q1", "q2", "q3"}));
  // Implicit precision: 0.8 means [0.75, 0.85), 0.80 means [0.795, 0.805).
  EXPECT_EQ(ids("RiskAssessment?probability=0.8"), (Ids{"r1", "r2"}));
  EXPECT_EQ(ids("RiskAssessment?probability=0.80"), Ids{"r1"});
  EXPECT_EQ(ids("RiskAssessment?probability=ne0.80"), Ids{"r2"});
  EXPECT_EQ(status("Observation?value-quantity=abc"), 400);
  EXPECT_EQ(status("Observation?value-quantity=5|kg"), 400);
  EXPECT_EQ(status("RiskAssessment?probability=0.8|x|y"), 400);
  std::vector<std::string> byValue;
  const json sorted = parseJson(c.Get("/" + instance_ + "/fhir/Observation?code:text=w&_sort=-value-quantity,_id")->body);
  for (const auto& e : sorted["entry"]) byValue.push_back(e["resource"]["id"]);
  EXPECT_EQ(byValue, (std::vector<std::string>{"q2", "q1", "q3"}));
}

// A UCUM unit is compared by dimension: 5 mg is 0.005 g. Without the UCUM system, or with a unit
// it cannot convert, the code is matched as written.
TEST_F(SearchParams, QuantitiesInComparableUcumUnits) {
  auto c = client();
  auto put = [&](const std::string& id, const std::string& value, const std::string& unit) {
    auto res = c.Put("/" + instance_ + "/fhir/Observation/" + id,
                     R"({"resourceType":"Observation","id":")" + id + R"(","status":"final","code":{"text":"ucum"},)"
                     R"("valueQuantity":{"value":)" + value + R"(,"system":"http://unitsofmeasure.org","code":")" + unit + R"("}})",
                     "application/fhir+json");
    ASSERT_TRUE(res->status == 200 || res->status == 201) << res->body;
  };
  put("u1", "5", "mg");
  put("u2", "0.005", "g");
  put("u3", "5", "g");
  put("u4", "37", "Cel");
  put("u5", "11.1", "[lb_av]");
  put("u6", "7", "10*-");  // not UCUM it can read: stored, and found by its code as written
  const std::string ucum = "|http://unitsofmeasure.org|";
  EXPECT_EQ(ids("Observation?value-quantity=5" + ucum + "mg"), (Ids{"u1", "u2"}));
  EXPECT_EQ(ids("Observation?value-quantity=0.005" + ucum + "g"), (Ids{"u1", "u2"}));
  EXPECT_EQ(ids("Observation?value-quantity=gt1" + ucum + "g&code:text=ucum"), (Ids{"u3", "u5"}));
  EXPECT_EQ(ids("Observation?value-quantity=le5000" + ucum + "mg&code:text=ucum"), (Ids{"u1", "u2", "u3"}));
  EXPECT_EQ(ids("Observation?value-quantity=5.03" + ucum + "kg&code:text=ucum"), Ids{"u5"});  // 11.1 lb = 5.0348 kg
  EXPECT_EQ(ids("Observation?value-quantity=5||mg"), Ids{"u1"});
  EXPECT_EQ(ids("Observation?value-quantity=5" + ucum + "m&code:text=ucum"), Ids{});
  EXPECT_EQ(ids("Observation?value-quantity=37" + ucum + "Cel"), Ids{"u4"});
  EXPECT_EQ(ids("Observation?value-quantity=7" + ucum + "10*-"), Ids{"u6"});
  EXPECT_EQ(ids("Observation?value-quantity=5" + ucum + "mg,37" + ucum + "Cel"), (Ids{"u1", "u2", "u4"}));
  EXPECT_EQ(ids("Observation?value-quantity=5&code:text=ucum"), (Ids{"u1", "u3"}));
}

TEST_F(SearchParams, UriParametersAndIdentifierModifiers) {
  auto c = client();
  auto put = [&](const std::string& path, const std::string& body) {
    auto res = c.Put("/" + instance_ + "/fhir/" + path, body, "application/fhir+json");
    ASSERT_TRUE(res->status == 200 || res->status == 201) << res->body;
  };
  put("ValueSet/colors", R"({"resourceType":"ValueSet","id":"colors","status":"active","url":"http://acme.org/fhir/ValueSet/colors",)"
                         R"("meta":{"profile":["http://acme.org/fhir/StructureDefinition/vs"],"source":"urn:acme:import"}})");
  put("ValueSet/sizes", R"({"resourceType":"ValueSet","id":"sizes","status":"active","url":"http://other.org/ValueSet/sizes"})");
  EXPECT_EQ(ids("ValueSet?url=http://acme.org/fhir/ValueSet/colors"), Ids{"colors"});
  EXPECT_EQ(ids("ValueSet?url=http://acme.org/fhir/ValueSet"), Ids{});
  EXPECT_EQ(ids("ValueSet?url:below=http://acme.org/fhir/"), Ids{"colors"});
  EXPECT_EQ(ids("ValueSet?url:above=http://acme.org/fhir/ValueSet/colors/_history/2"), Ids{"colors"});
  EXPECT_EQ(ids("ValueSet?url:above=http://acme.org/"), Ids{});
  EXPECT_EQ(ids("ValueSet?url:missing=false"), (Ids{"colors", "sizes"}));
  EXPECT_EQ(ids("ValueSet?_profile=http://acme.org/fhir/StructureDefinition/vs"), Ids{"colors"});
  EXPECT_EQ(ids("ValueSet?_source=urn:acme:import"), Ids{"colors"});
  EXPECT_EQ(status("ValueSet?url:exact=x"), 400);

  EXPECT_EQ(ids("Patient?identifier:of-type=" + kV2IdentifierType + "|MR|A1"), Ids{"ann"});
  EXPECT_EQ(ids("Patient?identifier:of-type=" + kV2IdentifierType + "|MR|B2"), Ids{});
  EXPECT_EQ(status("Patient?identifier:of-type=MR|A1"), 400);

  put("Encounter/e1", R"({"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},)"
                      R"("subject":{"identifier":{"system":"urn:mrn","value":"A1"}}})");
  EXPECT_EQ(ids("Encounter?subject:identifier=urn:mrn|A1"), Ids{"e1"});
  EXPECT_EQ(ids("Encounter?subject:identifier=urn:other|A1"), Ids{});
  EXPECT_EQ(ids("Encounter?subject=Patient/ann"), Ids{});  // a logical reference names no resource
}

// US Core adds search parameters of its own (from the definitions package, not typed here).
TEST_F(SearchParams, UsCoreSearchParameters) {
  auto c = client();
  auto put = [&](const std::string& path, const std::string& body) {
    auto res = c.Put("/" + instance_ + "/fhir/" + path, body, "application/fhir+json");
    ASSERT_TRUE(res->status == 200 || res->status == 201) << res->body;
  };
  put("Patient/rae", R"({"resourceType":"Patient","id":"rae","extension":[{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",)"
                     R"("extension":[{"url":"ombCategory","valueCoding":{"system":"urn:oid:2.16.840.1.113883.6.238","code":"2106-3","display":"White"}},)"
                     R"({"url":"text","valueString":"White"}]}]})");
  put("Condition/asserted", R"({"resourceType":"Condition","id":"asserted","subject":{"reference":"Patient/rae"},"code":{"text":"x"},)"
                            R"("extension":[{"url":"http://hl7.org/fhir/StructureDefinition/condition-assertedDate","valueDateTime":"2024-02-03"}]})");
  put("Goal/g1", R"({"resourceType":"Goal","id":"g1","lifecycleStatus":"active","subject":{"reference":"Patient/rae"},)"
                 R"("description":{"coding":[{"system":"http://snomed.info/sct","code":"289169006","display":"Weight loss"}]}})");
  EXPECT_EQ(ids("Patient?race=2106-3"), Ids{"rae"});
  EXPECT_EQ(ids("Patient?race=2054-5"), Ids{});
  EXPECT_EQ(ids("Condition?patient=rae&asserted-date=ge2024-02-01"), Ids{"asserted"});
  EXPECT_EQ(ids("Condition?patient=rae&asserted-date=lt2024-02-01"), Ids{});
  EXPECT_EQ(ids("Goal?patient=rae&description=http://snomed.info/sct|289169006"), Ids{"g1"});
}

// Composites pair a code with the value of the same element: a component's systolic reading
// never matches the diastolic code.
TEST_F(SearchParams, Composite) {
  auto c = client();
  auto put = [&](const std::string& id, const std::string& members) {
    auto res = c.Put("/" + instance_ + "/fhir/Observation/" + id,
                     R"({"resourceType":"Observation","id":")" + id + R"(","status":"final",)" + members + "}",
                     "application/fhir+json");
    ASSERT_TRUE(res->status == 200 || res->status == 201) << res->body;
  };
  auto loinc = [](const std::string& code) {
    return R"({"coding":[{"system":"http://loinc.org","code":")" + code + R"("}]})";
  };
  auto mmHg = [](const std::string& value) {
    return R"({"value":)" + value + R"(,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"})";
  };
  auto bloodPressure = [&](const std::string& id, const std::string& systolic, const std::string& diastolic) {
    put(id, R"("code":)" + loinc("85354-9") + R"(,"component":[{"code":)" + loinc("8480-6") + R"(,"valueQuantity":)" +
                mmHg(systolic) + R"(},{"code":)" + loinc("8462-4") + R"(,"valueQuantity":)" + mmHg(diastolic) + "}]");
  };
  bloodPressure("bp1", "120", "80");
  bloodPressure("bp2", "150", "95");
  put("hb", R"("code":)" + loinc("718-7") +
                R"(,"valueQuantity":{"value":13.5,"system":"http://unitsofmeasure.org","code":"g/dL"})");
  put("smoke1", R"("code":)" + loinc("72166-2") +
                    R"(,"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"449868002"}]})");
  put("smoke2", R"("code":)" + loinc("72166-2") +
                    R"(,"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"8517006"}]})");
  put("note", R"("code":)" + loinc("8251-1") + R"(,"valueString":"Feeling well today")");
  put("born", R"("code":)" + loinc("21112-8") + R"(,"valueDateTime":"2024-05-01")");

  EXPECT_EQ(ids("Observation?code-value-quantity=http://loinc.org|718-7$gt13"), Ids{"hb"});
  EXPECT_EQ(ids("Observation?code-value-quantity=718-7$lt13"), Ids{});
  EXPECT_EQ(ids("Observation?code-value-quantity=718-7$13.5|http://unitsofmeasure.org|g/dL"), Ids{"hb"});
  EXPECT_EQ(ids("Observation?code-value-quantity=718-7$13.5||mg"), Ids{});
  EXPECT_EQ(ids("Observation?code-value-quantity=http://snomed.info/sct|718-7$gt13"), Ids{});
  EXPECT_EQ(ids("Observation?component-code-value-quantity=http://loinc.org|8480-6$gt140"), Ids{"bp2"});
  EXPECT_EQ(ids("Observation?component-code-value-quantity=8480-6$ge120"), (Ids{"bp1", "bp2"}));
  EXPECT_EQ(ids("Observation?component-code-value-quantity=8462-4$lt90"), Ids{"bp1"});
  EXPECT_EQ(ids("Observation?component-code-value-quantity=8462-4$gt100"), Ids{});
  EXPECT_EQ(ids("Observation?component-code-value-quantity=8480-6$gt140&component-code-value-quantity=8462-4$gt90"),
            Ids{"bp2"});
  EXPECT_EQ(ids("Observation?component-code-value-quantity=8480-6$gt140&component-code-value-quantity=8462-4$lt90"),
            Ids{});
  EXPECT_EQ(ids("Observation?combo-code-value-quantity=8480-6$gt140,718-7$gt13"), (Ids{"bp2", "hb"}));
  // The combo-* parameters are the union of the top-level and the component parameters; they
  // are answered from those parameters' entries, so check each kind against both sides.
  EXPECT_EQ(ids("Observation?combo-code=85354-9"), (Ids{"bp1", "bp2"}));
  EXPECT_EQ(ids("Observation?combo-code=http://loinc.org|8462-4"), (Ids{"bp1", "bp2"}));
  EXPECT_EQ(ids("Observation?combo-code=718-7,8251-1"), (Ids{"hb", "note"}));
  EXPECT_EQ(ids("Observation?combo-code:not=8480-6&_id=bp1,bp2,hb,smoke1,smoke2,note,born"), (Ids{"hb", "smoke1", "smoke2", "note", "born"}));
  EXPECT_EQ(ids("Observation?combo-value-quantity=gt140"), Ids{"bp2"});
  EXPECT_EQ(ids("Observation?combo-value-quantity=13.5"), Ids{"hb"});
  EXPECT_EQ(ids("Observation?combo-value-quantity=135|http://unitsofmeasure.org|g/L"), Ids{"hb"});
  EXPECT_EQ(ids("Observation?combo-value-quantity=95|http://unitsofmeasure.org|mm[Hg]"), Ids{"bp2"});
  EXPECT_EQ(ids("Observation?combo-value-quantity:missing=true&_id=bp1,bp2,hb,smoke1,smoke2,note,born"), (Ids{"smoke1", "smoke2", "note", "born"}));
  EXPECT_EQ(ids("Observation?combo-value-concept=http://snomed.info/sct|8517006"), Ids{"smoke2"});
  EXPECT_EQ(ids("Observation?combo-code-value-quantity=8462-4$lt90"), Ids{"bp1"});
  EXPECT_EQ(ids("Observation?combo-code-value-quantity=718-7$13500|http://unitsofmeasure.org|mg/dL"), Ids{"hb"});
  EXPECT_EQ(ids("Observation?combo-code-value-concept=72166-2$449868002"), Ids{"smoke1"});
  put("mid", R"("code":)" + loinc("8500-0"));
  std::vector<std::string> sorted;
  for (const auto& e : entriesOf(followPages(c, "/" + instance_ + "/fhir/Observation?combo-code=85354-9,8500-0&_sort=combo-code", 5)))
    sorted.push_back(e["resource"]["id"]);
  // By each one's least code: the blood pressures by their diastolic component's 8462-4.
  EXPECT_EQ(sorted, (std::vector<std::string>{"bp1", "bp2", "mid"}));
  EXPECT_EQ(ids("Observation?code-value-quantity=8480-6$gt1"), Ids{});
  EXPECT_EQ(ids("Observation?code-value-concept=72166-2$http://snomed.info/sct|449868002"), Ids{"smoke1"});
  EXPECT_EQ(ids("Observation?code-value-concept=72166-2$449868002,72166-2$8517006"), (Ids{"smoke1", "smoke2"}));
  EXPECT_EQ(ids("Observation?code-value-concept=http://loinc.org|72166-2$8517006"), Ids{"smoke2"});
  EXPECT_EQ(ids("Observation?code-value-string=8251-1$feeling"), Ids{"note"});
  EXPECT_EQ(ids("Observation?code-value-string=8251-1$sad"), Ids{});
  EXPECT_EQ(ids("Observation?code-value-date=21112-8$ge2024-01-01"), Ids{"born"});
  EXPECT_EQ(ids("Observation?code-value-date=21112-8$lt2024"), Ids{});
  EXPECT_EQ(ids("Observation?code-value-date=21112-8$ne2024-03-01"), Ids{"born"});
  // Entries with a date and without are indexed apart; :missing reads the parameter's own kind.
  EXPECT_EQ(ids("Observation?code-value-date:missing=false&_id=bp1,bp2,hb,smoke1,smoke2,note,born"), Ids{"born"});
  EXPECT_EQ(ids("Observation?code-value-string:missing=false&_id=bp1,bp2,hb,smoke1,smoke2,note,born"), Ids{"note"});
  EXPECT_EQ(ids("Observation?code-value-date:missing=true&_id=bp1,bp2,hb,smoke1,smoke2,note,born"),
            (Ids{"bp1", "bp2", "hb", "smoke1", "smoke2", "note"}));

  put("hb", R"("code":)" + loinc("718-7") + R"(,"valueQuantity":{"value":12,"system":"http://unitsofmeasure.org","code":"g/dL"})");
  EXPECT_EQ(ids("Observation?code-value-quantity=718-7$gt13"), Ids{});
  EXPECT_EQ(ids("Observation?code-value-quantity=718-7$12"), Ids{"hb"});
  EXPECT_EQ(ids("Observation?code-value-quantity=718-7$120|http://unitsofmeasure.org|g/L"), Ids{"hb"});
  EXPECT_EQ(ids("Observation?code-value-quantity=718-7$120||g/L"), Ids{});

  EXPECT_EQ(status("Observation?code-value-quantity=718-7"), 400);
  EXPECT_EQ(status("Observation?code-value-quantity=718-7$abc"), 400);
  EXPECT_EQ(status("Observation?code-value-quantity=$5"), 400);
  EXPECT_EQ(status("Observation?code-value-date=21112-8$yesterday"), 400);
  EXPECT_EQ(status("Observation?code-value-quantity:exact=718-7$5"), 400);
  EXPECT_EQ(status("Observation?_sort=code-value-quantity"), 400);

  // The CapabilityStatement offers the composites it indexes, and not MolecularSequence's
  // three-part coordinates.
  const json cs = parseJson(c.Get("/" + instance_ + "/fhir/metadata")->body);
  std::map<std::string, std::set<std::string>> composites;
  for (const auto& r : cs["rest"][0]["resource"])
    for (const auto& p : r.value("searchParam", json::array()))
      if (p["type"] == "composite") composites[r["type"]].insert(p["name"].get<std::string>());
  EXPECT_EQ(composites["Observation"],
            (std::set<std::string>{"code-value-concept", "code-value-date", "code-value-quantity", "code-value-string",
                                   "combo-code-value-concept", "combo-code-value-quantity", "component-code-value-concept",
                                   "component-code-value-quantity"}));
  EXPECT_TRUE(composites["Group"].count("characteristic-value"));
  EXPECT_FALSE(composites.count("MolecularSequence"));
}

// `patient` is `subject.where(resolve() is Patient)`, Encounter's `practitioner` the
// participants that are Practitioners: searched through the broader parameter's entries, so every
// way of reading them must keep to the target type (a Group subject is no patient).
TEST(TypedReferences, ReadTheBroaderParametersEntriesOfTheirTargetType) {
  const std::string instance = createInstance("typed");
  auto c = client();
  auto put = [&](const std::string& path, const std::string& body) { putResource(instance, path, body); };
  put("Patient/pa", R"({"resourceType":"Patient","id":"pa","name":[{"family":"Typed"}]})");
  put("Group/ga", R"({"resourceType":"Group","id":"ga","type":"person","actual":true})");
  put("Practitioner/dr", R"({"resourceType":"Practitioner","id":"dr"})");
  put("RelatedPerson/rp", R"({"resourceType":"RelatedPerson","id":"rp","patient":{"reference":"Patient/pa"}})");
  auto obs = [&](const std::string& id, const std::string& subject) {
    put("Observation/" + id, R"({"resourceType":"Observation","id":")" + id +
                                 R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]})" +
                                 (subject.empty() ? "" : R"(,"subject":)" + subject) + "}");
  };
  obs("t1", R"({"reference":"Patient/pa"})");
  obs("t2", R"({"reference":"Group/ga"})");
  obs("t4", R"({"identifier":{"system":"urn:mrn","value":"Z9"}})");
  obs("t5", R"({"reference":"Patient/pa","identifier":{"system":"urn:mrn","value":"P1"}})");
  put("Encounter/e1", R"({"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},)"
                      R"("subject":{"reference":"Patient/pa"},"participant":[{"individual":{"reference":"Practitioner/dr"}},)"
                      R"({"individual":{"reference":"RelatedPerson/rp"}}]})");

  auto bundle = [&](const std::string& query) {
    auto res = c.Get("/" + instance + "/fhir/" + query);
    EXPECT_EQ(res->status, 200) << query << ": " << res->body;
    return parseJson(res->body);
  };
  auto found = [&](const std::string& query, const std::string& mode = "match") {
    Ids out;
    for (const auto& e : bundle(query).value("entry", json::array()))
      if (e["search"]["mode"] == mode)
        out.insert(e["resource"]["resourceType"].get<std::string>() + "/" + e["resource"]["id"].get<std::string>());
    return out;
  };
  const Ids withPatient{"Observation/t1", "Observation/t5"};
  EXPECT_EQ(found("Observation?patient=pa"), withPatient);
  EXPECT_EQ(found("Observation?patient=Patient/pa"), withPatient);
  EXPECT_EQ(found("Observation?patient=ga"), Ids{});
  EXPECT_EQ(found("Observation?subject=ga"), Ids{"Observation/t2"});
  EXPECT_EQ(found("Observation?patient:missing=false"), withPatient);
  EXPECT_EQ(found("Observation?patient:missing=true"), (Ids{"Observation/t2", "Observation/t4"}));
  EXPECT_EQ(found("Observation?patient.family=typed"), withPatient);
  EXPECT_EQ(found("Observation?patient:identifier=urn:mrn|P1"), Ids{"Observation/t5"});
  EXPECT_EQ(found("Observation?patient:identifier=urn:mrn|Z9"), Ids{});  // no Patient to resolve
  EXPECT_EQ(found("Observation?subject:identifier=urn:mrn|Z9"), Ids{"Observation/t4"});

  EXPECT_EQ(found("Observation?_id=t1,t2&_include=Observation:patient", "include"), Ids{"Patient/pa"});
  EXPECT_EQ(found("Observation?_id=t1,t2&_include=Observation:subject", "include"), (Ids{"Patient/pa", "Group/ga"}));
  EXPECT_EQ(found("Observation?_id=t1,t2&_include=Observation:patient:Group", "include"), Ids{});
  EXPECT_EQ(found("Patient?_id=pa&_revinclude=Observation:patient", "include"), withPatient);
  EXPECT_EQ(found("Group?_id=ga&_revinclude=Observation:patient", "include"), Ids{});
  EXPECT_EQ(found("Group?_id=ga&_revinclude=Observation:subject", "include"), Ids{"Observation/t2"});
  EXPECT_EQ(found("Patient?_has:Observation:patient:code=8867-4"), Ids{"Patient/pa"});

  EXPECT_EQ(found("Encounter?practitioner=dr"), Ids{"Encounter/e1"});
  EXPECT_EQ(found("Encounter?practitioner=rp"), Ids{});
  EXPECT_EQ(found("Encounter?participant=RelatedPerson/rp"), Ids{"Encounter/e1"});
  EXPECT_EQ(found("Encounter?_id=e1&_include=Encounter:practitioner", "include"), Ids{"Practitioner/dr"});
  // Several types in one search, each narrowing its own parameter.
  EXPECT_EQ(found("?_type=Observation,Encounter&patient=pa"), (Ids{"Observation/t1", "Observation/t5", "Encounter/e1"}));
  // Encounter joins the compartment by `patient`.
  EXPECT_EQ(found("Patient/pa/Encounter"), Ids{"Encounter/e1"});
  Ids everything;
  for (const auto& e : entriesOf(followPages(c, "/" + instance + "/fhir/Patient/pa/$everything", 20)))
    everything.insert(e["resource"]["resourceType"].get<std::string>() + "/" + e["resource"]["id"].get<std::string>());
  EXPECT_TRUE(everything.count("Encounter/e1") && everything.count("Observation/t5")) << everything.size();
  EXPECT_FALSE(everything.count("Observation/t2"));

  // Sorted by patient: those with one first, a Group subject counts as none.
  std::vector<std::string> order;
  const json sorted = bundle("Observation?_sort=patient,_id");
  for (const auto& e : sorted.value("entry", json::array())) order.push_back(e["resource"]["id"]);
  EXPECT_EQ(order, (std::vector<std::string>{"t1", "t5", "t2", "t4"}));
}

// Index rows name their resource by id and parameter key only, so resources of different types
// with the same id must keep their entries apart: in writes, conditions over several types,
// sorting, _has and the records Patient/$everything and patient-scoped reads reach.
TEST(SharedIds, ResourcesOfDifferentTypesWithOneIdKeepTheirOwnEntries) {
  const std::string instance = createInstance("shared-id");
  auto c = client();
  auto put = [&](const std::string& path, const std::string& body) { putResource(instance, path, body); };
  auto found = [&](const std::string& query, const std::string& mode = "match") {
    auto res = c.Get("/" + instance + "/fhir" + query);
    EXPECT_EQ(res->status, 200) << query << ": " << res->body;
    std::vector<std::string> out;
    for (const auto& e : parseJson(res->body).value("entry", json::array()))
      if (e["search"]["mode"] == mode)
        out.push_back(e["resource"]["resourceType"].get<std::string>() + "/" + e["resource"]["id"].get<std::string>());
    return out;
  };
  using List = std::vector<std::string>;
  put("Practitioner/dr-mine", R"({"resourceType":"Practitioner","id":"dr-mine"})");
  put("Practitioner/dr-other", R"({"resourceType":"Practitioner","id":"dr-other"})");
  put("Patient/x", R"({"resourceType":"Patient","id":"x","gender":"female","name":[{"family":"Alpha"}],)"
                   R"("meta":{"tag":[{"system":"urn:t","code":"a"}]}})");
  put("Patient/other", R"({"resourceType":"Patient","id":"other"})");
  // Observation/x is Patient/x's; Condition/x belongs to another patient and names another doctor.
  put("Observation/x",
      R"({"resourceType":"Observation","id":"x","status":"final","meta":{"tag":[{"system":"urn:t","code":"b"}]},)"
      R"("code":{"coding":[{"system":"http://loinc.org","code":"1-8"}]},"subject":{"reference":"Patient/x"},)"
      R"("performer":[{"reference":"Practitioner/dr-mine"}]})");
  put("Condition/x",
      R"({"resourceType":"Condition","id":"x","subject":{"reference":"Patient/other"},)"
      R"("asserter":{"reference":"Practitioner/dr-other"},"code":{"coding":[{"system":"urn:c","code":"c1"}]}})");

  EXPECT_EQ(found("?_type=Patient,Observation&_tag=urn:t|a"), List{"Patient/x"});
  EXPECT_EQ(found("?_type=Patient,Observation&_tag=urn:t|b"), List{"Observation/x"});
  auto sorted = [](List l) {
    std::sort(l.begin(), l.end());
    return l;
  };
  // Without _sort, the order is the resources' numbers' (resource_number.h): none in particular.
  EXPECT_EQ(sorted(found("?_type=Patient,Observation&_tag:not=urn:t|a")), (List{"Observation/x", "Patient/other"}));
  EXPECT_EQ(found("?_type=Patient,Observation&_sort=_tag"), (List{"Patient/x", "Observation/x", "Patient/other"}));
  EXPECT_EQ(found("?_type=Patient,Observation&_sort=-_tag"), (List{"Observation/x", "Patient/x", "Patient/other"}));
  EXPECT_EQ(found("?_type=Observation,Condition&patient=x"), List{"Observation/x"});
  EXPECT_EQ(found("/Patient?_has:Condition:patient:code=c1"), List{"Patient/other"});
  EXPECT_EQ(found("/Practitioner?_has:Observation:performer:subject=Patient/x"), List{"Practitioner/dr-mine"});
  std::vector<std::string> everything = found("/Patient/x/$everything");
  std::sort(everything.begin(), everything.end());
  EXPECT_EQ(everything, (List{"Observation/x", "Patient/x", "Practitioner/dr-mine"}));

  // Rewriting or deleting one of them leaves the other's entries alone.
  put("Observation/x",
      R"({"resourceType":"Observation","id":"x","status":"amended",)"
      R"("code":{"coding":[{"system":"http://loinc.org","code":"2-6"}]},"subject":{"reference":"Patient/x"}})");
  EXPECT_EQ(found("/Patient?gender=female&name=alpha&_tag=urn:t|a"), List{"Patient/x"});
  EXPECT_EQ(found("/Observation?code=1-8"), List{});
  EXPECT_EQ(found("/Observation?code=2-6&status=amended"), List{"Observation/x"});
  EXPECT_EQ(found("/Condition?code=c1&patient=other"), List{"Condition/x"});
  ASSERT_EQ(c.Delete("/" + instance + "/fhir/Condition/x")->status, 204);
  EXPECT_EQ(found("/Patient?gender=female&name=alpha"), List{"Patient/x"});
  EXPECT_EQ(found("/Observation?code=2-6&subject=Patient/x"), List{"Observation/x"});
}

// A reference stored by its target alone (Type/id) is still found in every form, and absolute,
// canonical and versioned references are found by the URL as written.
TEST(ReferenceUrls, AbsoluteAndLogicalUrlsAreFoundAsWritten) {
  const std::string instance = createInstance("ref-urls");
  auto c = client();
  auto obs = [&](const std::string& id, const std::string& reference) {
    putResource(instance, "Observation/" + id,
                R"({"resourceType":"Observation","id":")" + id + R"(","status":"final","code":{"text":"x"},)"
                R"("subject":{"reference":")" + reference + R"("}})");
  };
  obs("a1", "http://other.example/fhir/Patient/p9");
  obs("a2", "Patient/p9");
  obs("a3", "Patient/p9/_history/2");
  obs("a4", "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  auto found = [&](const std::string& query) {
    auto res = c.Get("/" + instance + "/fhir/Observation?" + query);
    EXPECT_EQ(res->status, 200) << query << ": " << res->body;
    Ids out;
    for (const auto& e : parseJson(res->body).value("entry", json::array()))
      out.insert(e["resource"]["id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(found("subject=http://other.example/fhir/Patient/p9"), Ids{"a1"});
  EXPECT_EQ(found("subject=urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"), Ids{"a4"});
  EXPECT_EQ(found("subject=http://other.example/fhir/Patient/p1"), Ids{});
  const Ids byTarget = found("subject=Patient/p9");
  EXPECT_TRUE(byTarget.count("a2") && byTarget.count("a3")) << byTarget.size();
  EXPECT_EQ(found("subject=p9&_id=a2,a3"), (Ids{"a2", "a3"}));
  EXPECT_EQ(found("subject:missing=false"), (Ids{"a1", "a2", "a3", "a4"}));
  EXPECT_EQ(found("subject:missing=true"), Ids{});
}

// R4's date prefixes (search.html#prefix) compare two ranges: the searched value's at its
// precision and the stored value's at its own (a Period from its start's to its end's, open
// ends unbounded). Every prefix is tried with values given to the year, month, day and second
// against values stored at each precision and Periods closed and open, and the answer must be
// what the ranges give; the expectation is computed here from the ranges alone.
namespace {

using Millis = int64_t;
constexpr Millis kUnbounded = Millis{1} << 62;

struct Range {
  Millis low, high;  // [low, high)
};

// "YYYY", "YYYY-MM", "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" as the instants it covers.
Range rangeOf(const std::string& v) {
  using namespace std::chrono;
  const int y = std::stoi(v.substr(0, 4));
  const unsigned m = v.size() >= 7 ? std::stoul(v.substr(5, 2)) : 1, d = v.size() >= 10 ? std::stoul(v.substr(8, 2)) : 1;
  const year_month_day day{year{y}, month{m}, std::chrono::day{d}};
  auto at = [](year_month_day date) { return Millis(sys_days{date}.time_since_epoch() / milliseconds(1)); };
  if (v.size() == 4) return {at(day), at(year_month_day{year{y + 1}, January, std::chrono::day{1}})};
  if (v.size() == 7) return {at(day), at(year_month_day{day.year() / day.month() / 1} + months{1})};
  if (v.size() == 10) return {at(day), at(day) + 86400000};
  const Millis t = at(day) + ((std::stoi(v.substr(11, 2)) * 60 + std::stoi(v.substr(14, 2))) * 60 + std::stoi(v.substr(17, 2))) * Millis{1000};
  return {t, t + 1000};
}

bool expectedMatch(const std::string& prefix, Range search, Range target) {
  const bool eq = search.low <= target.low && target.high <= search.high;
  const bool above = target.high > search.high;  // overlaps what follows the searched range
  const bool below = target.low < search.low;    // overlaps what precedes it
  if (prefix == "eq") return eq;
  if (prefix == "ne") return !eq;
  if (prefix == "gt") return above;
  if (prefix == "lt") return below;
  if (prefix == "ge") return above || eq;
  if (prefix == "le") return below || eq;
  if (prefix == "sa") return target.low >= search.high;
  if (prefix == "eb") return target.high <= search.low;
  // ap, Flint's choice: overlapping the searched range widened by a tenth of its span each way.
  const Millis span = (search.high - search.low) / 10 + 1;
  return target.low < search.high + span && target.high > search.low - span;
}

}  // namespace

TEST(DatePrefixes, EveryPrefixAgainstEveryPrecisionFollowsTheRanges) {
  const std::string instance = createInstance("dates");
  auto c = client();
  struct Stored {
    std::string id;
    json effective;  // effectiveDateTime or effectivePeriod
    Range range;
  };
  auto period = [](const std::string& start, const std::string& end) {
    json p = json::object();
    if (!start.empty()) p["start"] = start;
    if (!end.empty()) p["end"] = end;
    return p;
  };
  const std::vector<Stored> stored = {
      {"year", "2024", rangeOf("2024")},
      {"month", "2024-03", rangeOf("2024-03")},
      {"day", "2024-03-15", rangeOf("2024-03-15")},
      {"second", "2024-03-15T10:30:00Z", rangeOf("2024-03-15T10:30:00Z")},
      {"closed", period("2024-03-10", "2024-03-20"), {rangeOf("2024-03-10").low, rangeOf("2024-03-20").high}},
      {"open-end", period("2024-03-15T10:30:00Z", ""), {rangeOf("2024-03-15T10:30:00Z").low, kUnbounded}},
      {"open-start", period("", "2024-03"), {-kUnbounded, rangeOf("2024-03").high}},
      {"straddle", period("2023-06", "2024-06"), {rangeOf("2023-06").low, rangeOf("2024-06").high}},
  };
  for (const auto& s : stored) {
    json o = {{"resourceType", "Observation"}, {"id", s.id}, {"status", "final"}, {"code", {{"text", "x"}}}};
    o[s.effective.is_string() ? "effectiveDateTime" : "effectivePeriod"] = s.effective;
    auto res = c.Put("/" + instance + "/fhir/Observation/" + s.id, o.dump(), "application/fhir+json");
    ASSERT_EQ(res->status, 201) << res->body;
  }
  const std::vector<std::string> searched = {"2023", "2024", "2025", "2024-02", "2024-03", "2024-04",
                                             "2024-03-14", "2024-03-15", "2024-03-16", "2024-03-15T10:29:59Z",
                                             "2024-03-15T10:30:00Z", "2024-03-15T10:30:01Z"};
  for (const char* prefix : {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"})
    for (const auto& value : searched) {
      Ids expected;
      for (const auto& s : stored)
        if (expectedMatch(prefix, rangeOf(value), s.range)) expected.insert(s.id);
      const std::string query = "/" + instance + "/fhir/Observation?date=" + prefix + value + "&_count=100";
      auto res = c.Get(query);
      ASSERT_EQ(res->status, 200) << query << "\n" << res->body;
      Ids found;
      for (const auto& e : parseJson(res->body).value("entry", json::array())) found.insert(e["resource"]["id"]);
      EXPECT_EQ(found, expected) << query;
    }
}

// One code of a token that US Core pairs with a date (Observation's category and code with its
// date), sorted newest first, is read from that code's entries in date order: the pages are
// those of the sort's definition — latest end first (an open period first of all), ties by
// number, each resource once, those without a date last — after updates and deletes too.
TEST(DatedTokenSort, PagesFollowTheLatestEndOfEachResource) {
  const std::string instance = createInstance("dated");
  const std::string base = "/" + instance + "/fhir/";
  auto c = client();
  const std::string categories = "http://terminology.hl7.org/CodeSystem/observation-category";
  auto put = [&](const std::string& id, const std::string& status, json category, json effective) {
    json o = {{"resourceType", "Observation"}, {"id", id}, {"status", status},
              {"category", json::array({{{"coding", category}}})},
              {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "2345-7"}}}}}}};
    for (const auto& [k, v] : effective.items()) o[k] = v;
    auto r = c.Put(base + "Observation/" + id, o.dump(), "application/fhir+json");
    ASSERT_TRUE(r->status == 200 || r->status == 201) << r->body;
  };
  const json lab = {{{"system", categories}, {"code", "laboratory"}}};
  put("mar", "final", lab, {{"effectiveDateTime", "2024-03-01T08:00:00Z"}});
  put("jan", "final", lab, {{"effectiveDateTime", "2024-01-15"}});
  put("open", "final", lab, {{"effectivePeriod", {{"start", "2020-01-01"}}}});  // still going: latest of all
  put("feb", "final", lab, {{"effectivePeriod", {{"start", "2023-01-01"}, {"end", "2024-02-10"}}}});
  put("twice", "final", {{{"system", categories}, {"code", "laboratory"}}, {{"system", "urn:local"}, {"code", "laboratory"}}},
      {{"effectiveDateTime", "2024-02-20"}});
  put("undated", "final", lab, json::object());
  put("prelim", "preliminary", lab, {{"effectiveDateTime", "2024-02-25"}});
  put("vital", "final", {{{"system", categories}, {"code", "vital-signs"}}}, {{"effectiveDateTime", "2025-01-01"}});
  auto walk = [&](const std::string& query) {
    std::vector<std::string> ids;
    for (const auto& e : entriesOf(followPages(c, base + query, 20))) ids.push_back(e["resource"]["id"]);
    return ids;
  };
  using Order = std::vector<std::string>;
  const Order all = {"open", "mar", "prelim", "twice", "feb", "jan", "undated"};
  EXPECT_EQ(walk("Observation?category=laboratory&_sort=-date&_count=2"), all);
  EXPECT_EQ(walk("Observation?category=laboratory&_sort=-date&_count=1"), all);
  EXPECT_EQ(walk("Observation?category=laboratory&_sort=-date"), all);
  EXPECT_EQ(walk("Observation?category=" + categories + "%7Claboratory&_sort=-date&_count=3"), all);
  EXPECT_EQ(walk("Observation?category=urn:local%7Claboratory&_sort=-date&_count=1"), Order{"twice"});
  EXPECT_EQ(walk("Observation?category=%7Claboratory&_sort=-date"), Order{});
  EXPECT_EQ(walk("Observation?category=laboratory&status=final&_sort=-date&_count=2"),
            (Order{"open", "mar", "twice", "feb", "jan", "undated"}));
  EXPECT_EQ(walk("Observation?code=2345-7&_sort=-date&_count=4"),
            (Order{"open", "vital", "mar", "prelim", "twice", "feb", "jan", "undated"}));
  // Ascending and _id-limited searches take the general path; the order is the same reversed.
  EXPECT_EQ(walk("Observation?category=laboratory&_sort=date&_count=2"),
            (Order{"open", "feb", "jan", "twice", "prelim", "mar", "undated"}));
  // An update moves its entry; a delete removes it.
  put("jan", "final", lab, {{"effectiveDateTime", "2026-06-01"}});
  ASSERT_EQ(c.Delete(base + "Observation/mar")->status, 204);
  EXPECT_EQ(walk("Observation?category=laboratory&_sort=-date&_count=2"),
            (Order{"open", "jan", "prelim", "twice", "feb", "undated"}));
}
