#include "server/http/gzip_stream.h"

#include <zlib.h>

#include <cctype>
#include <memory>
#include <stdexcept>

namespace flint::http {
namespace {

class GzipEncoder {
 public:
  GzipEncoder() {
    // 15 window bits plus 16: a gzip header and trailer rather than a bare zlib stream.
    if (deflateInit2(&z_, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("gzip: deflateInit2 failed");
  }
  ~GzipEncoder() { deflateEnd(&z_); }
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // Compresses `input` (all of what is left with `finish`) and returns what zlib emits.
  std::string deflate(const std::string& input, bool finish) {
    std::string out;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    z_.avail_in = static_cast<uInt>(input.size());
    int result;
    do {
      char buffer[64 * 1024];
      z_.next_out = reinterpret_cast<Bytef*>(buffer);
      z_.avail_out = sizeof buffer;
      result = ::deflate(&z_, finish ? Z_FINISH : Z_NO_FLUSH);
      if (result == Z_STREAM_ERROR) throw std::runtime_error("gzip: deflate failed");
      out.append(buffer, sizeof buffer - z_.avail_out);
    } while (z_.avail_out == 0 || (finish && result != Z_STREAM_END));
    return out;
  }

 private:
  z_stream z_{};
};

}  // namespace

bool acceptsGzip(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const size_t semicolon = item.find(';');
    std::string_view coding = item.substr(0, semicolon);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view weight = item.substr(semicolon + 1);
    while (!weight.empty() && weight.front() == ' ') weight.remove_prefix(1);
    // q=0, q=0.0, q=0.000: refused; any other weight accepts.
    if (weight.substr(0, 2) != "q=") return true;
    weight.remove_prefix(2);
    return weight.find_first_not_of("0.") != std::string_view::npos;
  }
  return false;
}

std::function<bool(std::string&)> gzipped(std::function<bool(std::string&)> source) {
  auto encoder = std::make_shared<GzipEncoder>();
  auto done = std::make_shared<bool>(false);
  return [source = std::move(source), encoder, done](std::string& piece) {
    if (*done) return false;
    std::string raw;
    while (source(raw)) {
      piece = encoder->deflate(raw, false);
      raw.clear();
      if (!piece.empty()) return true;
    }
    piece = encoder->deflate("", true);
    *done = true;
    return true;
  };
}

}  // namespace flint::http
