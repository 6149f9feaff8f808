// An access request is checked field by field: every problem reported at once with its field,
// the contact on the organisation's domain, the identifier of one of three kinds, https URLs
// (http only on loopback), the attestations and the Terms of Use version in force.
#include <gtest/gtest.h>

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "developer/developer_error.h"
#include "developer/requests/access_request.h"

using namespace flint;
using namespace flint::developer;

namespace {

const char* kValid = R"({
  "organization": {"legalName": "  Acme Health, Inc. ", "domain": "Acme.Example",
                   "identifier": {"kind": "state-registration", "state": "CA", "number": "C1234567"}},
  "contact": {"name": "Ann Lee", "email": "ann@apps.acme.example"},
  "application": {"name": "Acme Records", "description": "Shows patients their records.",
                  "accessModel": "patient-directed", "redirectUris": ["https://app.acme.example/cb", "http://127.0.0.1:8000/cb"]},
  "attestations": {"privacyPolicyUrl": "https://acme.example/privacy", "termsUrl": "https://acme.example/terms",
                   "lawfulUse": true, "compliance": true},
  "termsOfUse": {"accepted": true, "version": "v1"}})";

json::Value withChange(const std::string& path, const std::string& valueJson) {
  json::Value body = json::parse(kValid);
  json::Value* parent = &body;
  std::string rest = path;
  for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1))
    parent = parent->find(rest.substr(0, dot));
  if (valueJson.empty()) parent->erase(rest);
  else parent->set(rest, json::parse(valueJson));
  return body;
}

std::vector<std::string> problemFields(const json::Value& body) {
  try {
    parseAccessRequest(body, "v1");
  } catch (const DeveloperError& e) {
    EXPECT_EQ(e.status(), 422);
    std::vector<std::string> fields;
    for (const auto& p : e.problems()) fields.push_back(p.field);
    return fields;
  }
  return {};
}

using Fields = std::vector<std::string>;

}  // namespace

TEST(AccessRequest, AValidRequestIsNormalised) {
  const AccessRequest r = parseAccessRequest(json::parse(kValid), "v1");
  EXPECT_EQ(r.accessModel, "patient-directed");
  EXPECT_EQ(r.domain, "acme.example");
  EXPECT_EQ(r.details.find("organization")->stringAt("legalName"), "Acme Health, Inc.");
  EXPECT_EQ(r.details.find("termsOfUse"), nullptr) << "acceptance is recorded with the request, not in its details";
  EXPECT_EQ(json::write(*r.details.find("application")->find("redirectUris")),
            R"(["https://app.acme.example/cb","http://127.0.0.1:8000/cb"])");
}

TEST(AccessRequest, EachProblemNamesItsField) {
  EXPECT_EQ(problemFields(withChange("contact.email", R"("ann@gmail.com")")), Fields{"contact.email"});
  EXPECT_EQ(problemFields(withChange("contact.email", R"("ann@evilacme.example")")), Fields{"contact.email"})
      << "a look-alike domain is not a subdomain";
  EXPECT_EQ(problemFields(withChange("organization.identifier", R"({"kind":"duns","number":"12-345-6789"})")), Fields{});
  EXPECT_EQ(problemFields(withChange("organization.identifier", R"({"kind":"duns","number":"1234"})")),
            Fields{"organization.identifier.number"});
  EXPECT_EQ(problemFields(withChange("organization.identifier", R"({"kind":"state-registration","state":"ZZ","number":"1"})")),
            Fields{"organization.identifier.state"});
  EXPECT_EQ(problemFields(withChange("organization.identifier", R"({"kind":"domain"})")), Fields{});
  EXPECT_EQ(problemFields(withChange("organization.identifier", R"({"kind":"ein"})")), Fields{"organization.identifier.kind"});
  EXPECT_EQ(problemFields(withChange("organization.domain", R"("localhost")")), Fields{"organization.domain"});
  EXPECT_EQ(problemFields(withChange("application.redirectUris", R"(["http://app.acme.example/cb"])")),
            Fields{"application.redirectUris[0]"});
  EXPECT_EQ(problemFields(withChange("application.redirectUris", "[]")), Fields{"application.redirectUris"});
  EXPECT_EQ(problemFields(withChange("application.accessModel", R"("population")")), Fields{"application.jwksUrl"});
  EXPECT_EQ(problemFields(withChange("application.description", R"("short")")), Fields{"application.description"});
  EXPECT_EQ(problemFields(withChange("attestations.lawfulUse", "false")), Fields{"attestations.lawfulUse"});
  EXPECT_EQ(problemFields(withChange("attestations.termsUrl", R"("ftp://acme.example/t")")), Fields{"attestations.termsUrl"});
  EXPECT_EQ(problemFields(withChange("termsOfUse.version", R"("v0")")), Fields{"termsOfUse.version"});
  EXPECT_EQ(problemFields(withChange("termsOfUse.accepted", "")), Fields{"termsOfUse.accepted"});
  EXPECT_EQ(problemFields(withChange("fee", R"({"amount": 100})")), Fields{"fee"}) << "nothing beyond the seed's fields";
  EXPECT_EQ(problemFields(withChange("contact", "")), Fields{"contact"});
  EXPECT_THROW(parseAccessRequest(json::parse("[]"), "v1"), DeveloperError);
}
