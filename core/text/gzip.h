// gzip (RFC 1952) of a whole text at once, for bodies made once and served many times.
#pragma once

#include <string>
#include <string_view>

namespace flint::text {

std::string gzipCompress(std::string_view data);

}  // namespace flint::text
