// The seed's source of randomness: splitmix64, small, fast and the same on every platform,
// which is what a deterministic `flint seed` needs.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace flint::fhir::seed {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  // Stream `index` of a run seeded with `seed`: streams drawn on any thread, in any order, give
  // the same values.
  static Random stream(uint64_t seed, uint64_t index) {
    Random mixer(seed ^ (index * 0xD1B54A32D192ED03ull));
    return Random(mixer.next());
  }
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int between(int low, int high) { return low + static_cast<int>(next() % uint64_t(high - low + 1)); }
  bool chance(int percent) { return static_cast<int>(next() % 100) < percent; }
  template <typename T, size_t N>
  const T& pick(const std::array<T, N>& items) { return items[next() % N]; }
  std::string uuid() {
    uint64_t a = next(), b = next();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", unsigned(a >> 32), unsigned((a >> 16) & 0xFFFF),
                  unsigned(a & 0xFFF), unsigned(0x8000 | (b >> 48 & 0x3FFF)),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
    return buf;
  }

 private:
  uint64_t state_;
};

}  // namespace flint::fhir::seed
