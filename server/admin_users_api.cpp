// The admin API for the people who sign in to an instance: /admin/instances/{name}/users.
// The same operations as `flint user ...`; passwords go in and are never given back.
#include "auth/users/user_registry.h"
#include "core/instances/data_routing.h"
#include "core/instances/instance_store.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

Value userJson(const auth::UserRecord& u, const std::vector<std::string>& patients) {
  Value v = Value::object();
  v.set("id", Value::number(u.id));
  v.set("username", Value::string(u.username));
  v.set("type", Value::string(u.kind));
  v.set("fhirUser", Value::string(u.fhirUser));
  if (!u.displayName.empty()) v.set("displayName", Value::string(u.displayName));
  Value list = Value::array();
  for (const auto& p : patients) list.push(Value::string(p));
  v.set("patients", std::move(list));
  v.set("disabled", Value::boolean(u.disabled));
  v.set("practiceAdmin", Value::boolean(u.practiceAdmin));
  return v;
}

auth::NewUser parseNewUser(const std::string& body) {
  Value v;
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    throw auth::UserError(std::string("the body is not JSON: ") + e.what());
  }
  if (!v.isObject()) throw auth::UserError("the body must be a JSON object");
  auth::NewUser n;
  n.username = v.stringAt("username").value_or("");
  n.password = v.stringAt("password").value_or("");
  n.fhirUser = v.stringAt("fhirUser").value_or("");
  n.displayName = v.stringAt("displayName").value_or("");
  if (const Value* admin = v.find("practiceAdmin")) {
    if (!admin->isBool()) throw auth::UserError("practiceAdmin must be true or false");
    n.practiceAdmin = admin->asBool();
  }
  if (const Value* patients = v.find("patients")) {
    if (!patients->isArray()) throw auth::UserError("patients must be an array of Patient ids");
    for (const auto& p : patients->items()) {
      if (!p.isString()) throw auth::UserError("patients must be an array of Patient ids");
      n.patients.push_back(p.text());
    }
  }
  return n;
}

}  // namespace

http::HttpResponse App::handleAdminUsers(const http::HttpRequest& req) {
  const auto& s = req.segments;  // admin, instances, {name}, users
  auto instance = instances::findInstance(db::Session::forThisThread(config_.databaseUrl).connection(), s[2]);
  if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
  auto& session = instances::primarySession(*instance);
  if (s.size() != 4) return outcomeResponse(404, "not-found", "no admin endpoint at this path");
  auth::UserRepository users(session, *instance);
  try {
    if (req.method == "GET") {
      Value list = Value::array();
      for (const auto& u : users.all()) list.push(userJson(u, users.patients(u.id)));
      return jsonResponse(200, json::write(list));
    }
    if (req.method != "POST") return outcomeResponse(405, "not-supported", req.method + " is not supported here");
    auto created = auth::createUser(users, parseNewUser(req.body));
    return jsonResponse(201, json::write(userJson(created, users.patients(created.id))));
  } catch (const auth::UserError& e) {
    return outcomeResponse(400, "invalid", e.what());
  }
}

}  // namespace flint::server
