// Server-rendered HTML from a file of named templates ("<!-- page: name -->" then its text),
// filled by {{key}} with every value escaped, except those given as "html:key" (fragments the
// caller built from escaped parts).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace flint::text {

std::string escapeHtml(std::string_view text);

class HtmlTemplates {
 public:
  explicit HtmlTemplates(std::string_view file);
  // Throws std::logic_error for a template the file does not have.
  std::string fill(const std::string& page, const std::map<std::string, std::string>& values) const;

 private:
  std::map<std::string, std::string> pages_;
};

}  // namespace flint::text
