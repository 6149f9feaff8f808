// The reviewers' side of the programme: the queue of open requests with their deadlines, and the
// decisions (domain verified, verify, deny for an identity reason, enable, revoke; a practice's
// authorisation of a population app), each recorded with who made it and when, and mailed to the
// developer. Verification is about identity only: a denial names one of the identity reasons.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/db/session.h"
#include "developer/calendar/business_calendar.h"
#include "developer/enablement/app_clients.h"
#include "developer/requests/request_store.h"
#include "developer/review/deadlines.h"
#include "developer/verification/domain_check.h"

namespace flint::developer {

struct DenialReason {
  std::string code;
  std::string text;
};
const std::vector<DenialReason>& denialReasons();

struct QueueEntry {
  RequestRow request;
  Deadlines deadlines;
};

struct QueueSummary {
  int open = 0;
  int overdue = 0;
  int dueSoon = 0;
};

// Revokes the tokens of a client the programme disabled (called after the change commits).
using RevokeClient = std::function<void(const instances::Instance& instance, const std::string& clientId)>;

// An enabled population app as a practice sees it: authorised there with `scope`, or not (empty).
struct PopulationApp {
  RequestRow app;
  std::string scope;
};

class ReviewService {
 public:
  ReviewService(db::Session& session, const BusinessCalendar& calendar, RevokeClient revoke = {})
      : session_(session), calendar_(calendar), revoke_(std::move(revoke)) {}

  std::vector<QueueEntry> queue(Day today);
  QueueSummary summary(Day today);
  // DeveloperError 404 for no such request.
  QueueEntry request(long long id, Day today);
  std::vector<DecisionRow> decisions(long long id);
  std::vector<AppClients::Placement> placements(long long id);

  // Each throws DeveloperError 404 for no such request and 409 when the request is not in the
  // state the decision needs (verify: received, with its domain shown to be controlled when the
  // identifier is the domain; enable: verified; deny: received or verified; revoke: verified or
  // enabled), 422 for a denial reason not in the list.
  void domainVerified(long long id, const std::string& actor, const std::string& note);
  // Fetches the request's token from its domain (outside any transaction: nothing is locked while
  // waiting on the network) and, when it is there, records domain-verified by `actor`.
  // DeveloperError 422 saying what failed otherwise.
  void checkDomain(long long id, const DomainCheckSettings& settings, const std::string& actor);
  void verify(long long id, const std::string& actor, const std::string& note);
  void deny(long long id, const std::string& actor, const std::string& reason, const std::string& note);
  void enable(long long id, const std::string& actor);
  void revoke(long long id, const std::string& actor, const std::string& note);
  // A practice's authorisation of an enabled population app on its instance; 409 for any other app.
  void authorize(long long id, const instances::Instance& instance, const std::string& scope, const std::string& actor);
  void deauthorize(long long id, const instances::Instance& instance);
  std::vector<PopulationApp> populationApps(const instances::Instance& instance);
  // After an instance was created or changed: its patient-directed app clients brought in line.
  void syncInstance(const instances::Instance& instance);

 private:
  // Runs `change` on the request locked in a transaction, then revokes what it disabled.
  void decide(long long id, const std::function<std::vector<RemovedClient>(RequestStore&, AppClients&, RequestRow&)>& change);

  db::Session& session_;
  const BusinessCalendar& calendar_;
  RevokeClient revoke_;
};

}  // namespace flint::developer
