// The public service-base-URL directory: /directory/service-base-urls[.json] (the Bundle, or
// one brand's part of it with ?organization=), /directory/{Type}/{id} (each entry's fullUrl
// answers), all from the snapshot in memory, with weak ETags (304) and Last-Modified, to anyone
// from any origin, gzip-encoded for clients that take it.
#include <algorithm>

#include "fhir_resources/rest/instant.h"
#include "server/app.h"
#include "server/http/gzip_stream.h"
#include "server/responses.h"

namespace flint::server {
namespace {

// Whether an If-None-Match list names `etag`; weak comparison, as RFC 9110 asks for GET.
bool matches(std::string_view ifNoneMatch, std::string_view etag) {
  auto opaque = [](std::string_view tag) {
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    return tag;
  };
  while (!ifNoneMatch.empty()) {
    const size_t comma = ifNoneMatch.find(',');
    std::string_view tag = opaque(ifNoneMatch.substr(0, comma));
    if (tag == "*" || tag == opaque(etag)) return true;
    if (comma == std::string_view::npos) break;
    ifNoneMatch.remove_prefix(comma + 1);
  }
  return false;
}

// A response body streamed straight from the snapshot's bytes, which the stream keeps alive: a
// directory of thousands of practices is never copied whole per request.
constexpr size_t kPiece = 256 * 1024;

void streamFrom(http::HttpResponse& r, std::shared_ptr<const directory::DirectorySnapshot> snapshot,
                const std::string& bytes) {
  r.streamLength = static_cast<int64_t>(bytes.size());
  r.stream = [snapshot = std::move(snapshot), &bytes, at = size_t{0}](std::string& piece) mutable {
    if (at >= bytes.size()) return false;
    const size_t n = std::min(kPiece, bytes.size() - at);
    piece.assign(bytes, at, n);
    at += n;
    return true;
  };
}

}  // namespace

http::HttpResponse App::handleDirectory(const http::HttpRequest& request) {
  if (request.method == "OPTIONS") return corsPreflight(request);
  http::HttpResponse response;
  if (request.method != "GET") {
    response = outcomeResponse(405, "not-supported", "the directory is read-only: use GET");
    response.headers.emplace_back("Allow", "GET, OPTIONS");
  } else {
    response = directoryResponse(request);
  }
  allowAnyOrigin(response);
  return response;
}

http::HttpResponse App::directoryResponse(const http::HttpRequest& request) {
  const auto& s = request.segments;
  const auto snapshot = directory_.snapshot();
  directory::DirectoryDocument brand;
  const directory::DirectoryDocument* document = nullptr;
  std::optional<std::string> resource;
  if (s.size() == 2 && (s[1] == "service-base-urls" || s[1] == "service-base-urls.json")) {
    std::optional<std::string> organization;
    for (const auto& [name, value] : request.query) {
      if (name != "organization")
        return outcomeResponse(400, "not-supported", "the directory takes one parameter: organization");
      if (organization) return outcomeResponse(400, "invalid", "organization may be given once");
      // A token (system|value) or a bare value; values are unique across the systems used.
      organization = value.substr(value.find('|') == std::string::npos ? 0 : value.find('|') + 1);
    }
    if (organization) {
      brand = snapshot->brand(*organization);
      document = &brand;
    } else {
      document = &snapshot->bundle();
    }
  } else if (s.size() == 3) {
    resource = snapshot->resource(s[1] + "/" + s[2]);
    if (!resource) return outcomeResponse(404, "not-found", "the directory has no " + s[1] + "/" + s[2]);
    document = &snapshot->bundle();
  } else {
    return outcomeResponse(404, "not-found", "nothing is served at this path; the directory is /directory/service-base-urls");
  }

  http::HttpResponse r;
  r.contentType = "application/fhir+json";
  r.headers.emplace_back("Cache-Control", "public, max-age=60");
  r.headers.emplace_back("Vary", "Accept-Encoding");
  r.headers.emplace_back("ETag", document->etag);
  r.headers.emplace_back("Last-Modified", fhir::formatHttpDate(document->lastModified));
  if (matches(request.header("if-none-match"), document->etag)) {
    r.status = 304;
    r.contentType.clear();
    return r;
  }
  if (resource) {
    r.body = std::move(*resource);
  } else if (document == &snapshot->bundle()) {
    const bool gzip = http::acceptsGzip(request.header("accept-encoding"));
    if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
    streamFrom(r, snapshot, gzip ? document->gzipped : document->body);
  } else {
    r.body = std::move(brand.body);
  }
  return r;
}

}  // namespace flint::server
