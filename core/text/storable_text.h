// Text PostgreSQL can store: valid UTF-8 without NUL bytes. Untrusted bytes that are kept as
// text (a request's path in the audit trail, say) pass through here, since one bad byte fails
// the whole COPY it travels in.
#pragma once

#include <string>
#include <string_view>

namespace flint::text {

// `bytes` with every NUL byte and every byte that does not begin a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF) replaced by U+FFFD.
std::string storableText(std::string_view bytes);
// Whether `bytes` are storable as they are (storableText would change nothing).
bool isStorableText(std::string_view bytes);

}  // namespace flint::text
