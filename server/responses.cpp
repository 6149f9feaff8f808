#include "server/responses.h"

#include "core/crypto/digest.h"
#include "fhir_resources/rest/fhir_error.h"

namespace flint::server {

http::HttpResponse outcomeResponse(int status, const std::string& code, const std::string& diagnostics) {
  http::HttpResponse r;
  r.status = status;
  r.contentType = kFhirJson;
  r.body = fhir::operationOutcome("error", code, diagnostics);
  return r;
}

http::HttpResponse jsonResponse(int status, std::string body) {
  http::HttpResponse r;
  r.status = status;
  r.contentType = "application/json";
  r.body = std::move(body);
  return r;
}

void allowAnyOrigin(http::HttpResponse& response) {
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  response.headers.emplace_back("Access-Control-Expose-Headers", "Location, ETag, Last-Modified, Content-Location, X-Flint-LSN");
}

http::HttpResponse htmlResponse(int status, std::string html, const std::string& contentSecurityPolicy) {
  http::HttpResponse r;
  r.status = status;
  r.contentType = "text/html;charset=utf-8";
  r.body = std::move(html);
  r.headers = {{"Cache-Control", "no-store"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy", contentSecurityPolicy}};
  return r;
}

http::HttpResponse seeOther(const std::string& location) {
  http::HttpResponse r;
  r.status = 303;
  r.headers = {{"Location", location}, {"Cache-Control", "no-store"}};
  return r;
}

std::string bearerToken(const http::HttpRequest& request) {
  const std::string_view auth = request.header("authorization");
  const std::string_view prefix = "Bearer ";
  return auth.substr(0, prefix.size()) == prefix ? std::string(auth.substr(prefix.size())) : "";
}

bool bearerMatches(const http::HttpRequest& request, const std::string& key) {
  const std::string token = bearerToken(request);
  return !key.empty() && !token.empty() && crypto::constantTimeEquals(token, key);
}

}  // namespace flint::server
