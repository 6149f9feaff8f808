// `flint developer ...`: the developer programme from a shell — the queue of open requests with
// their deadlines, `overdue` for cron (exit 1 when any request is past its deadline), and `sweep`
// (sandbox reminders and expiry, which the server also does every five minutes).
#include <iostream>

#include "auth/tokens/access_token.h"
#include "auth/tokens/revocation_list.h"
#include "core/clock.h"
#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "developer/review/review_service.h"
#include "developer/sandboxes/sandbox_service.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

const char* kUsage = R"(usage:
  flint developer queue [--today YYYY-MM-DD]     open requests, their deadlines and flags
  flint developer overdue [--today YYYY-MM-DD]   exit 1 when any request is past its deadline
  flint developer sweep                          mail sandbox reminders, close expired sandboxes
)";

developer::ReviewService reviewsFor(db::Session& session, const developer::BusinessCalendar& calendar) {
  return developer::ReviewService(session, calendar, [&session](const instances::Instance& instance, const std::string& id) {
    auth::RevocationList::record(session.connection(), instance.id, auth::RevocationKind::Client, id,
                                 epochSeconds() + auth::kMaxAccessTokenSeconds);
  });
}

}  // namespace

void followInstanceChange(const Config& config, const std::string& name) {
  db::Session session(config.databaseUrl);
  const auto calendar = developer::BusinessCalendar::withHolidays(config.developerHolidays);
  if (auto instance = instances::findInstance(session.connection(), name)) reviewsFor(session, calendar).syncInstance(*instance);
}

int developerCommand(const Config& config, const std::vector<std::string>& args) {
  const std::string verb = args.empty() ? "" : args[0];
  auto today = developer::utcDay(epochSeconds());
  if (verb == "sweep" && args.size() == 1) {
    db::Session session(config.databaseUrl);
    db::migrateAll(session.connection());
    const developer::SandboxSettings settings{config.developerSandboxLimit,
                                              config.developerSandboxPatients, config.developerSandboxDays};
    const auto summary = developer::SandboxService(session, settings).sweep(epochSeconds());
    std::cout << summary.reminded << " sandbox reminder(s) mailed, " << summary.expired << " sandbox(es) expired\n";
    return 0;
  }
  if ((verb != "queue" && verb != "overdue") || (args.size() != 1 && args.size() != 3) ||
      (args.size() == 3 && args[1] != "--today")) {
    std::cerr << kUsage;
    return 2;
  }
  if (args.size() == 3) {
    auto day = developer::parseDay(args[2]);
    if (!day) throw std::runtime_error("--today must be YYYY-MM-DD");
    today = *day;
  }
  db::Session session(config.databaseUrl);
  db::migrateAll(session.connection());
  const auto calendar = developer::BusinessCalendar::withHolidays(config.developerHolidays);
  int overdue = 0;
  for (const auto& entry : reviewsFor(session, calendar).queue(today)) {
    const auto& d = entry.deadlines;
    overdue += d.flag == "overdue";
    if (verb == "overdue" && d.flag != "overdue") continue;
    const auto due = d.running == "verification" ? d.verificationDue : *d.enablementDue;
    std::cout << entry.request.id << "\t" << entry.request.status << "\t" << d.running << " due "
              << developer::formatDay(due) << (d.flag.empty() ? "" : "\t" + d.flag) << "\t"
              << entry.request.details.find("organization")->stringAt("legalName").value_or("") << "\t"
              << entry.request.details.find("application")->stringAt("name").value_or("") << "\n";
  }
  if (verb == "overdue") std::cerr << overdue << " request(s) overdue on " << developer::formatDay(today) << "\n";
  return verb == "overdue" && overdue > 0 ? 1 : 0;
}

}  // namespace flint::server
