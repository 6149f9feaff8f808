// bytea values in their text forms, as PostgreSQL sends them in text-format results and takes them
// in text parameters.
#pragma once

#include <string>
#include <string_view>

namespace flint::db {

// `text` is the value's output form: hex ("\x..."), the default, or the older escape form.
std::string byteaFromText(std::string_view text);

// `bytes` in the hex input form ("\x..."), for a text parameter or an array element.
std::string byteaText(std::string_view bytes);

}  // namespace flint::db
