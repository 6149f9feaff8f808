#include "auth/tokens/token_verifier.h"

#include "auth/scopes/scope.h"
#include "core/clock.h"

namespace flint::auth {
namespace {

// Enough for every token live at once on a busy server; beyond it the cache starts over.
constexpr size_t kMaxCachedTokens = 50000;

}  // namespace

std::shared_ptr<const VerifiedToken> TokenVerifier::verify(db::Session& session, const instances::Instance& instance,
                                                           std::string_view token) {
  if (!revocations_.isCurrent()) throw AuthorizationUnavailable();
  if (auto verdict = remembered(instance, token)) return *verdict;
  auto claims = claimsOf(session, instance, token);
  if (!claims || revocations_.isRevoked(*claims)) return nullptr;
  return remember(token, std::move(*claims));
}

std::shared_ptr<const VerifiedToken> TokenVerifier::verifyRemembered(const instances::Instance& instance,
                                                                     std::string_view token) {
  if (!revocations_.isCurrent()) return nullptr;
  if (auto verdict = remembered(instance, token)) return *verdict;
  auto keys = keys_.loadedKeys(instance);
  if (!keys) return nullptr;
  auto claims = verifyAccessToken(*keys, instance.id, token, epochSeconds());
  if (!claims || revocations_.isRevoked(*claims)) return nullptr;
  return remember(token, std::move(*claims));
}

// The instance is checked on every use, so a token cached for one instance never opens another.
std::optional<std::shared_ptr<const VerifiedToken>> TokenVerifier::remembered(const instances::Instance& instance,
                                                                              std::string_view token) {
  std::shared_ptr<const VerifiedToken> cached;
  {
    std::shared_lock lock(mutex_);
    auto it = cache_.find(token);
    if (it == cache_.end()) return std::nullopt;
    cached = it->second;
  }
  if (cached->claims.instanceId == instance.id && cached->claims.expiresAt > epochSeconds() &&
      !revocations_.isRevoked(cached->claims))
    return cached;
  return std::shared_ptr<const VerifiedToken>();
}

std::shared_ptr<const VerifiedToken> TokenVerifier::remember(std::string_view token, AccessTokenClaims claims) {
  auto verified = std::make_shared<VerifiedToken>();
  verified->access = accessOf(parseScopes(claims.scope), claims.patient);
  verified->claims = std::move(claims);
  std::unique_lock lock(mutex_);
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_.emplace(std::string(token), verified);
  return verified;
}

std::optional<AccessTokenClaims> TokenVerifier::claimsOf(db::Session& session, const instances::Instance& instance,
                                                        std::string_view token) {
  auto keys = keys_.keysFor(session, instance);
  auto claims = verifyAccessToken(*keys, instance.id, token, epochSeconds());
  // Signed by a key this process has not loaded yet (another one rotated): look again, once.
  if (!claims && !keys->accessTokenSecretsByKid.count(keyIdOf(token)))
    claims = verifyAccessToken(*keys_.reload(session, instance), instance.id, token, epochSeconds());
  return claims;
}

}  // namespace flint::auth
