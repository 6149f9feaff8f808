// The public keys of asymmetric clients: from the JWKS registered inline, or fetched from the
// client's JWKS URL and kept no longer than that response's Cache-Control allows (SMART backend
// services: SHALL NOT cache beyond it). A kid the last fetch did not have triggers a refetch at
// most once per `refetchInterval` per URL, and a failed fetch is remembered for a few seconds, so
// that token requests naming made-up kids cannot make Flint hammer the client's host.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "auth/storage/auth_repository.h"
#include "core/json/json_value.h"

namespace flint::auth {

class JwksCache {
 public:
  explicit JwksCache(std::chrono::seconds refetchInterval = std::chrono::seconds(30))
      : refetchInterval_(refetchInterval) {}

  // The JWK with `kid` among the client's keys; nullopt with `error` set when there is none or
  // the JWKS cannot be had.
  std::optional<json::Value> keyFor(const ClientRecord& client, const std::string& kid, std::string& error);

 private:
  struct Entry {
    json::Value keys;  // the "keys" array, while Cache-Control lets it be kept
    std::chrono::steady_clock::time_point expires;
    std::set<std::string> kids;  // of the last fetch, kept or not
    std::chrono::steady_clock::time_point fetched;
    std::string failure;  // of the last fetch, remembered until failedUntil
    std::chrono::steady_clock::time_point failedUntil;
  };
  std::optional<json::Value> fetch(const std::string& url, std::string& error, std::chrono::seconds& maxAge);

  const std::chrono::seconds refetchInterval_;
  std::mutex mutex_;
  std::map<std::string, Entry> byUrl_;
};

}  // namespace flint::auth
