#include "auth/clients/jwks_cache.h"

#include <httplib.h>

#include <regex>

#include "core/json/json_parser.h"

namespace flint::auth {
namespace {

constexpr size_t kMaxJwksBytes = 256 * 1024;
// A JWKS URL that failed is not asked again for this long.
constexpr auto kFailureMemory = std::chrono::seconds(5);

std::optional<json::Value> findKid(const json::Value& keys, const std::string& kid, size_t& matches) {
  std::optional<json::Value> found;
  matches = 0;
  for (const auto& key : keys.items())
    if (key.stringAt("kid") == kid) {
      ++matches;
      found = key;
    }
  return found;
}

// max-age from Cache-Control; zero (do not keep) for no-store, no-cache or no header at all.
std::chrono::seconds maxAgeOf(const std::string& cacheControl) {
  static const std::regex noCache("(^|[ ,])(no-store|no-cache)([ ,=]|$)", std::regex::icase);
  static const std::regex maxAge("(^|[ ,])max-age=\"?([0-9]{1,9})", std::regex::icase);
  std::smatch m;
  if (std::regex_search(cacheControl, noCache)) return std::chrono::seconds(0);
  if (std::regex_search(cacheControl, m, maxAge)) return std::chrono::seconds(std::stoll(m[2].str()));
  return std::chrono::seconds(0);
}

}  // namespace

std::optional<json::Value> JwksCache::fetch(const std::string& url, std::string& error,
                                            std::chrono::seconds& maxAge) {
  size_t schemeEnd = url.find("://");
  size_t pathStart = url.find('/', schemeEnd + 3);
  std::string origin = url.substr(0, pathStart);
  std::string path = pathStart == std::string::npos ? "/" : url.substr(pathStart);
  httplib::Client client(origin);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  client.enable_server_certificate_verification(true);
  std::string body;
  bool tooLarge = false;
  auto response = client.Get(path, {{"Accept", "application/json"}}, [&](const char* data, size_t length) {
    if (body.size() + length > kMaxJwksBytes) {
      tooLarge = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  if (tooLarge) {
    error = "the client's JWKS is larger than 256 KiB";
    return std::nullopt;
  }
  if (!response) {
    error = "the client's JWKS URL could not be fetched (" + httplib::to_string(response.error()) + ")";
    return std::nullopt;
  }
  if (response->status != 200) {
    error = "the client's JWKS URL answered " + std::to_string(response->status);
    return std::nullopt;
  }
  try {
    json::Value doc = json::parse(body);
    const json::Value* keys = doc.isObject() ? doc.find("keys") : nullptr;
    if (keys == nullptr || !keys->isArray()) throw json::ParseError("no \"keys\" array", 0);
    maxAge = maxAgeOf(response->get_header_value("Cache-Control"));
    return *keys;
  } catch (const json::ParseError&) {
    error = "the client's JWKS URL did not return a JWKS";
    return std::nullopt;
  }
}

std::optional<json::Value> JwksCache::keyFor(const ClientRecord& client, const std::string& kid, std::string& error) {
  size_t matches = 0;
  if (!client.jwks.empty()) {
    json::Value doc = json::parse(client.jwks);
    auto key = findKid(*doc.find("keys"), kid, matches);
    if (matches != 1) error = "no single key with kid '" + kid + "' in the client's JWKS";
    return matches == 1 ? key : std::nullopt;
  }
  if (client.jwksUrl.empty()) {
    error = "the client has no keys";
    return std::nullopt;
  }
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = byUrl_.find(client.jwksUrl);
    if (it != byUrl_.end()) {
      const Entry& entry = it->second;
      if (now < entry.failedUntil) {
        error = entry.failure;
        return std::nullopt;
      }
      if (entry.expires > now) {
        auto key = findKid(entry.keys, kid, matches);
        if (matches == 1) return key;
      }
      // A kid the last fetch did not have is asked for again only once the interval has passed.
      if (!entry.kids.count(kid) && now - entry.fetched < refetchInterval_) {
        error = "no key with kid '" + kid + "' in the client's JWKS (fetched again at most every " +
                std::to_string(refetchInterval_.count()) + " s)";
        return std::nullopt;
      }
    }
  }
  // Not kept (expired, or no-store), or the kid is new (the client rotated keys): ask the client.
  std::chrono::seconds maxAge{0};
  auto keys = fetch(client.jwksUrl, error, maxAge);
  {
    std::lock_guard lock(mutex_);
    Entry& entry = byUrl_[client.jwksUrl];
    entry.fetched = now;
    if (!keys) {
      entry.failure = error;
      entry.failedUntil = now + kFailureMemory;
      return std::nullopt;
    }
    entry.kids.clear();
    for (const auto& key : keys->items())
      if (auto id = key.stringAt("kid")) entry.kids.insert(*id);
    entry.keys = maxAge.count() > 0 ? *keys : json::Value::array();
    entry.expires = now + maxAge;
  }
  auto key = findKid(*keys, kid, matches);
  if (matches != 1) error = "no single key with kid '" + kid + "' in the client's JWKS";
  return matches == 1 ? key : std::nullopt;
}

}  // namespace flint::auth
