// The public keys of asymmetric clients: from the JWKS registered inline, or fetched from the
// client's JWKS URL and kept no longer than that response's Cache-Control allows (SMART backend
// services: SHALL NOT cache beyond it); an unknown kid triggers one refetch.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "auth/storage/auth_repository.h"
#include "core/json/json_value.h"

namespace flint::auth {

class JwksCache {
 public:
  // The JWK with `kid` among the client's keys; nullopt with `error` set when there is none or
  // the JWKS cannot be had.
  std::optional<json::Value> keyFor(const ClientRecord& client, const std::string& kid, std::string& error);

 private:
  struct Entry {
    json::Value keys;  // the "keys" array
    std::chrono::steady_clock::time_point expires;
  };
  std::optional<json::Value> fetch(const std::string& url, std::string& error, std::chrono::seconds& maxAge);

  std::mutex mutex_;
  std::map<std::string, Entry> byUrl_;
};

}  // namespace flint::auth
