// The authorization server's clients, signing keys and used assertion ids in an instance's schema
// (users in user_repository.h, grants and the code flow in grant_repository.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::auth {

struct ClientRecord {
  std::string id;
  std::string name;
  std::string kind;  // public | confidential-symmetric | confidential-asymmetric | backend
  std::string secretSha256;  // hex, symmetric clients only
  std::string jwks;          // inline JWKS JSON, or empty
  std::string jwksUrl;       // or empty
  std::vector<std::string> redirectUris;
  std::string launchUri;
  std::string scope;  // the most this client may ever be granted
  bool disabled = false;
};

struct KeyRecord {
  std::string kid;
  std::string purpose;  // id-token | access-token
  std::string secret;   // PEM private key, or base64url HMAC key
  int64_t createdAt = 0;  // seconds since the epoch
  std::optional<int64_t> retiredAt;
};

class AuthRepository {
 public:
  AuthRepository(db::Session& session, const instances::Instance& instance);

  std::optional<ClientRecord> client(const std::string& id);
  std::vector<ClientRecord> clients();
  void insertClient(const ClientRecord& client);
  bool setClientDisabled(const std::string& id, bool disabled);
  // A new scope ceiling (already checked, e.g. by registerClient for the same client).
  bool setClientScope(const std::string& id, const std::string& scope);

  // Keys of every purpose, oldest first.
  std::vector<KeyRecord> keys();
  void insertKey(const KeyRecord& key);
  // Marks every current key retired now.
  void retireKeys();
  // Serialises key creation between processes until the ambient transaction ends.
  void lockKeys();

  // Records a client assertion's jti; false when the client already used it. Forgets expired ones.
  bool recordAssertionId(const std::string& clientId, const std::string& jti, int64_t expiresAt);

 private:
  db::Session& session_;
  const instances::Instance& instance_;
};

}  // namespace flint::auth
