// The per-instance SMART authorization server as one object for the HTTP layer: its endpoints
// (each request audited), its discovery document, and the bearer-token check in front of the
// FHIR API. Holds what is shared across requests (keys, client JWKS, verified tokens).
#pragma once

#include <memory>
#include <string_view>

#include "auth/clients/jwks_cache.h"
#include "auth/endpoints/auth_http.h"
#include "auth/keys/key_store.h"
#include "auth/tokens/token_verifier.h"
#include "core/audit/audit_log.h"

namespace flint::auth {

class AuthServer {
 public:
  // `jwksRefetch`: how often at most a client's JWKS URL is asked again for a kid it lacked.
  AuthServer(const std::string& databaseUrl, audit::AuditLog& audit, std::chrono::seconds jwksRefetch)
      : jwks_(jwksRefetch), revocations_(databaseUrl), tokens_(keys_, revocations_), audit_(audit) {}

  AuthResponse handle(const instances::Instance& instance, db::Session& session, const AuthUrls& urls,
                      const AuthRequest& request);
  AuthResponse smartConfiguration(const AuthUrls& urls) const;
  // The verified token of an `Authorization: Bearer ...` header, or null. Throws
  // AuthorizationUnavailable when revocations cannot be checked.
  std::shared_ptr<const VerifiedToken> verifyBearer(db::Session& session, const instances::Instance& instance,
                                                    std::string_view authorization);
  // verifyBearer() for a reactor thread, which must not wait: the token when memory alone can
  // verify it, else null (and a worker's verifyBearer decides).
  std::shared_ptr<const VerifiedToken> verifyBearerRemembered(const instances::Instance& instance,
                                                              std::string_view authorization);
  // Milliseconds since this process last read the revocation log (/metrics).
  int64_t revocationLagMillis() const { return revocations_.millisSinceRead(); }
  // Every token of the client stops working at once, on every server process.
  void revokeClient(const instances::Instance& instance, const std::string& clientId);
  // The population apps practices authorise on their practice-apps page; that page answers 404
  // without them.
  void setPracticeApps(PracticeApps* apps) { practiceApps_ = apps; }

 private:
  KeyStore keys_;
  JwksCache jwks_;
  RevocationList revocations_;
  TokenVerifier tokens_;
  audit::AuditLog& audit_;
  PracticeApps* practiceApps_ = nullptr;
};

}  // namespace flint::auth
