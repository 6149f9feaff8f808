// What the developer portal's pages share: the templates (web/developer/pages.html), the page
// frame, the session cookie (HttpOnly, SameSite=Strict, below /developer only), the CSRF token
// every signed-in form carries, form bodies, and field problems shown next to their inputs.
#pragma once

#include <map>
#include <string>

#include "developer/developer_error.h"
#include "server/http/http_request.h"
#include "server/http/http_response.h"

namespace flint::server::portal {

using Values = std::map<std::string, std::string>;

// One template filled (values escaped, "html:" ones as given).
std::string fill(const std::string& page, const Values& values);
// The page in its frame: `nav` is the header's links (html).
http::HttpResponse page(int status, const std::string& title, const std::string& content, const std::string& nav);

inline constexpr const char* kSessionCookie = "flint_developer";
// The session token from the request's cookie, or empty.
std::string sessionToken(const http::HttpRequest& request);
std::string sessionCookie(const std::string& token, bool secure);
std::string clearedSessionCookie(bool secure);
// The token a signed-in form proves it came from our page with (derived from the session).
std::string csrfToken(const std::string& sessionToken);
// DeveloperError 403 unless the form's csrf field is the session's.
void checkCsrf(const std::map<std::string, std::string>& form, const std::string& sessionToken);

// A form-encoded body's fields; DeveloperError 415 / 400 for anything else.
std::map<std::string, std::string> formOf(const http::HttpRequest& request);

// The error's message as an error box ("html:error") and each field's problem under its input
// ("html:error:<field>").
void addProblems(Values& values, const developer::DeveloperError& error);
std::string box(const std::string& cssClass, const std::string& text);

}  // namespace flint::server::portal
