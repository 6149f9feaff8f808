// Small helpers for building HTTP responses with OperationOutcome or JSON bodies.
#pragma once

#include <string>

#include "server/http/http_request.h"
#include "server/http/http_response.h"

namespace flint::server {

inline constexpr const char* kFhirJson = "application/fhir+json;charset=utf-8";

http::HttpResponse outcomeResponse(int status, const std::string& code, const std::string& diagnostics);
http::HttpResponse jsonResponse(int status, std::string body);
// Browser apps (public clients) call the FHIR API and token endpoints from their own origin:
// bearer tokens, never cookies, so any origin may read the response.
void allowAnyOrigin(http::HttpResponse& response);
// A server-rendered page: never cached, never framed, no referrer, under `contentSecurityPolicy`
// (frame-ancestors 'none' and base-uri 'none' are the caller's to include).
http::HttpResponse htmlResponse(int status, std::string html, const std::string& contentSecurityPolicy);
// 303 See Other: where a browser goes after a form was handled.
http::HttpResponse seeOther(const std::string& location);
// The token of "Authorization: Bearer <token>"; empty without one.
std::string bearerToken(const http::HttpRequest& request);
// Whether the request carries "Authorization: Bearer <key>" (compared in constant time).
bool bearerMatches(const http::HttpRequest& request, const std::string& key);

}  // namespace flint::server
