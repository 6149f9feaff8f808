#include "auth/endpoints/auth_http.h"

#include <strings.h>

#include "core/json/json_parser.h"
#include "core/json/json_value.h"
#include "core/url/query_string.h"
#include "core/json/json_writer.h"

namespace flint::auth {

std::optional<std::string_view> bearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() || strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) != 0)
    return std::nullopt;
  return authorization.substr(kScheme.size());
}

std::string cookieValue(const std::string& cookieHeader, const std::string& name) {
  size_t pos = 0;
  while (pos < cookieHeader.size()) {
    size_t end = cookieHeader.find(';', pos);
    std::string_view pair(cookieHeader.data() + pos, (end == std::string::npos ? cookieHeader.size() : end) - pos);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

std::string setCookie(const AuthUrls& urls, const std::string& name, const std::string& value, int maxAgeSeconds) {
  std::string cookie = name + "=" + value + "; Path=" + urls.cookiePath + "; Max-Age=" + std::to_string(maxAgeSeconds) +
                       "; HttpOnly; SameSite=Lax";
  if (urls.authBase.rfind("https://", 0) == 0) cookie += "; Secure";
  return cookie;
}

AuthResponse seeOther(const std::string& location) {
  AuthResponse r;
  r.status = 303;
  r.contentType.clear();
  r.headers = {{"Location", location}, {"Cache-Control", "no-store"}};
  return r;
}

AuthResponse noStoreJson(std::string body) {
  AuthResponse r;
  r.body = std::move(body);
  r.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  return r;
}

std::string oauthErrorCode(const std::string& body) {
  try {
    return json::parse(body).stringAt("error").value_or("");
  } catch (const json::ParseError&) {
    return "";
  }
}

AuthResponse oauthError(int status, const std::string& error, const std::string& description) {
  json::Value body = json::Value::object();
  body.set("error", json::Value::string(error));
  body.set("error_description", json::Value::string(description));
  AuthResponse r = noStoreJson(json::write(body));
  r.status = status;
  return r;
}

std::optional<std::map<std::string, std::string>> formParameters(const AuthRequest& req, std::string& error) {
  if (req.contentType != "application/x-www-form-urlencoded") {
    error = "the body must be application/x-www-form-urlencoded";
    return std::nullopt;
  }
  auto pairs = url::parseQuery(req.body);
  if (!pairs) {
    error = "the form body is malformed";
    return std::nullopt;
  }
  std::map<std::string, std::string> form;
  for (auto& [name, value] : *pairs) {
    if (!form.emplace(name, value).second) {
      error = "parameter " + name + " is repeated";
      return std::nullopt;
    }
  }
  return form;
}

}  // namespace flint::auth
