#include "core/url/query_string.h"

#include <uriparser/Uri.h>

#include "core/text/storable_text.h"

namespace flint::url {
namespace {

bool wellFormedEscapes(std::string_view s) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size()) return false;
    if (!hex(s[i + 1]) || !hex(s[i + 2])) return false;
    if (s[i + 1] == '0' && s[i + 2] == '0') return false;
    i += 2;
  }
  return true;
}

}  // namespace

std::optional<Pairs> parseQuery(std::string_view query) {
  Pairs out;
  if (query.empty()) return out;
  if (!wellFormedEscapes(query)) return std::nullopt;
  UriQueryListA* list = nullptr;
  int count = 0;
  if (uriDissectQueryMallocExA(&list, &count, query.data(), query.data() + query.size(), URI_TRUE,
                             URI_BR_DONT_TOUCH) != URI_SUCCESS)
    return std::nullopt;
  for (UriQueryListA* item = list; item != nullptr; item = item->next)
    out.emplace_back(item->key ? item->key : "", item->value ? item->value : "");
  uriFreeQueryListA(list);
  for (const auto& [name, value] : out)
    if (!text::isStorableText(name) || !text::isStorableText(value)) return std::nullopt;
  return out;
}

std::optional<std::string> decodeSegment(std::string_view segment) {
  if (!wellFormedEscapes(segment)) return std::nullopt;
  std::string s(segment);
  const char* end = uriUnescapeInPlaceA(s.data());
  s.resize(static_cast<size_t>(end - s.data()));
  if (!text::isStorableText(s)) return std::nullopt;
  return s;
}

}  // namespace flint::url
