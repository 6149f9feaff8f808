// The reviewers' side of the developer programme, with the admin key: the queue with deadlines
// (GET /admin/developer/requests), one request with every decision, the decisions
// (POST /admin/developer/requests/{id}/domain-verified|verify|deny|enable|revoke), the denial
// reasons, the mail outbox; a practice's population apps (/admin/instances/{name}/developer-apps);
// and the programme's counters at /metrics.
#include "core/clock.h"
#include "core/instances/instance_store.h"
#include "core/json/json_writer.h"
#include "developer/accounts/account_service.h"
#include "developer/mail/mail_outbox.h"
#include "fhir_resources/rest/instant.h"
#include "server/app.h"
#include "server/developer_views.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

// Who decides: a reviewer account, or the admin API and the person the body names (the key is shared).
std::string actorOf(const Value& body, const std::string& reviewerEmail = "") {
  if (!reviewerEmail.empty()) return "reviewer " + reviewerEmail;
  const std::string reviewer = body.stringAt("reviewer").value_or("");
  return reviewer.empty() ? "admin API" : "admin API (" + reviewer.substr(0, 100) + ")";
}


}  // namespace

void App::decideOnRequest(developer::ReviewService& review, long long id, const std::string& decision,
                          long long reviewerAccountId, const std::string& actor, const std::string& note,
                          const std::string& reason) {
  if (reviewerAccountId != 0 && review.request(id, developer::utcDay(epochSeconds())).request.accountId == reviewerAccountId)
    throw developer::DeveloperError(403, "forbidden", "a reviewer does not decide on their own request");
  if (decision == "domain-verified") review.domainVerified(id, actor, note);
  else if (decision == "check-domain") review.checkDomain(id, domainCheckSettings(), "automatic check (" + actor + ")");
  else if (decision == "verify") review.verify(id, actor, note);
  else if (decision == "deny") review.deny(id, actor, reason, note);
  else if (decision == "enable") review.enable(id, actor);
  else if (decision == "revoke") review.revoke(id, actor, note);
  else
    throw developer::DeveloperError(404, "not_found",
                                    "no decision '" + decision + "': check-domain, domain-verified, verify, deny, enable or revoke");
}

bool App::isReviewPath(const std::vector<std::string>& s) {
  return s.size() >= 3 && s[0] == "admin" && s[1] == "developer" && (s[2] == "requests" || s[2] == "denial-reasons");
}

http::HttpResponse App::handleReviewerSession(const http::HttpRequest& req) {
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  const auto account = developer::AccountService(session).fromSession(bearerToken(req));
  if (!account || !account->reviewer) {
    auto r = outcomeResponse(account ? 403 : 401, account ? "forbidden" : "login",
                             account ? "this account is not one of the programme's reviewers"
                                     : "sign in as a reviewer, or use the admin key (Authorization: Bearer ...)");
    if (!account) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"flint-admin\"");
    return r;
  }
  return handleAdminDeveloper(req, {account->id, account->email});
}

