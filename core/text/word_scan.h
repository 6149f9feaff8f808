// Tests on eight bytes at once, for escapers that copy runs of ordinary text whole and look at
// single bytes only in the rare words that hold one needing care.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace flint::text {

inline constexpr uint64_t kEachByte = 0x0101010101010101ull;
inline constexpr uint64_t kHighBits = 0x8080808080808080ull;

inline uint64_t loadWord(std::string_view s, size_t at) {
  uint64_t word;
  std::memcpy(&word, s.data() + at, sizeof word);
  return word;
}

// Whether some byte of `word` is below `limit` (at most 0x80).
constexpr bool hasByteBelow(uint64_t word, uint8_t limit) {
  return ((word - kEachByte * limit) & ~word & kHighBits) != 0;
}

// Whether some byte of `word` equals `byte`.
constexpr bool hasByte(uint64_t word, uint8_t byte) {
  const uint64_t x = word ^ (kEachByte * byte);
  return ((x - kEachByte) & ~x & kHighBits) != 0;
}

}  // namespace flint::text
