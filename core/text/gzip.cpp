#include "core/text/gzip.h"

#include <zlib.h>

#include <stdexcept>

namespace flint::text {

std::string gzipCompress(std::string_view data) {
  z_stream z{};
  // 15 window bits plus 16: a gzip header and trailer rather than a bare zlib stream.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (result != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
  out.resize(z.total_out);
  return out;
}

}  // namespace flint::text
