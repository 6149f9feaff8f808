#include "core/json/json_parser.h"

#include "core/text/storable_text.h"

namespace flint::json {
namespace {

class Parser {
 public:
  Parser(std::string_view text, ParseLimits limits) : s_(text), limits_(limits) {}

  Value parseDocument() {
    skipSpace();
    Value v = parseValue(0);
    skipSpace();
    if (pos_ != s_.size()) fail("unexpected content after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) { throw ParseError(what, pos_); }

  bool atEnd() const { return pos_ >= s_.size(); }
  char peek() const { return atEnd() ? '\0' : s_[pos_]; }

  void skipSpace() {
    while (!atEnd() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  void expectWord(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("invalid literal");
    pos_ += word.size();
  }

  Value parseValue(int depth) {
    if (depth > limits_.maxDepth) fail("JSON nested too deeply");
    if (++values_ > limits_.maxValues) fail("JSON has too many values");
    switch (peek()) {
      case '{': return parseObject(depth);
      case '[': return parseArray(depth);
      case '"': return Value::string(parseString());
      case 't': expectWord("true"); return Value::boolean(true);
      case 'f': expectWord("false"); return Value::boolean(false);
      case 'n': expectWord("null"); return Value::null();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parseNumber();
        if (atEnd()) fail("unexpected end of JSON");
        fail("unexpected character");
    }
  }

  Value parseObject(int depth) {
    ++pos_;
    Value obj = Value::object();
    skipSpace();
    if (peek() == '}') {
      ++pos_;
      return obj;
    }
    for (;;) {
      skipSpace();
      if (peek() != '"') fail("expected a member name");
      std::string key = parseString();
      if (obj.find(key) != nullptr) fail("duplicate member \"" + key + "\"");
      skipSpace();
      if (peek() != ':') fail("expected ':'");
      ++pos_;
      skipSpace();
      obj.members().emplace_back(std::move(key), parseValue(depth + 1));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return obj;
      }
      fail("expected ',' or '}'");
    }
  }

  Value parseArray(int depth) {
    ++pos_;
    Value arr = Value::array();
    skipSpace();
    if (peek() == ']') {
      ++pos_;
      return arr;
    }
    for (;;) {
      skipSpace();
      arr.push(parseValue(depth + 1));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return arr;
      }
      fail("expected ',' or ']'");
    }
  }

  Value parseNumber() {
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (isDigit(peek())) ++pos_;
    } else {
      fail("invalid number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!isDigit(peek())) fail("invalid number");
      while (isDigit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!isDigit(peek())) fail("invalid number");
      while (isDigit(peek())) ++pos_;
    }
    return Value::number(std::string(s_.substr(start, pos_ - start)));
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else fail("invalid \\u escape");
    }
    return v;
  }

  static void appendUtf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  // Copies one UTF-8 encoded character, rejecting overlong forms, surrogates and truncation
  // (a string's characters are followed at least by its closing quote).
  void copyUtf8(std::string& out) {
    const size_t n = text::utf8SequenceLength(s_, pos_);
    if (n == 0 || pos_ + n >= s_.size()) fail("invalid UTF-8");
    out.append(s_.substr(pos_, n));
    pos_ += n;
  }

  std::string parseString() {
    ++pos_;
    std::string out;
    for (;;) {
      if (atEnd()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c == '\\') {
        ++pos_;
        if (atEnd()) fail("unterminated string");
        char e = s_[pos_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            unsigned cp = hex4();
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (s_.substr(pos_, 2) != "\\u") fail("unpaired surrogate");
              pos_ += 2;
              unsigned lo = hex4();
              if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              fail("unpaired surrogate");
            }
            appendUtf8(out, cp);
            break;
          }
          default: fail("invalid escape");
        }
        continue;
      }
      if (c < 0x80) {
        out += char(c);
        ++pos_;
      } else {
        copyUtf8(out);
      }
    }
  }

  std::string_view s_;
  ParseLimits limits_;
  size_t pos_ = 0;
  size_t values_ = 0;
};

}  // namespace

Value parse(std::string_view text, ParseLimits limits) { return Parser(text, limits).parseDocument(); }

}  // namespace flint::json
