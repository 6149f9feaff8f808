// The authorization server's pages (login, consent, errors): plain server-rendered HTML from the
// templates in web/auth/pages.html, with every value escaped. No scripts, no external assets.
#pragma once

#include <map>
#include <string>

#include "auth/endpoints/auth_http.h"
#include "core/text/html_template.h"

namespace flint::auth {

using text::escapeHtml;

// Renders template `page` inside the layout. Values are escaped, except those whose key starts
// with "html:" (fragments this code built from escaped parts), filling {{key-without-prefix}}.
std::string renderPage(const std::string& page, const std::string& title,
                       const std::map<std::string, std::string>& values);

// An HTML response that is never cached, framed or given a referrer.
AuthResponse htmlResponse(int status, std::string html);
// The error page: shown instead of redirecting when the client or its redirect URI is in doubt.
AuthResponse errorPage(int status, const std::string& message);

}  // namespace flint::auth
