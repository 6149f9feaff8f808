// The admin API under /admin, guarded by the configured admin key: instances are created,
// listed, disabled and enabled here (the same operations as `flint instance ...`); their SMART
// clients in admin_clients_api.cpp.
#include "core/crypto/digest.h"
#include "core/db/session.h"
#include "core/instances/instance_store.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/validation/resource_validator.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

constexpr const char* kAdminActor = "admin API";

Value instanceJson(const instances::Instance& i, const std::string& publicUrl) {
  Value org = Value::object();
  org.set("name", Value::string(i.organizationName));
  if (!i.organizationNpi.empty()) org.set("npi", Value::string(i.organizationNpi));
  if (!i.organizationAddress.empty()) org.set("address", json::parse(i.organizationAddress));
  org.set("locations", json::parse(i.organizationLocations));
  if (!i.organizationPartOf.empty()) org.set("partOf", Value::string(i.organizationPartOf));
  Value v = Value::object();
  v.set("name", Value::string(i.name));
  v.set("organization", std::move(org));
  v.set("patientPortal", Value::boolean(i.patientPortal));
  v.set("openAccess", Value::boolean(i.openAccess));
  v.set("refreshTokenDays", Value::number(i.refreshTokenDays));
  v.set("profileValidation", Value::string(i.profileValidation));
  v.set("disabled", Value::boolean(i.disabled));
  v.set("cluster", Value::string(i.cluster));
  if (!i.moveState.empty()) {
    Value move = Value::object();
    move.set("to", Value::string(i.moveTarget));
    move.set("state", Value::string(i.moveState));
    v.set("move", std::move(move));
  }
  v.set("fhirBaseUrl", Value::string(publicUrl + "/" + i.name + "/fhir"));
  return v;
}

// `address` as stored, once the FHIR validator has found it a valid Address (it is published in
// the directory as part of an Organization or Location).
std::string checkedAddress(const Value& address, const std::string& where) {
  if (!address.isObject()) throw instances::InstanceError(where + " must be a FHIR Address object");
  Value organization = Value::object();
  organization.set("resourceType", Value::string("Organization"));
  organization.set("name", Value::string("-"));
  Value addresses = Value::array();
  addresses.push(address);
  organization.set("address", std::move(addresses));
  try {
    fhir::validateResource(organization, "Organization");
  } catch (const fhir::FhirError& e) {
    throw instances::InstanceError(where + " is not a valid FHIR Address: " + e.what());
  }
  return json::write(address);
}

Value bodyObject(const std::string& body) {
  Value v;
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    throw instances::InstanceError(std::string("the body is not valid JSON: ") + e.what());
  }
  if (!v.isObject()) throw instances::InstanceError("the body must be a JSON object");
  return v;
}

// PATCH /admin/instances/{name}: a JSON merge patch of what the directory publishes of the
// instance, and of its profile validation; null removes the NPI, address, parent or locations.
instances::InstanceChanges parseInstanceChanges(const std::string& body) {
  const Value v = bodyObject(body);
  instances::InstanceChanges changes;
  auto stringOrNull = [](const Value& value, const std::string& where) {
    if (value.isNull()) return std::string();
    if (!value.isString()) throw instances::InstanceError(where + " must be a string or null");
    return value.text();
  };
  for (const auto& [key, value] : v.members()) {
    if (key == "patientPortal") {
      if (!value.isBool()) throw instances::InstanceError("patientPortal must be true or false");
      changes.patientPortal = value.asBool();
    } else if (key == "profileValidation") {
      if (!value.isString()) throw instances::InstanceError("profileValidation must be off, claimed or required");
      changes.profileValidation = value.text();
    } else if (key == "organization") {
      if (!value.isObject()) throw instances::InstanceError("organization must be an object");
      for (const auto& [field, item] : value.members()) {
        const std::string where = "organization." + field;
        if (field == "name") {
          if (!item.isString() || item.text().empty()) throw instances::InstanceError(where + " must be a non-empty string");
          changes.organizationName = item.text();
        } else if (field == "npi") {
          changes.organizationNpi = stringOrNull(item, where);
        } else if (field == "partOf") {
          changes.organizationPartOf = stringOrNull(item, where);
        } else if (field == "address") {
          changes.organizationAddress = item.isNull() ? "" : checkedAddress(item, where);
        } else if (field == "locations") {
          Value locations = Value::array();
          if (!item.isNull() && !item.isArray()) throw instances::InstanceError(where + " must be an array or null");
          if (item.isArray())
            for (const auto& location : item.items()) {
              if (!location.isObject()) throw instances::InstanceError("every location must be an object");
              Value checked = location;
              if (const Value* address = location.find("address"))
                checked.set("address", json::parse(checkedAddress(*address, "a location's address")));
              locations.push(std::move(checked));
            }
          changes.organizationLocations = json::write(locations);
        } else {
          throw instances::InstanceError("unknown field " + where);
        }
      }
    } else {
      throw instances::InstanceError("unknown field '" + key + "'; an instance's name, access and schema are fixed");
    }
  }
  return changes;
}

