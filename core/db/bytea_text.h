// The bytes of a bytea value as PostgreSQL sends it in a text-format result.
#pragma once

#include <string>
#include <string_view>

namespace flint::db {

// `text` is the value's output form: hex ("\x..."), the default, or the older escape form.
std::string byteaFromText(std::string_view text);

}  // namespace flint::db
