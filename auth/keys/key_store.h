// Each instance's signing material: an HMAC key for access tokens and an RSA key for id_tokens,
// created on first use, shared by every process through the database, cached per process.
#pragma once

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

 private:
  std::mutex mutex_;
  std::map<long long, std::shared_ptr<const InstanceKeys>> byInstance_;
};

}  // namespace flint::auth
