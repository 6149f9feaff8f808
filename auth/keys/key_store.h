// Each instance's signing material: an HMAC key for access tokens and an RSA key for id_tokens,
// created on first use, shared by every process through the database, cached per process for a
// minute. Rotation (`flint keys rotate`) retires the current keys and adds new ones; a retired key
// still verifies and stays published for an hour, as long as anything it signed can be alive.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::auth {

struct InstanceKeys {
  std::string accessTokenKid;
  std::string accessTokenSecret;  // raw bytes
  std::map<std::string, std::string> accessTokenSecretsByKid;  // current and not yet expired old ones
  std::string idTokenKid;
  crypto::Key idTokenKey;
  std::vector<std::pair<std::string, crypto::Key>> publishedIdTokenKeys;  // for the JWKS
};

class KeyStore {
 public:
  // Loads (or, the first time ever, creates) the instance's keys; later calls are served from memory.
  std::shared_ptr<const InstanceKeys> keysFor(db::Session& session, const instances::Instance& instance);
  // The keys loaded in the last minute, without asking the database; null when there are none.
  std::shared_ptr<const InstanceKeys> loadedKeys(const instances::Instance& instance);
  // Loads the keys again now, unless a reload was forced in the last few seconds: for a token
  // signed by a key another process has just added (and so that garbage tokens cannot make every
  // request query the database).
  std::shared_ptr<const InstanceKeys> reload(db::Session& session, const instances::Instance& instance);

  // Retires the instance's current keys and creates new ones (any process; others follow).
  static void rotate(db::Session& session, const instances::Instance& instance);

 private:
  struct Entry {
    std::shared_ptr<const InstanceKeys> keys;
    std::chrono::steady_clock::time_point loaded;
    std::chrono::steady_clock::time_point forced;
  };
  std::shared_ptr<const InstanceKeys> load(db::Session& session, const instances::Instance& instance);

  std::mutex mutex_;
  std::map<long long, Entry> byInstance_;
};

}  // namespace flint::auth
