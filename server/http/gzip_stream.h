// Content-Encoding: gzip for a streamed body: compresses the pieces of another stream as they
// come (memory holds one piece and zlib's window), for clients that ask with Accept-Encoding.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace flint::http {

// Whether an Accept-Encoding header accepts gzip (listed, and not with q=0).
bool acceptsGzip(std::string_view acceptEncoding);

// A stream of the gzip encoding of what `source` produces.
std::function<bool(std::string&)> gzipped(std::function<bool(std::string&)> source);

}  // namespace flint::http
