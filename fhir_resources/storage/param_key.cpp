#include "fhir_resources/storage/param_key.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string>
#include <unordered_map>

namespace flint::fhir {
namespace {

int32_t digestKey(const std::string& name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(name.data(), name.size(), digest, &length, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("MD5 is not available");
  return static_cast<int32_t>(uint32_t(digest[0]) << 24 | uint32_t(digest[1]) << 16 | uint32_t(digest[2]) << 8 |
                              uint32_t(digest[3]));
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
  if (it == known.end()) it = known.emplace(name, digestKey(name)).first;
  return it->second;
}

}  // namespace flint::fhir
