// The provider companion's applications a plugin manifest declares: those whose scope is one of
// provider_companion_global, _patient_specific or _note_specific, with Flint's launch_url and
// redirect_uris, and the client type its `variables` may carry (smart_client_type: public, the
// default, or confidential-asymmetric with smart_jwks_url).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/json/json_value.h"

namespace flint::companion {

struct CompanionApp {
  std::string plugin;
  std::string key;    // the application's class, unique within its plugin
  std::string name;
  std::string description;
  std::string icon;   // a package path or an https URL
  std::string scope;  // global, patient_specific or note_specific
  std::string menuPosition;  // top or bottom
  int menuOrder = 0;
  std::string launchUrl;
  std::vector<std::string> redirectUris;
  std::string clientType;  // public or confidential-asymmetric
  std::string jwksUrl;
  // The manifest's url_permissions for the app's origin (SCRIPTS, ALLOW_SAME_ORIGIN, MICROPHONE,
  // CAMERA, CLIPBOARD_READ, CLIPBOARD_WRITE), space-separated: what its frame may do.
  std::string framePermissions;
  std::string clientId;  // once registered
  std::string ceiling;   // the scopes the installing admin granted
};

class CompanionAppError : public std::runtime_error {
 public:
  explicit CompanionAppError(std::vector<std::string> problems)
      : std::runtime_error(problems.empty() ? "invalid application" : problems.front()), problems_(std::move(problems)) {}
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// The manifest (already valid as a manifest) `plugin`'s companion applications; throws
// CompanionAppError with each problem ("$.path: message") for URLs or a client type that cannot be.
std::vector<CompanionApp> declaredApps(const json::Value& manifest, const std::string& plugin);

// scheme://host[:port] of a URL; empty when it has none.
std::string originOf(const std::string& url);

}  // namespace flint::companion
