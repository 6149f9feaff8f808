#include "fhir_resources/storage/param_key.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string>
#include <unordered_map>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/index/index_rows.h"

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

namespace {

// Each type's keys, all of them or those of reference parameters only.
struct TypeKeys {
  std::unordered_map<std::string, std::vector<int32_t>> all, references;
};

const TypeKeys& typeKeys() {
  static const TypeKeys keys = [] {
    TypeKeys out;
    for (const auto& t : Definitions::get().resourceTypes())
      for (const auto* def : indexedSearchParams(t)) {
        for (const char* suffix : {"", kOfTypeSuffix, kIdentifierSuffix, kCanonicalSuffix})
          out.all[t].push_back(digestKey(t + "." + def->code + suffix));
        if (def->type == "reference") out.references[t].push_back(digestKey(t + "." + def->code));
      }
    return out;
  }();
  return keys;
}

const std::vector<int32_t>& keysIn(const std::unordered_map<std::string, std::vector<int32_t>>& byType,
                                   const std::string& type) {
  static const std::vector<int32_t> none;
  auto it = byType.find(type);
  return it == byType.end() ? none : it->second;
}

}  // namespace

const std::vector<int32_t>& paramKeysOf(const std::string& type) { return keysIn(typeKeys().all, type); }

const std::vector<int32_t>& referenceKeysOf(const std::string& type) { return keysIn(typeKeys().references, type); }

}  // namespace flint::fhir
