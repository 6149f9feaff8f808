// The companion's application registry of one instance: installing a plugin registers each of
// its companion applications as a SMART client (its id kept across re-installs while the app's
// URLs stay) with the scope ceiling the installing admin granted; uninstalling disables them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "companion/apps/declared_apps.h"
#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::companion {

// What the admin grants when the install does not say: reading, as the staff user (user/) or for
// the patient in context (patient/).
inline constexpr const char* kDefaultAppCeiling = "launch openid fhirUser user/*.rs patient/*.rs";

// CompanionAppError unless `ceiling` is a scope ceiling a SMART app may have.
void checkCeiling(const std::string& ceiling);

class AppRegistry {
 public:
  // Runs in the session's ambient transaction (db::Transaction), which the caller commits.
  AppRegistry(db::Session& session, const instances::Instance& instance) : session_(session), instance_(instance) {}

  // The plugin's applications as now declared; returns the client ids disabled (apps dropped or
  // re-registered), whose tokens the caller revokes. CompanionAppError for a ceiling that is not
  // a SMART app's.
  std::vector<std::string> install(const std::string& plugin, std::vector<CompanionApp> apps, const std::string& ceiling);
  std::vector<std::string> uninstall(const std::string& plugin);
  // The registered applications, of one scope (global, patient_specific, note_specific) or all,
  // in menu order (top before bottom, then menu_order, then name).
  std::vector<CompanionApp> list(const std::string& scope = "");

 private:
  pqxx::transaction_base& tx();

  db::Session& session_;
  const instances::Instance& instance_;
};

}  // namespace flint::companion
