// The developer programme's JSON API under /developer/api: accounts (sign-up, e-mail
// confirmation, sign-in to a bearer session) and the signed-in developer's access requests.
#include "core/clock.h"
#include "core/instances/instance_store.h"
#include "core/json/json_writer.h"
#include "developer/accounts/account_service.h"
#include "server/app.h"
#include "server/developer_views.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

std::string field(const Value& body, const char* name) { return body.stringAt(name).value_or(""); }

http::HttpResponse accepted(const std::string& message) {
  Value v = Value::object();
  v.set("status", Value::string(message));
  return jsonResponse(202, json::write(v));
}


}  // namespace

http::HttpResponse App::handleDeveloper(const http::HttpRequest& req) {
  const auto& s = req.segments;  // developer, api, ...
  if (s.size() < 2 || s[1] != "api") return handleDeveloperPages(req);
  if (s.size() < 3) return outcomeResponse(404, "not-found", "no developer API endpoint at /developer/api");
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  developer::AccountService accounts(session);
  const std::string& m = req.method;
  try {
    if (s[2] == "terms" && s.size() == 3 && m == "GET") {
      Value v = Value::object();
      v.set("version", Value::string(developerTerms_.version));
      v.set("text", Value::string(developerTerms_.text));
      return jsonResponse(200, json::write(v));
    }
    if (s[2] == "accounts" && m == "POST") {
      const Value body = developerBody(req.body);
      if (s.size() == 3) {
        accounts.signUp(field(body, "email"), field(body, "password"));
        return accepted("a confirmation code was mailed to the address");
      }
      if (s.size() == 4 && s[3] == "confirm") {
        accounts.confirm(field(body, "email"), field(body, "code"));
        return jsonResponse(200, R"({"status":"confirmed"})");
      }
      if (s.size() == 4 && s[3] == "resend") {
        accounts.resendCode(field(body, "email"));
        return accepted("a new code was mailed if the address awaits confirmation");
      }
    }
    if (s[2] == "sessions" && s.size() == 3) {
      if (m == "POST") {
        const Value body = developerBody(req.body);
        Value v = Value::object();
        v.set("token", Value::string(accounts.signIn(field(body, "email"), field(body, "password"))));
        v.set("expiresIn", Value::number(int64_t(12 * 3600)));
        auto r = jsonResponse(201, json::write(v));
        r.headers.emplace_back("Cache-Control", "no-store");
        return r;
      }
      if (m == "DELETE") {
        accounts.signOut(bearerToken(req));
        http::HttpResponse r;
        r.status = 204;
        return r;
      }
    }
    const auto account = accounts.fromSession(bearerToken(req));
    if (!account) throw developer::DeveloperError(401, "invalid_token", "sign in first: Authorization: Bearer <session token>");
    developer::RequestService requests(session, developerTerms_, calendar_);
    const auto today = developer::utcDay(epochSeconds());
    if (s[2] == "me" && s.size() == 3 && m == "GET") {
      Value v = Value::object();
      v.set("email", Value::string(account->email));
      v.set("confirmed", Value::boolean(account->confirmed));
      return jsonResponse(200, json::write(v));
    }
    if (s[2] == "sandboxes") return handleDeveloperSandboxes(req, *account, session);
    if (s[2] == "requests" && s.size() == 3) {
      if (m == "POST") {
        const auto row = requests.submit(*account, developerBody(req.body));
        developer::SandboxService(session, sandboxSettings_).registerAppsOf(*account);
        auto r = jsonResponse(201, json::write(requestJson(row, developer::deadlinesOf(row, calendar_, today))));
        r.headers.emplace_back("Location", config_.publicUrl + "/developer/api/requests/" + std::to_string(row.id));
        return r;
      }
      if (m == "GET") {
        Value list = Value::array();
        for (const auto& row : requests.mine(*account)) list.push(requestJson(row, developer::deadlinesOf(row, calendar_, today)));
        return jsonResponse(200, json::write(list));
      }
    }
    if (s[2] == "requests" && s.size() == 5 && s[4] == "check-domain" && m == "POST") {
      const auto row = requests.mineById(*account, requestIdOf(s[3]));
      reviews(session).checkDomain(row.id, domainCheckSettings(), "automatic check (asked by " + account->email + ")");
      return jsonResponse(200, json::write(requestJson(row, developer::deadlinesOf(row, calendar_, today))));
    }
    if (s[2] == "requests" && s.size() == 4 && m == "GET") {
      const auto row = requests.mineById(*account, requestIdOf(s[3]));
      auto review = reviews(session);
      Value v = requestJson(row, developer::deadlinesOf(row, calendar_, today));
      v.set("decisions", decisionsJson(review.decisions(row.id), false));
      v.set("instances", placementsJson(review.placements(row.id), config_.publicUrl));
      return jsonResponse(200, json::write(v));
    }
  } catch (const developer::DeveloperError& e) {
    return developerErrorResponse(e);
  }
  return outcomeResponse(404, "not-found", "no developer API endpoint for " + m + " at this path");
}

developer::ReviewService App::reviews(db::Session& session) {
  return developer::ReviewService(session, calendar_, [this](const instances::Instance& instance, const std::string& id) {
    auth_.revokeClient(instance, id);
  });
}

developer::DomainCheckSettings App::domainCheckSettings() const {
  return {config_.developerCaFile, config_.developerDomainResolve};
}

void App::instanceChanged(db::Session& session, const std::string& name) {
  directory_.refresh();
  if (auto instance = instances::findInstance(session.connection(), name)) reviews(session).syncInstance(*instance);
}

}  // namespace flint::server
