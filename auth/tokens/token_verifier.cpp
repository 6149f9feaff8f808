#include "auth/tokens/token_verifier.h"

#include <chrono>

#include "auth/scopes/scope.h"

namespace flint::auth {
namespace {

// Enough for every token live at once on a busy server; beyond it the cache starts over.
constexpr size_t kMaxCachedTokens = 50000;

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::shared_ptr<const VerifiedToken> TokenVerifier::verify(db::Session& session, const instances::Instance& instance,
                                                           std::string_view token) {
  if (!revocations_.isCurrent()) throw AuthorizationUnavailable();
  const int64_t now = nowSeconds();
  // The cache key includes the instance, so a token cached for one instance is never taken for another's.
  std::string key = std::to_string(instance.id) + " " + std::string(token);
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (it->second->claims.expiresAt > now && !revocations_.isRevoked(it->second->claims)) return it->second;
      cache_.erase(it);
      return nullptr;
    }
  }
  auto claims = claimsOf(session, instance, token);
  if (!claims || revocations_.isRevoked(*claims)) return nullptr;
  auto verified = std::make_shared<VerifiedToken>();
  verified->access = accessOf(parseScopes(claims->scope));
  verified->claims = std::move(*claims);
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_.emplace(std::move(key), verified);
  return verified;
}

std::optional<AccessTokenClaims> TokenVerifier::claimsOf(db::Session& session, const instances::Instance& instance,
                                                        std::string_view token) {
  auto keys = keys_.keysFor(session, instance);
  return verifyAccessToken(*keys, instance.id, token, nowSeconds());
}

}  // namespace flint::auth
