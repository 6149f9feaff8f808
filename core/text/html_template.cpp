#include "core/text/html_template.h"

#include <stdexcept>

namespace flint::text {

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

HtmlTemplates::HtmlTemplates(std::string_view file) {
  const std::string_view marker = "<!-- page: ";
  for (size_t at = file.find(marker); at != std::string_view::npos;) {
    const size_t nameEnd = file.find(" -->\n", at);
    if (nameEnd == std::string_view::npos) throw std::logic_error("an unterminated page marker");
    const std::string name(file.substr(at + marker.size(), nameEnd - at - marker.size()));
    const size_t bodyStart = nameEnd + 5;
    const size_t next = file.find(marker, bodyStart);
    pages_[name] = std::string(file.substr(bodyStart, next == std::string_view::npos ? std::string_view::npos
                                                                                      : next - bodyStart));
    at = next;
  }
}

std::string HtmlTemplates::fill(const std::string& page, const std::map<std::string, std::string>& values) const {
  auto it = pages_.find(page);
  if (it == pages_.end()) throw std::logic_error("no page template " + page);
  std::string out;
  const std::string& text = it->second;
  for (size_t pos = 0;;) {
    const size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      out.append(text, pos);
      return out;
    }
    const size_t close = text.find("}}", open);
    out.append(text, pos, open - pos);
    const std::string key = text.substr(open + 2, close - open - 2);
    if (auto raw = values.find("html:" + key); raw != values.end())
      out += raw->second;
    else if (auto value = values.find(key); value != values.end())
      out += escapeHtml(value->second);
    pos = close + 2;
  }
}

}  // namespace flint::text
