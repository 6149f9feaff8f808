// Slow salted hashing for passwords and client secrets (scrypt), stored as one self-describing
// string so the cost can be raised later without invalidating existing hashes.
#pragma once

#include <string>
#include <string_view>

namespace flint::crypto {

// "scrypt$N$r$p$salt$hash" with base64url salt and hash.
std::string hashPassword(std::string_view password);
bool verifyPassword(std::string_view password, std::string_view stored);

}  // namespace flint::crypto
