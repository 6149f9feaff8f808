#include "fhir_resources/storage/stored_content.h"

#include <zdict.h>
#include <zstd.h>

#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>

namespace flint::fhir {
namespace {

// Below this, a zstd frame's header costs about what compressing saves.
constexpr size_t kSmallest = 64;
// zstd's default: at the size of a resource, levels 1 to 3 take the same time and 3 gives the
// fewest bytes.
constexpr int kLevel = 3;
// 64 KiB holds the structure, codes and systems a data set repeats; larger ones measured no smaller.
constexpr size_t kDictionaryBytes = 64 * 1024;

struct Contexts {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> compress{ZSTD_createCCtx(), ZSTD_freeCCtx};
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> decompress{ZSTD_createDCtx(), ZSTD_freeDCtx};
  Contexts() {
    if (!compress || !decompress) throw std::bad_alloc();
    ZSTD_CCtx_setParameter(compress.get(), ZSTD_c_compressionLevel, kLevel);
    ZSTD_CCtx_setParameter(compress.get(), ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(compress.get(), ZSTD_c_checksumFlag, 0);
  }
};

// Contexts are costly to make and cannot be shared between threads: one pair per thread.
Contexts& contexts() {
  thread_local Contexts c;
  return c;
}

// A dictionary digested for each direction, made once per process. It keeps the dictionary's bytes,
// so that their address names them for good: a dictionary held only for a while (a sandbox's,
// while it is seeded) and then freed could otherwise be followed by another at the same address,
// which would be packed with the first one's digest and name a dictionary its instance lacks.
struct Digested {
  std::shared_ptr<const std::string> bytes;
  std::unique_ptr<ZSTD_CDict, size_t (*)(ZSTD_CDict*)> compress{nullptr, ZSTD_freeCDict};
  std::unique_ptr<ZSTD_DDict, size_t (*)(ZSTD_DDict*)> decompress{nullptr, ZSTD_freeDDict};
};

const Digested& digested(const std::shared_ptr<const std::string>& dictionary) {
  // Every stored row is packed or unpacked with one: each thread remembers those it has used, so
  // the shared map's lock is taken once per thread and dictionary, not once per row.
  thread_local std::unordered_map<const std::string*, const Digested*> used;
  if (auto at = used.find(dictionary.get()); at != used.end()) return *at->second;
  static std::mutex mutex;
  static std::unordered_map<const std::string*, std::unique_ptr<Digested>> byAddress;
  std::lock_guard lock(mutex);
  auto& entry = byAddress[dictionary.get()];
  if (!entry) {
    entry = std::make_unique<Digested>();
    entry->bytes = dictionary;
    entry->compress.reset(ZSTD_createCDict(dictionary->data(), dictionary->size(), kLevel));
    entry->decompress.reset(ZSTD_createDDict(dictionary->data(), dictionary->size()));
    if (!entry->compress || !entry->decompress) {
      entry.reset();
      throw std::runtime_error("a content dictionary could not be loaded");
    }
  }
  used.emplace(dictionary.get(), entry.get());
  return *entry;
}

// What a stored value that is not JSON starts with: a zstd frame's magic number (little endian).
bool isZstdFrame(std::string_view stored) {
  return stored.size() >= 4 && static_cast<unsigned char>(stored[0]) == 0x28 &&
         static_cast<unsigned char>(stored[1]) == 0xB5 && static_cast<unsigned char>(stored[2]) == 0x2F &&
         static_cast<unsigned char>(stored[3]) == 0xFD;
}

}  // namespace

std::string packContent(std::string_view json, const instances::ContentDictionaries& dictionaries) {
  if (json.size() < kSmallest) return std::string(json);
  auto& c = contexts();
  ZSTD_CCtx_refCDict(c.compress.get(), nullptr);
  if (dictionaries.forWrites != 0) {
    auto at = dictionaries.byNumber.find(dictionaries.forWrites);
    if (at == dictionaries.byNumber.end()) throw std::logic_error("the dictionary for writes is not loaded");
    ZSTD_CCtx_refCDict(c.compress.get(), digested(at->second).compress.get());
  }
  std::string out(ZSTD_compressBound(json.size()), '\0');
  const size_t n = ZSTD_compress2(c.compress.get(), out.data(), out.size(), json.data(), json.size());
  if (ZSTD_isError(n) || n >= json.size()) return std::string(json);
  out.resize(n);
  return out;
}

std::string unpackContent(std::string_view stored, const instances::ContentDictionaries& dictionaries) {
  if (!isZstdFrame(stored)) return std::string(stored);
  const unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
    throw std::runtime_error("stored resource content is damaged");
  const ZSTD_DDict* dictionary = nullptr;
  if (const unsigned number = ZSTD_getDictID_fromFrame(stored.data(), stored.size()); number != 0) {
    auto at = dictionaries.byNumber.find(number);
    if (at == dictionaries.byNumber.end())
      throw ContentDictionaryUnknown("stored resource content needs a dictionary not loaded yet; retry shortly");
    dictionary = digested(at->second).decompress.get();
  }
  std::string out(size, '\0');
  const size_t n = ZSTD_decompress_usingDDict(contexts().decompress.get(), out.data(), out.size(), stored.data(),
                                              stored.size(), dictionary);
  if (ZSTD_isError(n) || n != size) throw std::runtime_error("stored resource content is damaged");
  return out;
}

TrainedDictionary trainContentDictionary(const std::vector<std::string>& samples) {
  std::string joined;
  std::vector<size_t> sizes;
  for (const auto& s : samples) {
    joined += s;
    sizes.push_back(s.size());
  }
  TrainedDictionary out;
  out.bytes.resize(kDictionaryBytes);
  const size_t n = ZDICT_trainFromBuffer(out.bytes.data(), out.bytes.size(), joined.data(), sizes.data(),
                                         static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) throw std::runtime_error(std::string("no dictionary: ") + ZDICT_getErrorName(n));
  out.bytes.resize(n);
  out.number = ZDICT_getDictID(out.bytes.data(), out.bytes.size());
  return out;
}

}  // namespace flint::fhir
