// `flint export list|cancel --instance NAME [JOB]`: an instance's Bulk Data exports, for
// operators; cancelling deletes the job and its files, whichever client started it.
#include <iostream>

#include "bulk_export/export_files.h"
#include "bulk_export/job_store.h"
#include "fhir_resources/rest/instant.h"
#include "server/cli/commands.h"

namespace flint::server {

int exportCommand(const Config& config, const std::vector<std::string>& args) {
  const bool list = args.size() == 3 && args[0] == "list";
  const bool cancel = args.size() == 4 && args[0] == "cancel";
  if ((!list && !cancel) || args[1] != "--instance") {
    std::cerr << "usage: flint export list --instance NAME | flint export cancel --instance NAME JOB\n";
    return 2;
  }
  db::Session session(config.databaseUrl);
  const auto instance = instanceNamed(session, args[2]);
  if (cancel) refuseWhileMoving(session.connection(), instance);
  bulk::JobStore store(session);
  if (cancel) {
    if (!store.find(instance.id, args[3])) {
      std::cerr << "flint: instance " << instance.name << " has no export " << args[3] << "\n";
      return 1;
    }
    bulk::removeExport(session, instance, args[3]);
    std::cout << "cancelled export " << args[3] << "\n";
    return 0;
  }
  for (const auto& job : store.list(instance.id, 1000)) {
    std::string types;
    for (const auto& t : job.types) types += (types.empty() ? "" : ",") + t;
    std::cout << job.id << '\t' << fhir::formatInstant(job.transactionTime) << '\t' << bulk::stateName(job.state)
              << '\t' << (job.clientId.empty() ? "-" : job.clientId) << '\t' << bulk::levelName(job.level)
              << (job.groupId.empty() ? "" : "/" + job.groupId) << '\t' << job.exported << '\t' << types << '\n';
  }
  return 0;
}

}  // namespace flint::server