http::HttpResponse App::handleAdminDeveloper(const http::HttpRequest& req, const Reviewer& reviewer) {
  const auto& s = req.segments;  // admin, developer, ...
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  auto review = reviews(session);
  const auto today = developer::utcDay(epochSeconds());
  try {
    if (s.size() == 3 && s[2] == "requests" && req.method == "GET") {
      const auto queue = review.queue(today);
      Value list = Value::array();
      int overdue = 0, dueSoon = 0;
      for (const auto& entry : queue) {
        overdue += entry.deadlines.flag == "overdue";
        dueSoon += entry.deadlines.flag == "due-soon";
        list.push(requestJson(entry.request, entry.deadlines));
      }
      Value summary = Value::object();
      summary.set("open", Value::number(int64_t(queue.size())));
      summary.set("overdue", Value::number(int64_t(overdue)));
      summary.set("dueSoon", Value::number(int64_t(dueSoon)));
      Value v = Value::object();
      v.set("today", Value::string(developer::formatDay(today)));
      v.set("summary", std::move(summary));
      v.set("requests", std::move(list));
      return jsonResponse(200, json::write(v));
    }
    if (s.size() == 4 && s[2] == "requests" && req.method == "GET") {
      const auto entry = review.request(requestIdOf(s[3]), today);
      Value v = requestJson(entry.request, entry.deadlines);
      v.set("decisions", decisionsJson(review.decisions(entry.request.id), true));
      v.set("instances", placementsJson(review.placements(entry.request.id), config_.publicUrl));
      return jsonResponse(200, json::write(v));
    }
    if (s.size() == 5 && s[2] == "requests") {
      if (req.method != "POST") return outcomeResponse(405, "not-supported", "use POST for a decision");
      const long long id = requestIdOf(s[3]);
      const Value body = developerBody(req.body, true);
      const std::string actor = actorOf(body, reviewer.email), note = body.stringAt("note").value_or("");
      decideOnRequest(review, id, s[4], reviewer.accountId, actor, note, body.stringAt("reason").value_or(""));
      const auto entry = review.request(id, today);
      Value v = requestJson(entry.request, entry.deadlines);
      v.set("decisions", decisionsJson(review.decisions(id), true));
      return jsonResponse(200, json::write(v));
    }
    if (s.size() >= 3 && s[2] == "reviewers") {
      developer::AccountService accounts(session);
      if (s.size() == 4 && (req.method == "PUT" || req.method == "DELETE")) {
        if (!accounts.setReviewer(s[3], req.method == "PUT"))
          throw developer::DeveloperError(404, "not_found", "there is no confirmed developer account " + s[3]);
      } else if (s.size() != 3 || req.method != "GET") {
        return outcomeResponse(405, "not-supported", "GET the reviewers, PUT or DELETE /admin/developer/reviewers/{email}");
      }
      Value list = Value::array();
      for (const auto& email : accounts.reviewers()) list.push(Value::string(email));
      return jsonResponse(200, json::write(list));
    }
    if (s.size() == 3 && s[2] == "denial-reasons" && req.method == "GET") {
      Value list = Value::array();
      for (const auto& r : developer::denialReasons()) {
        Value v = Value::object();
        v.set("code", Value::string(r.code));
        v.set("text", Value::string(r.text));
        list.push(std::move(v));
      }
      return jsonResponse(200, json::write(list));
    }
    if (s.size() == 3 && s[2] == "outbox" && req.method == "GET") {
      std::string to;
      for (const auto& [name, value] : req.query)
        if (name == "to") to = value;
      pqxx::read_transaction tx(session.connection());
      Value list = Value::array();
      for (const auto& e : developer::outbox(tx, 200, to)) {
        Value v = Value::object();
        v.set("id", Value::number(e.id));
        v.set("to", Value::string(e.mail.to));
        v.set("subject", Value::string(e.mail.subject));
        v.set("body", Value::string(e.mail.body));
        v.set("createdAt", Value::string(fhir::formatInstant(e.createdAt * 1000)));
        if (e.sentAt) v.set("sentAt", Value::string(fhir::formatInstant(*e.sentAt * 1000)));
        if (e.attempts > 0) v.set("attempts", Value::number(int64_t(e.attempts)));
        if (!e.lastError.empty()) v.set("lastError", Value::string(e.lastError));
        list.push(std::move(v));
      }
      auto r = jsonResponse(200, json::write(list));
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
  } catch (const developer::DeveloperError& e) {
    return developerErrorResponse(e);
  }
  return outcomeResponse(404, "not-found", "no admin endpoint at this path");
}

http::HttpResponse App::handleAdminDeveloperApps(const http::HttpRequest& req) {
  const auto& s = req.segments;  // admin, instances, {name}, developer-apps, {id}, authorize|deauthorize
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  auto instance = instances::findInstance(session.connection(), s[2]);
  if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
  if (s.size() != 6 || (s[5] != "authorize" && s[5] != "deauthorize"))
    return outcomeResponse(404, "not-found", "use POST .../developer-apps/{request id}/authorize or /deauthorize");
  if (req.method != "POST") return outcomeResponse(405, "not-supported", "use POST");
  try {
    auto review = reviews(session);
    const long long id = requestIdOf(s[4]);
    const Value body = developerBody(req.body, true);
    if (s[5] == "authorize") {
      const std::string scope = body.stringAt("scope").value_or("");
      if (scope.empty())
        throw developer::DeveloperError(422, "invalid_request", "the practice chooses the app's system/ scopes",
                                        {{"scope", "is required: the system/ scopes this practice grants"}});
      review.authorize(id, *instance, scope, actorOf(body));
    } else {
      review.deauthorize(id, *instance);
    }
    Value v = Value::object();
    v.set("instances", placementsJson(review.placements(id), config_.publicUrl));
    return jsonResponse(200, json::write(v));
  } catch (const developer::DeveloperError& e) {
    return developerErrorResponse(e);
  }
}

}  // namespace flint::server
