// Strict JSON parser (RFC 8259) for untrusted request bodies: valid UTF-8 only, no duplicate keys,
// bounded nesting depth; errors carry the byte offset.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "core/json/json_value.h"

namespace flint::json {

class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& what, size_t offset)
      : std::runtime_error(what + " at byte " + std::to_string(offset)), offset_(offset) {}
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

struct ParseLimits {
  int maxDepth = 128;
  // Each value costs about 90 bytes in memory: a 16 MB body of "[1,1,1,...]" would otherwise
  // take over 700 MB.
  size_t maxValues = 1000000;
};

Value parse(std::string_view text, ParseLimits limits = {});

}  // namespace flint::json
