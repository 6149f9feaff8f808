// The form a resource's JSON takes in the resources and history tables: a zstd frame, compressed
// with the instance's newest dictionary when it has one (about a seventh of the JSON's bytes on
// the seed's data; about half without), or the JSON itself where compressing would not make it
// smaller (docs/storage.md).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/instances/instance.h"

namespace flint::fhir {

// Stored JSON compressed with a dictionary this process has not loaded: one made in the last
// moments, before the instance was re-read (InstanceCache). Retrying shortly succeeds.
class ContentDictionaryUnknown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bytes to store for `json`, compressed with `dictionaries.forWrites`.
std::string packContent(std::string_view json, const instances::ContentDictionaries& dictionaries);

// The JSON that `stored` holds; throws ContentDictionaryUnknown as above, std::runtime_error when
// it is neither form.
std::string unpackContent(std::string_view stored, const instances::ContentDictionaries& dictionaries);

// A dictionary trained on `samples` (resources' JSON, a few megabytes' worth), and its number.
struct TrainedDictionary {
  std::string bytes;
  uint32_t number = 0;
};
TrainedDictionary trainContentDictionary(const std::vector<std::string>& samples);

}  // namespace flint::fhir
