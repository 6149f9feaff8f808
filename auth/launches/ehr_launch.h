// Making an EHR launch: a single-use launch id (five minutes) binding a registered app, the staff
// user who opens it and the context (patient, encounter), and the app's launch URL carrying it.
#pragma once

#include <stdexcept>
#include <string>

#include "auth/storage/grant_repository.h"
#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::auth {

inline constexpr int64_t kLaunchSeconds = 300;

struct NewLaunch {
  std::string id;
  std::string launchUrl;  // the client's launch URI with iss and launch; empty when it has none
};

class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// LaunchError unless launch.clientId names an enabled app that is not a backend service.
NewLaunch createLaunch(db::Session& session, const instances::Instance& instance, const std::string& fhirBase,
                       const LaunchRecord& launch);

}  // namespace flint::auth
