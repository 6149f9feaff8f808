#include "auth/keys/key_store.h"

#include <stdexcept>

#include "auth/storage/auth_repository.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"

namespace flint::auth {
namespace {

std::shared_ptr<const InstanceKeys> fromRecords(const std::vector<KeyRecord>& records) {
  auto keys = std::make_shared<InstanceKeys>();
  for (const auto& r : records) {
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

std::shared_ptr<const InstanceKeys> KeyStore::keysFor(db::Session& session, const instances::Instance& instance) {
  {
    std::lock_guard lock(mutex_);
    auto it = byInstance_.find(instance.id);
    if (it != byInstance_.end()) return it->second;
  }
  AuthRepository repo(session, instance);
  auto keys = fromRecords(repo.keys());
  if (!keys) {
    db::Transaction tx(session);
    repo.lockKeys();
    auto records = repo.keys();
    bool haveAccess = false, haveId = false;
    for (const auto& r : records) {
      if (r.retiredAt) continue;
      (r.purpose == "access-token" ? haveAccess : haveId) = true;
    }
    if (!haveAccess) repo.insertKey({crypto::randomToken(12), "access-token", crypto::randomToken(32), 0, {}});
    if (!haveId) repo.insertKey({crypto::randomToken(12), "id-token", crypto::privateKeyPem(crypto::generateRsaKey()), 0, {}});
    keys = fromRecords(repo.keys());
    tx.commit();
  }
  std::lock_guard lock(mutex_);
  return byInstance_.emplace(instance.id, keys).first->second;
}

}  // namespace flint::auth
