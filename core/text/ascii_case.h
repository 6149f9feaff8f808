// ASCII case folding for names that are ASCII by rule (FHIRPath type names, model class names).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace flint::text {

inline std::string asciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace flint::text
