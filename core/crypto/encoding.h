// Byte encodings used by tokens and keys: base64url without padding (JOSE), standard base64, hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace flint::crypto {

std::string base64UrlEncode(std::string_view bytes);
// Accepts only the unpadded URL-safe alphabet; nullopt on anything else.
std::optional<std::string> base64UrlDecode(std::string_view text);
// Standard alphabet with padding, as HTTP Basic credentials use.
std::optional<std::string> base64Decode(std::string_view text);
std::string base64Encode(std::string_view bytes);
std::string hexEncode(std::string_view bytes);

}  // namespace flint::crypto
