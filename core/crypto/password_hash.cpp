#include "core/crypto/password_hash.h"

#include <openssl/evp.h>

#include <charconv>
#include <stdexcept>
#include <vector>

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"

namespace flint::crypto {
namespace {

// 32 MiB and ~0.1 s per hash on a 2-core machine: memory-hard enough to make offline guessing
// expensive without letting a burst of logins exhaust the workers (logins are throttled besides).
// The parameters are stored with each hash, so raising them later keeps old hashes valid.
constexpr uint64_t kN = 1 << 15;
constexpr uint64_t kR = 8;
constexpr uint64_t kP = 1;
constexpr size_t kHashBytes = 32;

std::string scrypt(std::string_view password, std::string_view salt, uint64_t n, uint64_t r, uint64_t p) {
  std::string out(kHashBytes, '\0');
  const uint64_t maxMemory = 256ull * 1024 * 1024;
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, r, p, maxMemory, reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1)
    throw std::runtime_error("scrypt failed");
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string_view::npos; start = at + 1)
    parts.push_back(text.substr(start, at - start));
  parts.push_back(text.substr(start));
  return parts;
}

bool parseNumber(std::string_view text, uint64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string hashPassword(std::string_view password) {
  std::string salt = randomBytes(16);
  return "scrypt$" + std::to_string(kN) + "$" + std::to_string(kR) + "$" + std::to_string(kP) + "$" +
         base64UrlEncode(salt) + "$" + base64UrlEncode(scrypt(password, salt, kN, kR, kP));
}

bool verifyPassword(std::string_view password, std::string_view stored) {
  auto parts = split(stored, '$');
  uint64_t n, r, p;
  if (parts.size() != 6 || parts[0] != "scrypt" || !parseNumber(parts[1], n) || !parseNumber(parts[2], r) ||
      !parseNumber(parts[3], p) || n > (1 << 20) || r > 32 || p > 16)
    return false;
  auto salt = base64UrlDecode(parts[4]);
  auto expected = base64UrlDecode(parts[5]);
  if (!salt || !expected || expected->size() != kHashBytes) return false;
  return constantTimeEquals(scrypt(password, *salt, n, r, p), *expected);
}

}  // namespace flint::crypto
