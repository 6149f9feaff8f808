// Query strings and form bodies as ordered name/value pairs (repeats kept, percent-decoded),
// and percent-decoding of path segments; parsing by liburiparser.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flint::url {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Nothing when the text is not a well-formed query (e.g. a broken %-escape, or a name or value
// that decodes to something other than UTF-8 text without NUL).
std::optional<Pairs> parseQuery(std::string_view query);
// Percent-decodes one path segment; nothing when malformed or when it decodes to a NUL or to
// something other than UTF-8.
std::optional<std::string> decodeSegment(std::string_view segment);

}  // namespace flint::url
