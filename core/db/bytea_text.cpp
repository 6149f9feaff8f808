#include "core/db/bytea_text.h"

#include <libpq-fe.h>

#include <memory>
#include <new>
#include <stdexcept>

namespace flint::db {
namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  throw std::runtime_error("malformed bytea value");
}

}  // namespace

std::string byteaFromText(std::string_view text) {
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    if (text.size() % 2 != 0) throw std::runtime_error("malformed bytea value");
    std::string out((text.size() - 2) / 2, '\0');
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<char>(hexDigit(text[2 + 2 * i]) << 4 | hexDigit(text[3 + 2 * i]));
    return out;
  }
  // PQunescapeBytea needs a terminated string.
  const std::string terminated(text);
  size_t length = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> bytes(
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(terminated.c_str()), &length), PQfreemem);
  if (!bytes) throw std::bad_alloc();
  return std::string(reinterpret_cast<const char*>(bytes.get()), length);
}

std::string byteaText(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * bytes.size());
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace flint::db
