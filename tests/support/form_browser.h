// A browser for server-rendered pages in API tests: keeps the cookies the server sets and sends
// them back, and posts forms (headless Chromium covers the pages themselves in tests/browser).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/flint_server.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {

struct FormBrowser {
  std::map<std::string, std::string> cookies;
  httplib::Client http = client();

  httplib::Headers headers() {
    std::string cookie;
    for (const auto& [name, value] : cookies) cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    return cookie.empty() ? httplib::Headers{} : httplib::Headers{{"Cookie", cookie}};
  }
  void remember(const httplib::Result& res) {
    for (size_t i = 0; i < res->get_header_value_count("Set-Cookie"); ++i) {
      std::string c = res->get_header_value("Set-Cookie", i);
      size_t eq = c.find('='), semi = c.find(';');
      cookies[c.substr(0, eq)] = c.substr(eq + 1, semi - eq - 1);
    }
  }
  httplib::Result get(const std::string& path) {
    auto res = http.Get(path, headers());
    if (res) remember(res);
    return res;
  }
  httplib::Result post(const std::string& path, const std::vector<std::pair<std::string, std::string>>& form) {
    auto res = http.Post(path, headers(), formEncode(form), "application/x-www-form-urlencoded");
    if (res) remember(res);
    return res;
  }
};

}  // namespace flint::testing
