// A precedence-climbing parser for the FHIRPath grammar (N1), limited to the functions the
// evaluator implements exactly.
#include <cctype>
#include <set>
#include <stdexcept>

#include "fhir_resources/fhirpath/ast.h"

namespace flint::fhir::fhirpath {
namespace {

struct Token {
  enum class Kind { Identifier, String, Number, Symbol, End } kind;
  std::string text;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '\'') {
      std::string text;
      for (++i; i < s.size() && s[i] != '\''; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          char e = s[++i];
          text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        } else {
          text += s[i];
        }
      }
      if (i >= s.size()) throw std::invalid_argument("unterminated string");
      ++i;
      out.push_back({Token::Kind::String, text});
    } else if (c == '`') {
      size_t end = s.find('`', i + 1);
      if (end == std::string_view::npos) throw std::invalid_argument("unterminated identifier");
      out.push_back({Token::Kind::Identifier, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i + 1 < s.size() && s[i] == '.' && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      }
      out.push_back({Token::Kind::Number, std::string(s.substr(start, i - start))});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '%') {
      size_t start = i++;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      out.push_back({Token::Kind::Identifier, std::string(s.substr(start, i - start))});
    } else {
      static const char* twoChar[] = {"<=", ">=", "!=", "!~"};
      std::string symbol(1, c);
      for (const char* t : twoChar)
        if (s.substr(i, 2) == t) symbol = t;
      if (std::string("()[].,+-*/|&=~<>!{}").find(c) == std::string::npos)
        throw std::invalid_argument(std::string("unexpected character '") + c + "'");
      i += symbol.size();
      out.push_back({Token::Kind::Symbol, symbol});
    }
  }
  out.push_back({Token::Kind::End, ""});
  return out;
}

// The functions the evaluator implements, with how many arguments each takes.
const std::set<std::string>& supportedFunctions() {
  static const std::set<std::string> names = {
      "empty", "exists", "all", "allTrue", "anyTrue", "count", "distinct", "isDistinct", "where", "select",
      "ofType", "as", "is", "not", "first", "last", "single", "hasValue", "matches", "length", "toString",
      "toInteger", "substring", "startsWith", "endsWith", "contains", "lower", "upper", "iif", "children",
      "descendants", "extension", "trace", "union", "combine"};
  return names;
}

