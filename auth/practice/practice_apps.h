// The population (backend services) apps a practice may authorise for its instance, as the
// authorization server's practice-apps page needs them. The developer programme provides them
// (server wires its implementation in), so auth/ never depends on it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/instances/instance.h"

namespace flint::auth {

struct PracticeApp {
  long long id = 0;  // the programme's request id
  std::string name;
  std::string organization;
  std::string description;
  std::string authorizedScope;  // empty: not authorised on this instance
};

// A choice the programme refuses (e.g. a scope that is not a backend service's).
class PracticeAppsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PracticeApps {
 public:
  virtual ~PracticeApps() = default;
  virtual std::vector<PracticeApp> available(const instances::Instance& instance) = 0;
  virtual void authorize(const instances::Instance& instance, long long id, const std::string& scope,
                         const std::string& actor) = 0;
  virtual void deauthorize(const instances::Instance& instance, long long id) = 0;
};

}  // namespace flint::auth
