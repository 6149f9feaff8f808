// Registering an app or backend service with an instance's authorization server: checks what a
// client may be (redirect URIs, keys, scope ceiling) and gives it an id and, if confidential
// symmetric, a secret that is shown once and stored only as a hash.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "auth/storage/auth_repository.h"

namespace flint::auth {

struct NewClient {
  std::string id;  // empty: a new random id; else this one (an app with one id on many instances)
  std::string name;
  std::string kind;  // public | confidential-symmetric | confidential-asymmetric | backend
  std::vector<std::string> redirectUris;
  std::string launchUri;
  std::string scope;    // ceiling; for backend services, the pre-authorised system/ scopes
  std::string jwks;     // inline JWKS JSON (asymmetric and backend)
  std::string jwksUrl;  // or where to fetch it
};

struct RegisteredClient {
  ClientRecord record;
  std::string secret;  // confidential-symmetric only; never stored in the clear
};

class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The client `request` describes, checked (ClientError otherwise), its scope normalised; no
// secret yet, and the id only when the request names one.
ClientRecord checkClient(const NewClient& request);
RegisteredClient registerClient(AuthRepository& repository, const NewClient& request);

// Whether `secret` is the client's (constant time).
bool secretMatches(const ClientRecord& client, const std::string& secret);

// A JWKS document's keys, each with a unique kid and importable; throws ClientError otherwise.
void checkJwks(const std::string& jwks);

}  // namespace flint::auth