instances::NewInstance parseNewInstance(const std::string& body) {
  const Value v = bodyObject(body);
  instances::NewInstance n;
  n.searchIndexVersion = fhir::kSearchIndexVersion;
  n.name = v.stringAt("name").value_or("");
  if (const Value* org = v.find("organization"); org != nullptr && org->isObject()) {
    n.organizationName = org->stringAt("name").value_or("");
    n.organizationNpi = org->stringAt("npi").value_or("");
    if (const Value* address = org->find("address")) n.organizationAddress = checkedAddress(*address, "organization.address");
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
  if (const Value* mode = v.find("profileValidation")) {
    if (!mode->isString()) throw instances::InstanceError("profileValidation must be off, claimed or required");
    n.profileValidation = mode->text();
  }
  if (const Value* cluster = v.find("cluster")) {
    if (!cluster->isString()) throw instances::InstanceError("cluster must be the name of a cluster");
    n.cluster = cluster->text();
  }
  return n;
}

}  // namespace

http::HttpResponse App::handleAdmin(const http::HttpRequest& req) {
  // The programme's reviewers sign in as developer accounts an admin made reviewers.
  if (isReviewPath(req.segments) && !bearerMatches(req, config_.adminKey)) return handleReviewerSession(req);
  if (config_.adminKey.empty()) return outcomeResponse(404, "not-found", "the admin API is not enabled");
  if (!bearerMatches(req, config_.adminKey)) {
    auto r = outcomeResponse(401, "login", "a valid admin key is required (Authorization: Bearer ...)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"flint-admin\"");
    return r;
  }
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  auto& conn = session.connection();
  const auto& s = req.segments;
  try {
    if (s.size() == 2 && s[1] == "instances") {
      if (req.method == "GET") {
        Value list = Value::array();
        for (const auto& i : instances::listInstances(conn)) list.push(instanceJson(i, config_.publicUrl));
        return jsonResponse(200, json::write(list));
      }
      if (req.method == "POST") {
        auto created = instances::createInstance(conn, parseNewInstance(req.body), kAdminActor);
        instanceChanged(session, created.name);
        auto r = jsonResponse(201, json::write(instanceJson(created, config_.publicUrl)));
        r.headers.emplace_back("Location", config_.publicUrl + "/admin/instances/" + created.name);
        return r;
      }
      return outcomeResponse(405, "not-supported", req.method + " is not supported here");
    }
    if (s.size() == 3 && s[1] == "instances" && (req.method == "GET" || req.method == "PATCH")) {
      auto found = req.method == "GET" ? instances::findInstance(conn, s[2])
                                       : instances::updateInstance(conn, s[2], parseInstanceChanges(req.body), kAdminActor);
      if (!found) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
      if (req.method == "PATCH") instanceChanged(session, found->name);
      return jsonResponse(200, json::write(instanceJson(*found, config_.publicUrl)));
    }
    if (s.size() == 3 && s[1] == "instances") {
      auto r = outcomeResponse(405, "not-supported", req.method + " is not supported here; use GET or PATCH");
      r.headers.emplace_back("Allow", "GET, PATCH");
      return r;
    }
    if (s.size() >= 2 && s[1] == "directory") return handleAdminDirectory(req);
    if (s.size() >= 2 && s[1] == "developer") return handleAdminDeveloper(req, {});
    if (s.size() >= 4 && s[1] == "instances" && req.method != "GET" && req.method != "HEAD")
      if (auto instance = instances::findInstance(conn, s[2]); instance && instance->writesFrozen()) return writesFrozen(false);
    if (s.size() >= 5 && s[1] == "instances" && s[3] == "developer-apps") return handleAdminDeveloperApps(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "clients") return handleAdminClients(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "users") return handleAdminUsers(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "audit") return handleAdminAudit(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "exports") return handleAdminExports(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "plugins") return handleAdminPlugins(req);
    if (s.size() >= 4 && s[1] == "instances" && s[3] == "namespaces") return handleAdminNamespaces(req);
    if (s.size() == 4 && s[1] == "instances" && (s[3] == "disable" || s[3] == "enable")) {
      if (req.method != "POST") return outcomeResponse(405, "not-supported", "use POST");
      if (!instances::setInstanceDisabled(conn, s[2], s[3] == "disable", kAdminActor))
        return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
      instanceChanged(session, s[2]);
      return jsonResponse(200, json::write(instanceJson(*instances::findInstance(conn, s[2]), config_.publicUrl)));
    }
  } catch (const instances::InstanceError& e) {
    return outcomeResponse(e.conflict() ? 409 : 400, e.conflict() ? "conflict" : "invalid", e.what());
  }
  return outcomeResponse(404, "not-found", "no admin endpoint at this path");
}

}  // namespace flint::server
