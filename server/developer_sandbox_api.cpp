// A developer's sandboxes under /developer/api/sandboxes: create (name, patients), list, one,
// new test passwords (POST .../{name}/logins), delete.
#include "core/json/json_writer.h"
#include "server/app.h"
#include "server/developer_views.h"
#include "server/responses.h"

namespace flint::server {

http::HttpResponse App::handleDeveloperSandboxes(const http::HttpRequest& req, const developer::Account& account,
                                                 db::Session& session) {
  const auto& s = req.segments;  // developer, api, sandboxes, ...
  const std::string& m = req.method;
  developer::SandboxService sandboxes(session, sandboxSettings_);
  if (s.size() == 3 && m == "GET") {
    json::Value list = json::Value::array();
    for (const auto& sandbox : sandboxes.mine(account)) list.push(sandboxJson(sandbox, {}, config_.publicUrl));
    return jsonResponse(200, json::write(list));
  }
  if (s.size() == 3 && m == "POST") {
    const json::Value body = developerBody(req.body);
    const json::Value* patients = body.find("patients");
    int count = 10;
    if (patients != nullptr) {
      // A number, or digits as a form sends them.
      const std::string& digits = patients->text();
      if ((!patients->isNumber() && !patients->isString()) || digits.empty() || digits.size() > 6 ||
          digits.find_first_not_of("0123456789") != std::string::npos)
        throw developer::DeveloperError(422, "invalid_request", "the sandbox cannot be made so",
                                        {{"patients", "must be a whole number"}});
      count = std::stoi(digits);
    }
    const auto created = sandboxes.create(account, body.stringAt("name").value_or(""), count);
    instanceChanged(session, created.sandbox.row.name);
    auto r = jsonResponse(201, json::write(sandboxJson(created.sandbox, created.logins, config_.publicUrl)));
    r.headers.emplace_back("Location", config_.publicUrl + "/developer/api/sandboxes/" + created.sandbox.row.name);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  if (s.size() == 4 && m == "GET")
    return jsonResponse(200, json::write(sandboxJson(sandboxes.mineByName(account, s[3]), {}, config_.publicUrl)));
  if (s.size() == 4 && m == "DELETE") {
    sandboxes.remove(account, s[3]);
    instanceChanged(session, s[3]);
    http::HttpResponse r;
    r.status = 204;
    return r;
  }
  if (s.size() == 5 && s[4] == "logins" && m == "POST") {
    auto r = jsonResponse(200, json::write(loginsJson(sandboxes.resetLogins(account, s[3]))));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  return outcomeResponse(404, "not-found", "no sandbox endpoint for " + m + " at this path");
}

}  // namespace flint::server
