#include "core/json/json_writer.h"

#include <algorithm>

#include "core/text/word_scan.h"

namespace flint::json {
namespace {

void newline(std::string& out, bool pretty, int depth) {
  if (!pretty) return;
  out += '\n';
  out.append(size_t(depth) * 2, ' ');
}

void writeValue(std::string& out, const Value& v, bool pretty, int depth) {
  switch (v.type()) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += v.asBool() ? "true" : "false"; break;
    case Type::Number: out += v.text(); break;
    case Type::String: writeString(out, v.text()); break;
    case Type::Array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ',';
        first = false;
        newline(out, pretty, depth + 1);
        writeValue(out, item, pretty, depth + 1);
      }
      if (!v.items().empty()) newline(out, pretty, depth);
      out += ']';
      break;
    }
    case Type::Object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.members()) {
        if (!first) out += ',';
        first = false;
        newline(out, pretty, depth + 1);
        writeString(out, key);
        out += pretty ? ": " : ":";
        writeValue(out, value, pretty, depth + 1);
      }
      if (!v.members().empty()) newline(out, pretty, depth);
      out += '}';
      break;
    }
  }
}

}  // namespace

void writeString(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  size_t start = 0, i = 0;
  while (i < s.size()) {
    if (s.size() - i >= 8) {
      const uint64_t word = text::loadWord(s, i);
      if (!text::hasByteBelow(word, 0x20) && !text::hasByte(word, '"') && !text::hasByte(word, '\\')) {
        i += 8;
        continue;
      }
    }
    for (const size_t end = std::min(i + 8, s.size()); i < end; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(s.data() + start, i - start);
      start = i + 1;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
      }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

void writeTo(std::string& out, const Value& value, bool pretty) { writeValue(out, value, pretty, 0); }

std::string write(const Value& value, bool pretty) {
  std::string out;
  out.reserve(256);
  writeValue(out, value, pretty, 0);
  return out;
}

}  // namespace flint::json
