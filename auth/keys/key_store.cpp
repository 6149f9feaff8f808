#include "auth/keys/key_store.h"

#include <stdexcept>

#include "auth/storage/auth_repository.h"
#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"

namespace flint::auth {
namespace {

constexpr auto kCacheFor = std::chrono::seconds(60);
constexpr auto kMinReloadInterval = std::chrono::seconds(5);
// Nothing a key signed outlives this (access tokens and id_tokens live an hour at most).
constexpr int64_t kRetiredKeySeconds = 3600;

void insertFreshKeys(AuthRepository& repo, bool access, bool id) {
  if (access) repo.insertKey({crypto::randomToken(12), "access-token", crypto::randomToken(32), 0, {}});
  if (id) repo.insertKey({crypto::randomToken(12), "id-token", crypto::privateKeyPem(crypto::generateRsaKey()), 0, {}});
}

std::shared_ptr<const InstanceKeys> fromRecords(const std::vector<KeyRecord>& records) {
  auto keys = std::make_shared<InstanceKeys>();
  const int64_t now = epochSeconds();
  for (const auto& r : records) {
    if (r.retiredAt && *r.retiredAt < now - kRetiredKeySeconds) continue;
    if (r.purpose == "access-token") {
      auto secret = crypto::base64UrlDecode(r.secret);
      if (!secret) throw std::runtime_error("stored access-token key " + r.kid + " is corrupt");
      keys->accessTokenSecretsByKid[r.kid] = *secret;
      if (!r.retiredAt) {
        keys->accessTokenKid = r.kid;
        keys->accessTokenSecret = *secret;
      }
    } else {
      crypto::Key key = crypto::keyFromPrivatePem(r.secret);
      if (!key) throw std::runtime_error("stored id-token key " + r.kid + " is corrupt");
      keys->publishedIdTokenKeys.emplace_back(r.kid, key);
      if (!r.retiredAt) {
        keys->idTokenKid = r.kid;
        keys->idTokenKey = key;
      }
    }
  }
  if (keys->accessTokenKid.empty() || !keys->idTokenKey) return nullptr;
  return keys;
}

}  // namespace

std::shared_ptr<const InstanceKeys> KeyStore::load(db::Session& session, const instances::Instance& instance) {
  AuthRepository repo(session, instance);
  auto keys = fromRecords(repo.keys());
  if (!keys) {
    db::Transaction tx(session);
    repo.lockKeys();
    bool haveAccess = false, haveId = false;
    for (const auto& r : repo.keys()) {
      if (r.retiredAt) continue;
      (r.purpose == "access-token" ? haveAccess : haveId) = true;
    }
    insertFreshKeys(repo, !haveAccess, !haveId);
    keys = fromRecords(repo.keys());
    tx.commit();
  }
  std::lock_guard lock(mutex_);
  auto& entry = byInstance_[instance.id];
  entry.keys = keys;
  entry.loaded = std::chrono::steady_clock::now();
  return keys;
}

std::shared_ptr<const InstanceKeys> KeyStore::keysFor(db::Session& session, const instances::Instance& instance) {
  auto keys = loadedKeys(instance);
  return keys ? keys : load(session, instance);
}

std::shared_ptr<const InstanceKeys> KeyStore::loadedKeys(const instances::Instance& instance) {
  std::lock_guard lock(mutex_);
  auto it = byInstance_.find(instance.id);
  if (it != byInstance_.end() && std::chrono::steady_clock::now() - it->second.loaded < kCacheFor)
    return it->second.keys;
  return nullptr;
}

std::shared_ptr<const InstanceKeys> KeyStore::reload(db::Session& session, const instances::Instance& instance) {
  {
    std::lock_guard lock(mutex_);
    auto& entry = byInstance_[instance.id];
    const auto now = std::chrono::steady_clock::now();
    if (entry.keys && now - entry.forced < kMinReloadInterval) return entry.keys;
    entry.forced = now;
  }
  return load(session, instance);
}

void KeyStore::rotate(db::Session& session, const instances::Instance& instance) {
  AuthRepository repo(session, instance);
  db::Transaction tx(session);
  repo.lockKeys();
  repo.retireKeys();
  insertFreshKeys(repo, true, true);
  tx.commit();
}

}  // namespace flint::auth
