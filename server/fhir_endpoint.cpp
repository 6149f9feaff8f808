// The FHIR API over HTTP: content negotiation (_format, Accept, _pretty), translation of the HTTP
// request into a FhirRequest for the instance, and of the FhirResponse back.
#include <algorithm>
#include <cctype>

#include "core/db/session.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/rest/fhir_router.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string mediaType(std::string_view header) {
  std::string_view type = header.substr(0, header.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return lower(type);
}

enum class Format { FhirJson, PlainJson, NotAcceptable };

Format formatFromName(const std::string& name) {
  std::string n = mediaType(name);
  if (n == "json" || n == "application/fhir+json" || n == "application/json+fhir") return Format::FhirJson;
  if (n == "application/json") return Format::PlainJson;
  return Format::NotAcceptable;
}

// _format wins over Accept; among Accept's types the first JSON one decides.
Format negotiate(const http::HttpRequest& req) {
  if (auto format = req.queryParam("_format")) return formatFromName(*format);
  std::string_view accept = req.header("accept");
  if (accept.empty()) return Format::FhirJson;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string type = mediaType(accept.substr(0, comma));
    if (type == "*/*" || type == "application/*" || type == "application/fhir+json" ||
        type == "application/json+fhir")
      return Format::FhirJson;
    if (type == "application/json") return Format::PlainJson;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return Format::NotAcceptable;
}

std::string prettyPrinted(const std::string& body) {
  try {
    return json::write(json::parse(body), true);
  } catch (const json::ParseError&) {
    return body;
  }
}

}  // namespace

http::HttpResponse App::handleFhir(const http::HttpRequest& request, const instances::Instance& instance) {
  const Format format = negotiate(request);
  if (format == Format::NotAcceptable)
    return outcomeResponse(406, "not-supported", "only FHIR JSON (application/fhir+json) is served");

  const std::string baseUrl = config_.publicUrl + "/" + instance.name + "/fhir";
  fhir::FhirResponse result;
  if (request.segments.size() == 3 && request.segments[2] == "metadata") {
    if (request.method != "GET")
      return outcomeResponse(405, "not-supported", request.method + " is not supported on metadata");
    result.body = capabilityStatement(baseUrl);
  } else {
    fhir::FhirRequest req;
    req.method = request.method;
    req.segments.assign(request.segments.begin() + 2, request.segments.end());
    // A trailing slash ("Patient/") names the same resource as without it.
    if (!req.segments.empty() && req.segments.back().empty()) req.segments.pop_back();
    req.params = request.query;
    req.body = request.body;
    req.contentType = mediaType(request.header("content-type"));
    req.ifMatch = request.header("if-match");
    req.ifNoneMatch = request.header("if-none-match");
    req.ifModifiedSince = request.header("if-modified-since");
    req.ifNoneExist = request.header("if-none-exist");
    req.prefer = request.header("prefer");
    req.baseUrl = baseUrl;
    fhir::FhirContext ctx{instance, db::Session::forThisThread(config_.databaseUrl), settings_};
    result = fhir::routeFhirRequest(ctx, req);
  }

  http::HttpResponse response;
  response.status = result.status;
  response.headers = std::move(result.headers);
  if (!result.body.empty()) {
    response.contentType = format == Format::PlainJson ? "application/json;charset=utf-8" : kFhirJson;
    auto pretty = request.queryParam("_pretty");
    response.body = pretty && *pretty == "true" ? prettyPrinted(result.body) : std::move(result.body);
  }
  return response;
}

}  // namespace flint::server
