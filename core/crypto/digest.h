// Hashes, MACs and randomness from OpenSSL, in the shapes tokens and secrets need.
#pragma once

#include <string>
#include <string_view>

namespace flint::crypto {

std::string sha256(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data);
// Cryptographically secure random bytes.
std::string randomBytes(size_t count);
// A random URL-safe token carrying `bytes` of entropy.
std::string randomToken(size_t bytes = 32);
// Equality that takes the same time wherever the inputs differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace flint::crypto
