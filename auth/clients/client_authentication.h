// Who is calling the token, revocation or introspection endpoint (RFC 6749 §2.3): HTTP Basic or
// client_secret_post for confidential symmetric clients, a JWT assertion (RFC 7523) for
// asymmetric ones and backend services, a bare client_id for public clients.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "auth/endpoints/auth_http.h"
#include "auth/storage/auth_repository.h"

namespace flint::auth {

struct ClientAuthentication {
  std::optional<ClientRecord> client;
  AuthResponse failure;  // the invalid_client response when `client` is empty
};

ClientAuthentication authenticateClient(AuthContext& ctx, const std::map<std::string, std::string>& form,
                                        const std::string& authorization);

}  // namespace flint::auth
