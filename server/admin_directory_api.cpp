// /admin/directory: the directory as published (GET /admin/directory) and the log of changes to
// it (GET /admin/directory/changes[?instance=NAME][&limit=N]), the evidence an ONC review of
// the published service base URLs asks for.
#include <charconv>

#include "core/db/session.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "directory/directory_store.h"
#include "fhir_resources/rest/instant.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

json::Value changeJson(const directory::DirectoryChange& c) {
  json::Value v = json::Value::object();
  v.set("seq", json::Value::number(c.seq));
  v.set("at", json::Value::string(fhir::formatInstant(c.at)));
  v.set("instance", json::Value::string(c.instance));
  v.set("action", json::Value::string(c.action));
  v.set("actor", json::Value::string(c.actor));
  v.set("changes", json::parse(c.changes));
  return v;
}

}  // namespace

http::HttpResponse App::handleAdminDirectory(const http::HttpRequest& req) {
  const auto& s = req.segments;
  if (req.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
  if (s.size() == 2) return jsonResponse(200, directory_.snapshot()->bundle().body);
  if (s.size() != 3 || s[2] != "changes") return outcomeResponse(404, "not-found", "no admin endpoint at this path");
  std::optional<std::string> instance;
  int limit = 100;
  for (const auto& [name, value] : req.query) {
    if (name == "instance") {
      instance = value;
    } else if (name == "limit") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit < 1 || limit > 10000)
        return outcomeResponse(400, "invalid", "limit must be a whole number from 1 to 10000");
    } else {
      return outcomeResponse(400, "not-supported", "unknown parameter '" + name + "'; use instance and limit");
    }
  }
  auto& conn = db::Session::forThisThread(config_.databaseUrl).connection();
  json::Value list = json::Value::array();
  for (const auto& change : directory::recentChanges(conn, limit, instance)) list.push(changeJson(change));
  return jsonResponse(200, json::write(list));
}

}  // namespace flint::server
