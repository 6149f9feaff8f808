// Developers' sandboxes: instances of synthetic US Core data (sandbox-<name>) that any confirmed
// developer account may create before verification, up to a limit; seeded like `flint seed`, with
// a test patient and clinician sign-in, and the developer's apps registered at once under
// sandbox-only client ids. They enforce tokens and scopes as production does, are never in the
// directory, and expire (a reminder is mailed a week before).
#pragma once

#include <string>
#include <vector>

#include "auth/users/seeded_logins.h"
#include "core/db/session.h"
#include "developer/accounts/account_service.h"
#include "developer/sandboxes/sandbox_store.h"

namespace flint::developer {

struct SandboxSettings {
  int limit = 2;  // open sandboxes per account
  int maxPatients = 50;
  int lifetimeDays = 30;
};

// Where an app has a client in a sandbox.
struct SandboxApp {
  long long requestId = 0;
  std::string name;
  std::string accessModel;
  std::string clientId;
};

struct Sandbox {
  SandboxRow row;
  std::vector<std::string> usernames;
  std::vector<SandboxApp> apps;
};

struct NewSandbox {
  Sandbox sandbox;
  std::vector<auth::SeededLogin> logins;  // passwords shown once
};

struct SweepSummary {
  int reminded = 0;
  int expired = 0;
};

inline constexpr int kSandboxReminderDays = 7;

class SandboxService {
 public:
  SandboxService(db::Session& session, const SandboxSettings& settings) : session_(session), settings_(settings) {}

  // DeveloperError 403 for an unconfirmed account, 409 at the limit or for a name taken, 422 for a
  // bad name (1 to 32 of a-z, 0-9, '-') or a size outside 1..maxPatients.
  NewSandbox create(const Account& account, const std::string& name, int patients);
  // Every app of the account registered on each of its open sandboxes (after a new request).
  void registerAppsOf(const Account& account);
  // The account's open sandboxes, each with its apps' sandbox clients.
  std::vector<Sandbox> mine(const Account& account);
  // DeveloperError 404 unless the open sandbox is the account's.
  Sandbox mineByName(const Account& account, const std::string& name);
  std::vector<auth::SeededLogin> resetLogins(const Account& account, const std::string& name);
  // Closes the sandbox now: its instance is disabled and its slot freed.
  void remove(const Account& account, const std::string& name);
  // Mails reminders to sandboxes expiring within kSandboxReminderDays and closes those expired.
  SweepSummary sweep(int64_t now);

 private:
  SandboxRow owned(const Account& account, const std::string& name);
  void close(const SandboxRow& sandbox, const std::string& status);

  db::Session& session_;
  const SandboxSettings& settings_;
};

}  // namespace flint::developer
