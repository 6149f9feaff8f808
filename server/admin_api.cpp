// The admin API under /admin, guarded by the configured admin key: instances are created,
// listed, disabled and enabled here (the same operations as `flint instance ...`); their SMART
// clients in admin_clients_api.cpp.
#include "core/crypto/digest.h"
#include "core/db/session.h"
#include "core/instances/instance_store.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/search/index/index_rows.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

bool authorized(const http::HttpRequest& req, const std::string& key) {
  std::string_view auth = req.header("authorization");
  const std::string_view prefix = "Bearer ";
  if (auth.substr(0, prefix.size()) != prefix) return false;
  return crypto::constantTimeEquals(auth.substr(prefix.size()), key);
}

Value instanceJson(const instances::Instance& i, const std::string& publicUrl) {
  Value org = Value::object();
  org.set("name", Value::string(i.organizationName));
  if (!i.organizationNpi.empty()) org.set("npi", Value::string(i.organizationNpi));
  if (!i.organizationAddress.empty()) org.set("address", json::parse(i.organizationAddress));
  Value v = Value::object();
  v.set("name", Value::string(i.name));
  v.set("organization", std::move(org));
  v.set("patientPortal", Value::boolean(i.patientPortal));
  v.set("openAccess", Value::boolean(i.openAccess));
  v.set("refreshTokenDays", Value::number(i.refreshTokenDays));
  v.set("disabled", Value::boolean(i.disabled));
  v.set("fhirBaseUrl", Value::string(publicUrl + "/" + i.name + "/fhir"));
  return v;
}

instances::NewInstance parseNewInstance(const std::string& body) {
  Value v;
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    throw instances::InstanceError(std::string("the body is not valid JSON: ") + e.what());
  }
  if (!v.isObject()) throw instances::InstanceError("the body must be a JSON object");
  instances::NewInstance n;
  n.searchIndexVersion = fhir::kSearchIndexVersion;
  n.name = v.stringAt("name").value_or("");
  if (const Value* org = v.find("organization"); org != nullptr && org->isObject()) {
    n.organizationName = org->stringAt("name").value_or("");
    n.organizationNpi = org->stringAt("npi").value_or("");
    if (const Value* address = org->find("address")) {
      if (!address->isObject()) throw instances::InstanceError("organization.address must be a FHIR Address object");
      n.organizationAddress = json::write(*address);
    }
  }
  if (const Value* portal = v.find("patientPortal")) {
    if (!portal->isBool()) throw instances::InstanceError("patientPortal must be true or false");
    n.patientPortal = portal->asBool();
  }
  if (const Value* open = v.find("openAccess")) {
    if (!open->isBool()) throw instances::InstanceError("openAccess must be true or false");
    n.openAccess = open->asBool();
  }
  if (const Value* days = v.find("refreshTokenDays")) {
    if (!days->isNumber() || days->text().find_first_not_of("0123456789") != std::string::npos || days->text().size() > 4)
      throw instances::InstanceError("refreshTokenDays must be a whole number of days");
    n.refreshTokenDays = std::stoi(days->text());
  }
  return n;
}

}  // namespace

http::HttpResponse App::handleAdmin(const http::HttpRequest& req) {
  if (config_.adminKey.empty()) return outcomeResponse(404, "not-found", "the admin API is not enabled");
  if (!authorized(req, config_.adminKey)) {
    auto r = outcomeResponse(401, "login", "a valid admin key is required (Authorization: Bearer ...)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"flint-admin\"");
    return r;
  }
  auto& conn = db::Session::forThisThread(config_.databaseUrl).connection();
  const auto& s = req.segments;
  try {
    if (s.size() == 2 && s[1] == "instances") {
      if (req.method == "GET") {
        Value list = Value::array();
        for (const auto& i : instances::listInstances(conn)) list.push(instanceJson(i, config_.publicUrl));
        return jsonResponse(200, json::write(list));
      }
      if (req.method == "POST") {
        auto created = instances::createInstance(conn, parseNewInstance(req.body));
        auto r = jsonResponse(201, json::write(instanceJson(created, config_.publicUrl)));
        r.headers.emplace_back("Location", config_.publicUrl + "/admin/instances/" + created.name);
        return r;
      }
      return outcomeResponse(405, "not-supported", req.method + " is not supported here");
    }
    if (s.size() == 3 && s[1] == "instances" && req.method == "GET") {
      auto found = instances::findInstance(conn, s[2]);
      if (!found) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
      return jsonResponse(200, json::write(instanceJson(*found, config_.publicUrl)));
    }
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "clients") return handleAdminClients(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "users") return handleAdminUsers(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "audit") return handleAdminAudit(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "exports") return handleAdminExports(req);
    if (s.size() == 4 && s[1] == "instances" && (s[3] == "disable" || s[3] == "enable")) {
      if (req.method != "POST") return outcomeResponse(405, "not-supported", "use POST");
      if (!instances::setInstanceDisabled(conn, s[2], s[3] == "disable"))
        return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
      return jsonResponse(200, json::write(instanceJson(*instances::findInstance(conn, s[2]), config_.publicUrl)));
    }
  } catch (const instances::InstanceError& e) {
    return outcomeResponse(e.conflict() ? 409 : 400, e.conflict() ? "conflict" : "invalid", e.what());
  }
  return outcomeResponse(404, "not-found", "no admin endpoint at this path");
}

}  // namespace flint::server
