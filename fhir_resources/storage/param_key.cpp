#include "fhir_resources/storage/param_key.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string>
#include <unordered_map>

namespace flint::fhir {
namespace {

// The first `bytes` bytes of MD5(name), big-endian.
uint64_t digestPrefix(std::string_view name, int bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(name.data(), name.size(), digest, &length, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("MD5 is not available");
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | digest[i];
  return value;
}

}  // namespace

int32_t paramKey(std::string_view type, std::string_view param) {
  // Every index row asks, and a few thousand names exist: each thread remembers its answers,
  // which needs no lock.
  thread_local std::unordered_map<std::string, int32_t> known;
  thread_local std::string name;
  name.assign(type);
  name += '.';
  name.append(param);
  auto it = known.find(name);
  if (it == known.end()) it = known.emplace(name, static_cast<int32_t>(digestPrefix(name, 4))).first;
  return it->second;
}

int64_t systemKey(std::string_view system) {
  // A few dozen systems recur in every instance's resources; any client may send others, so
  // what a thread remembers is bounded.
  constexpr size_t kMostRemembered = 4096;
  thread_local std::unordered_map<std::string, int64_t> known;
  thread_local std::string name;
  name.assign(system);
  auto it = known.find(name);
  if (it != known.end()) return it->second;
  if (known.size() >= kMostRemembered) known.clear();
  it = known.emplace(name, static_cast<int64_t>(digestPrefix(system, 8))).first;
  return it->second;
}

}  // namespace flint::fhir
