// The admin API for an instance's SMART clients: /admin/instances/{name}/clients[/{id}/disable|enable].
// The same operations as `flint client ...`; a client secret appears once, in the creation response.
#include "auth/clients/client_registry.h"
#include "core/instances/data_routing.h"
#include "core/instances/instance_store.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

Value clientJson(const auth::ClientRecord& c) {
  Value v = Value::object();
  v.set("clientId", Value::string(c.id));
  v.set("name", Value::string(c.name));
  v.set("type", Value::string(c.kind));
  Value uris = Value::array();
  for (const auto& u : c.redirectUris) uris.push(Value::string(u));
  v.set("redirectUris", std::move(uris));
  if (!c.launchUri.empty()) v.set("launchUri", Value::string(c.launchUri));
  v.set("scope", Value::string(c.scope));
  if (!c.jwksUrl.empty()) v.set("jwksUrl", Value::string(c.jwksUrl));
  if (!c.jwks.empty()) v.set("jwks", json::parse(c.jwks));
  v.set("disabled", Value::boolean(c.disabled));
  return v;
}

std::string stringMember(const Value& v, const char* name) {
  const Value* m = v.find(name);
  if (m == nullptr || m->isNull()) return "";
  if (!m->isString()) throw auth::ClientError(std::string(name) + " must be a string");
  return m->text();
}

auth::NewClient parseNewClient(const std::string& body) {
  Value v;
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    throw auth::ClientError(std::string("the body is not JSON: ") + e.what());
  }
  if (!v.isObject()) throw auth::ClientError("the body must be a JSON object");
  auth::NewClient n;
  n.name = stringMember(v, "name");
  n.kind = stringMember(v, "type");
  n.launchUri = stringMember(v, "launchUri");
  n.scope = stringMember(v, "scope");
  n.jwksUrl = stringMember(v, "jwksUrl");
  if (const Value* uris = v.find("redirectUris")) {
    if (!uris->isArray()) throw auth::ClientError("redirectUris must be an array of strings");
    for (const auto& u : uris->items()) {
      if (!u.isString()) throw auth::ClientError("redirectUris must be an array of strings");
      n.redirectUris.push_back(u.text());
    }
  }
  if (const Value* jwks = v.find("jwks")) n.jwks = json::write(*jwks);
  return n;
}

}  // namespace

http::HttpResponse App::handleAdminClients(const http::HttpRequest& req) {
  const auto& s = req.segments;  // admin, instances, {name}, clients[, {id}, disable|enable]
  auto instance = instances::findInstance(db::Session::forThisThread(config_.databaseUrl).connection(), s[2]);
  if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
  auth::AuthRepository repo(instances::primarySession(*instance), *instance);
  try {
    if (s.size() == 4) {
      if (req.method == "GET") {
        Value list = Value::array();
        for (const auto& c : repo.clients()) list.push(clientJson(c));
        return jsonResponse(200, json::write(list));
      }
      if (req.method != "POST") return outcomeResponse(405, "not-supported", req.method + " is not supported here");
      auto registered = auth::registerClient(repo, parseNewClient(req.body));
      Value v = clientJson(registered.record);
      if (!registered.secret.empty()) v.set("clientSecret", Value::string(registered.secret));
      auto r = jsonResponse(201, json::write(v));
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
    if (s.size() == 6 && (s[5] == "disable" || s[5] == "enable")) {
      if (req.method != "POST") return outcomeResponse(405, "not-supported", "use POST");
      if (!repo.client(s[4])) return outcomeResponse(404, "not-found", "there is no client '" + s[4] + "'");
      // Its tokens are refused before the client is marked disabled, on whichever cluster.
      if (s[5] == "disable") auth_.revokeClient(*instance, s[4]);
      repo.setClientDisabled(s[4], s[5] == "disable");
      return jsonResponse(200, json::write(clientJson(*repo.client(s[4]))));
    }
  } catch (const auth::ClientError& e) {
    return outcomeResponse(400, "invalid", e.what());
  }
  return outcomeResponse(404, "not-found", "no admin endpoint at this path");
}

}  // namespace flint::server
