// Text PostgreSQL can store: valid UTF-8 without NUL bytes. Untrusted bytes that are kept as
// text (a request's path in the audit trail, say) pass through here, since one bad byte fails
// the whole COPY it travels in.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flint::text {

// The length of the well-formed UTF-8 character (RFC 3629: no overlong forms, surrogates or code
// points past U+10FFFF; not NUL) starting at `text[at]`, or 0 when there is none.
size_t utf8SequenceLength(std::string_view text, size_t at);

// `bytes` with every byte that does not begin such a character replaced by U+FFFD.
std::string storableText(std::string_view bytes);
// Whether `bytes` are storable as they are (storableText would change nothing).
bool isStorableText(std::string_view bytes);

}  // namespace flint::text