int precedence(const Token& t) {
  const std::string& s = t.text;
  if (t.kind == Token::Kind::Identifier) {
    if (s == "implies") return 1;
    if (s == "or" || s == "xor") return 2;
    if (s == "and") return 3;
    if (s == "in" || s == "contains") return 4;
    if (s == "is" || s == "as") return 8;
    if (s == "div" || s == "mod") return 10;
    return 0;
  }
  if (t.kind != Token::Kind::Symbol) return 0;
  if (s == "=" || s == "~" || s == "!=" || s == "!~") return 5;
  if (s == "<" || s == ">" || s == "<=" || s == ">=") return 6;
  if (s == "|") return 7;
  if (s == "+" || s == "-" || s == "&") return 9;
  if (s == "*" || s == "/") return 10;
  return 0;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(tokenize(text)) {}

  Ast parseAll() {
    Ast result = expression(1);
    if (peek().kind != Token::Kind::End) throw std::invalid_argument("unexpected '" + peek().text + "'");
    return result;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  Token next() { return tokens_[pos_++]; }
  bool accept(const std::string& symbol) {
    if (peek().kind == Token::Kind::Symbol && peek().text == symbol) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(const std::string& symbol) {
    if (!accept(symbol)) throw std::invalid_argument("expected '" + symbol + "' before '" + peek().text + "'");
  }

  static Ast make(AstNode node) { return std::make_shared<const AstNode>(std::move(node)); }

  Ast expression(int minPrecedence) {
    Ast left = unary();
    while (true) {
      int p = precedence(peek());
      if (p == 0 || p < minPrecedence) return left;
      Token op = next();
      if (op.text == "is" || op.text == "as") {
        left = make({AstNode::Kind::TypeTest, op.text + " " + typeName(), {}, left, {}});
        continue;
      }
      Ast right = expression(p + 1);
      left = make({AstNode::Kind::Binary, op.text, {}, left, {right}});
    }
  }

  std::string typeName() {
    std::string name = next().text;
    while (accept(".")) name += "." + next().text;
    return name;
  }

  Ast unary() {
    if (accept("-")) return make({AstNode::Kind::Negate, "-", {}, postfix(), {}});
    accept("+");
    return postfix();
  }

  Ast postfix() {
    Ast node = term();
    while (true) {
      if (accept(".")) {
        node = invocation(node);
      } else if (accept("[")) {
        Ast index = expression(1);
        expect("]");
        node = make({AstNode::Kind::Index, "", {}, node, {index}});
      } else {
        return node;
      }
    }
  }

  Ast term() {
    const Token& t = peek();
    if (accept("(")) {
      Ast inner = expression(1);
      expect(")");
      return inner;
    }
    if (accept("{")) {
      expect("}");
      return make({AstNode::Kind::Empty});
    }
    if (t.kind == Token::Kind::String) {
      Item literal{Item::Kind::String};
      literal.text = next().text;
      return make({AstNode::Kind::Literal, "", literal});
    }
    if (t.kind == Token::Kind::Number) {
      std::string text = next().text;
      Item literal;
      if (text.find('.') == std::string::npos) {
        literal.kind = Item::Kind::Integer;
        literal.integer = std::stoll(text);
      } else {
        literal.kind = Item::Kind::Decimal;
        literal.decimal = std::stod(text);
        literal.text = text;
      }
      return make({AstNode::Kind::Literal, "", literal});
    }
    if (t.kind != Token::Kind::Identifier) throw std::invalid_argument("unexpected '" + t.text + "'");
    if (t.text == "true" || t.text == "false") {
      Item literal{Item::Kind::Boolean};
      literal.boolean = next().text == "true";
      return make({AstNode::Kind::Literal, "", literal});
    }
    if (t.text == "$this") {
      next();
      return make({AstNode::Kind::This});
    }
    if (t.text == "%resource" || t.text == "%rootResource") {
      next();
      return make({AstNode::Kind::Resource});
    }
    if (t.text == "%ucum" || t.text == "%sct" || t.text == "%loinc") {
      Item literal{Item::Kind::String};
      const std::string name = next().text;
      literal.text = name == "%ucum" ? "http://unitsofmeasure.org" : name == "%sct" ? "http://snomed.info/sct" : "http://loinc.org";
      return make({AstNode::Kind::Literal, "", literal});
    }
    if (t.text[0] == '$' || t.text[0] == '%') throw std::invalid_argument(t.text + " is not supported");
    return invocation(nullptr);
  }

  Ast invocation(Ast operand) {
    Token name = next();
    if (name.kind != Token::Kind::Identifier) throw std::invalid_argument("expected a name after '.'");
    if (!accept("(")) return make({AstNode::Kind::Member, name.text, {}, operand, {}});
    if (!supportedFunctions().count(name.text)) throw std::invalid_argument(name.text + "() is not supported");
    std::vector<Ast> args;
    if (name.text == "ofType" || name.text == "as" || name.text == "is") {
      Item type{Item::Kind::String};
      type.text = typeName();
      args.push_back(make({AstNode::Kind::Literal, "", type}));
    } else if (!accept(")")) {
      do {
        args.push_back(expression(1));
      } while (accept(","));
      expect(")");
      return make({AstNode::Kind::Function, name.text, {}, operand, std::move(args)});
    }
    if (!args.empty()) expect(")");
    return make({AstNode::Kind::Function, name.text, {}, operand, std::move(args)});
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Ast parse(std::string_view text) { return Parser(text).parseAll(); }

}  // namespace flint::fhir::fhirpath
