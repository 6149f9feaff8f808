// Evaluates parsed FHIRPath over a resource, navigating with the definitions' element types so
// that `value` finds valueQuantity and `is`/`ofType` know each node's type.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <unordered_map>

#include "core/text/ascii_case.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/fhirpath/ast.h"

namespace flint::fhir::fhirpath {
namespace {

using Collection = std::vector<Item>;

// A result FHIRPath leaves undefined (several items where one is needed, mismatched types).
struct EvalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool isPrimitive(std::string_view type) { return !type.empty() && std::islower(static_cast<unsigned char>(type[0])); }

bool isIntegerType(std::string_view type) {
  return type == "integer" || type == "positiveInt" || type == "unsignedInt";
}

// A primitive node as the System value it stands for; other items unchanged.
Item systemValue(const Item& item) {
  if (item.kind != Item::Kind::Node || !isPrimitive(item.type)) return item;
  const json::Value& v = *item.value;
  Item out;
  if (v.isBool()) {
    out.kind = Item::Kind::Boolean;
    out.boolean = v.asBool();
  } else if (v.isNumber() && isIntegerType(item.type)) {
    out.kind = Item::Kind::Integer;
    out.integer = std::strtoll(v.text().c_str(), nullptr, 10);
  } else if (v.isNumber()) {
    out.kind = Item::Kind::Decimal;
    out.decimal = std::strtod(v.text().c_str(), nullptr);
    out.text = v.text();
  } else {
    out.kind = Item::Kind::String;
    out.text = v.text();
  }
  return out;
}

bool isNumeric(const Item& i) { return i.kind == Item::Kind::Integer || i.kind == Item::Kind::Decimal; }
double numeric(const Item& i) { return i.kind == Item::Kind::Integer ? static_cast<double>(i.integer) : i.decimal; }

// FHIRPath `=` on single items; nothing when the items cannot be compared.
std::optional<bool> itemsEqual(const Item& x, const Item& y) {
  Item a = systemValue(x), b = systemValue(y);
  if (a.kind == Item::Kind::Node || b.kind == Item::Kind::Node) {
    if (a.kind != b.kind) return false;
    return json::sameValue(*a.value, *b.value);
  }
  if (isNumeric(a) && isNumeric(b)) return numeric(a) == numeric(b);
  if (a.kind != b.kind) return false;
  if (a.kind == Item::Kind::String) return a.text == b.text;
  return a.boolean == b.boolean;
}

// Whether `item` is of type `name` (FHIR.X, System.X or X), its base types included.
bool isType(const Item& item, std::string name) {
  for (const char* prefix : {"FHIR.", "System."})
    if (name.rfind(prefix, 0) == 0) name = name.substr(std::string(prefix).size());
  switch (item.kind) {
    case Item::Kind::String:
      return name == "String";
    case Item::Kind::Integer:
      return name == "Integer";
    case Item::Kind::Decimal:
      return name == "Decimal";
    case Item::Kind::Boolean:
      return name == "Boolean";
    case Item::Kind::Node:
      break;
  }
  // A FHIR primitive also answers to its System type's name (dateTime is DateTime).
  if (isPrimitive(item.type)) return item.type == name || text::asciiLower(item.type) == text::asciiLower(name);
  for (const TypeDef* t = Definitions::get().type(item.type); t != nullptr; t = Definitions::get().type(t->base)) {
    if (t->name == name) return true;
    if (t->base.empty() || t->base == t->name) break;
  }
  return false;
}

std::optional<bool> singletonBoolean(const Collection& c) {
  if (c.empty()) return std::nullopt;
  if (c.size() == 1) {
    Item v = systemValue(c.front());
    if (v.kind == Item::Kind::Boolean) return v.boolean;
  }
  // As HL7's validator does: any other non-empty collection counts as true.
  return true;
}

Collection boolean(std::optional<bool> b) {
  if (!b) return {};
  Item item{Item::Kind::Boolean};
  item.boolean = *b;
  return {item};
}

Collection integer(long long n) {
  Item item{Item::Kind::Integer};
  item.integer = n;
  return {item};
}

Collection string(std::string s) {
  Item item{Item::Kind::String};
  item.text = std::move(s);
  return {item};
}

const Item& single(const Collection& c, const char* what) {
  if (c.size() != 1) throw EvalError(std::string(what) + " needs exactly one item");
  return c.front();
}

std::string stringOf(const Collection& c, const char* what) {
  Item v = systemValue(single(c, what));
  if (v.kind != Item::Kind::String) throw EvalError(std::string(what) + " needs a string");
  return v.text;
}

long long integerOf(const Collection& c, const char* what) {
  Item v = systemValue(single(c, what));
  if (v.kind != Item::Kind::Integer) throw EvalError(std::string(what) + " needs an integer");
  return v.integer;
}

// The children ElementChildren of a node's type, when the node is a contained resource.
const ElementChildren* childrenOf(const Item& item) {
  if (item.children != nullptr) return item.children;
  return Definitions::get().children(item.type, "");
}

void addValues(const json::Value* value, std::string_view type, const ElementChildren* children, Collection& out) {
  if (value == nullptr) return;
  auto add = [&](const json::Value& v) {
    if (v.isNull()) return;
    Item item;
    item.value = &v;
    item.type = type;
    item.children = children;
    if (type == "Resource") {
      if (const json::Value* rt = v.find("resourceType"); rt != nullptr && rt->isString()) item.type = rt->text();
      item.children = Definitions::get().children(item.type, "");
    }
    out.push_back(item);
  };
  if (value->isArray()) {
    for (const auto& v : value->items()) add(v);
  } else {
    add(*value);
  }
}

// The members called `name` of a node; a choice element's name (value) finds its variant.
void navigate(const Item& item, const std::string& name, Collection& out) {
  if (item.kind != Item::Kind::Node || !item.value->isObject()) return;
  const ElementChildren* children = childrenOf(item);
  if (children == nullptr) return;
  auto it = children->byName.find(name);
  if (it != children->byName.end()) {
    const ChildElement& child = it->second;
    std::string_view type = !child.type.empty() ? std::string_view(child.type)
                            : child.def->types.empty() ? std::string_view("BackboneElement")
                                                       : std::string_view(child.def->types.front());
    addValues(item.value->find(name), type, child.children, out);
    return;
  }
  for (const auto& [key, value] : item.value->members()) {
    if (key.size() <= name.size() || key.compare(0, name.size(), name) != 0) continue;
    auto variant = children->byName.find(key);
    if (variant == children->byName.end() || variant->second.type.empty()) continue;
    const std::string& path = variant->second.def->path;
    if (path.size() >= name.size() + 3 && path.compare(path.size() - name.size() - 3, name.size() + 3, name + "[x]") == 0)
      addValues(&value, variant->second.type, variant->second.children, out);
  }
}

class Evaluator {
 public:
  explicit Evaluator(const Item& resource) : resource_(resource) {}

  // `focus` is the input of a path that starts here; `self` is $this.
  Collection eval(const AstNode& node, const Collection& focus, const Item& self) {
    switch (node.kind) {
      case AstNode::Kind::Literal:
        return {node.literal};
      case AstNode::Kind::Empty:
        return {};
      case AstNode::Kind::This:
        return {self};
      case AstNode::Kind::Resource:
        return {resource_};
      case AstNode::Kind::Member: {
        Collection input = node.operand ? eval(*node.operand, focus, self) : focus;
        Collection out;
        for (const Item& item : input) {
          // At the start of a path, the context's own type name selects the context.
          if (!node.operand && item.kind == Item::Kind::Node && item.type == node.name) {
            out.push_back(item);
            continue;
          }
          navigate(item, node.name, out);
        }
        return out;
      }
      case AstNode::Kind::Index: {
        Collection input = eval(*node.operand, focus, self);
        long long i = integerOf(eval(*node.args[0], focus, self), "an index");
        if (i < 0 || i >= static_cast<long long>(input.size())) return {};
        return {input[static_cast<size_t>(i)]};
      }
      case AstNode::Kind::Negate: {
        Collection input = eval(*node.operand, focus, self);
        if (input.empty()) return {};
        Item v = systemValue(single(input, "unary -"));
        if (v.kind == Item::Kind::Integer) return integer(-v.integer);
        if (v.kind != Item::Kind::Decimal) throw EvalError("unary - needs a number");
        v.decimal = -v.decimal;
        return {v};
      }
      case AstNode::Kind::TypeTest: {
        Collection input = eval(*node.operand, focus, self);
        const bool isTest = node.name.rfind("is ", 0) == 0;
        const std::string type = node.name.substr(3);
        if (input.empty()) return {};
        if (isTest) return boolean(isType(single(input, "is"), type));
        Collection out;
        for (const Item& i : input)
          if (isType(i, type)) out.push_back(i);
        return out;
      }
      case AstNode::Kind::Binary:
        return binary(node, focus, self);
      case AstNode::Kind::Function:
        return function(node, node.operand ? eval(*node.operand, focus, self) : focus, self);
    }
    return {};
  }

 private:
  Collection binary(const AstNode& node, const Collection& focus, const Item& self) {
    const std::string& op = node.name;
    Collection left = eval(*node.operand, focus, self);
    if (op == "and" || op == "or" || op == "xor" || op == "implies") {
      std::optional<bool> l = singletonBoolean(left);
      if (op == "and" && l == false) return boolean(false);
      if (op == "or" && l == true) return boolean(true);
      if (op == "implies" && l == false) return boolean(true);
      std::optional<bool> r = singletonBoolean(eval(*node.args[0], focus, self));
      if (op == "and") return r == false ? boolean(false) : (l && r ? boolean(true) : Collection{});
      if (op == "or") return r == true ? boolean(true) : (l && r ? boolean(false) : Collection{});
      if (op == "xor") return l && r ? boolean(*l != *r) : Collection{};
      return r == true ? boolean(true) : (l ? boolean(r) : Collection{});
    }
    Collection right = eval(*node.args[0], focus, self);
    if (op == "|") return unionOf(left, right);
    if (op == "in" || op == "contains") {
      const Collection& needle = op == "in" ? left : right;
      const Collection& haystack = op == "in" ? right : left;
      if (needle.empty()) return {};
      const Item& n = single(needle, op.c_str());
      return boolean(std::any_of(haystack.begin(), haystack.end(), [&](const Item& h) { return itemsEqual(n, h) == true; }));
    }
    if (op == "=" || op == "!=") {
      if (left.empty() || right.empty()) return {};
      bool equal = left.size() == right.size();
      for (size_t i = 0; equal && i < left.size(); ++i) equal = itemsEqual(left[i], right[i]) == true;
      return boolean(op == "=" ? equal : !equal);
    }
    if (op == "&") {
      auto text = [](const Collection& c) { return c.empty() ? std::string() : stringOf(c, "&"); };
      return string(text(left) + text(right));
    }
    if (left.empty() || right.empty()) return {};
    Item a = systemValue(single(left, op.c_str())), b = systemValue(single(right, op.c_str()));
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      int cmp;
      if (isNumeric(a) && isNumeric(b)) {
        cmp = numeric(a) < numeric(b) ? -1 : numeric(a) > numeric(b) ? 1 : 0;
      } else if (a.kind == Item::Kind::String && b.kind == Item::Kind::String && !isDateLike(left[0])) {
        cmp = a.text.compare(b.text);
      } else {
        throw EvalError("cannot compare these values");
      }
      return boolean(op == "<" ? cmp < 0 : op == ">" ? cmp > 0 : op == "<=" ? cmp <= 0 : cmp >= 0);
    }
    if (op == "+" && a.kind == Item::Kind::String && b.kind == Item::Kind::String) return string(a.text + b.text);
    if (!isNumeric(a) || !isNumeric(b)) throw EvalError("arithmetic needs numbers");
    if (a.kind == Item::Kind::Integer && b.kind == Item::Kind::Integer && op != "/") {
      if (op == "+") return integer(a.integer + b.integer);
      if (op == "-") return integer(a.integer - b.integer);
      if (op == "*") return integer(a.integer * b.integer);
      if (b.integer == 0) return {};
      if (op == "div") return integer(a.integer / b.integer);
      if (op == "mod") return integer(a.integer % b.integer);
    }
    throw EvalError("decimal arithmetic is not evaluated");
  }

  // Dates and times order by their instants, not their text: Flint does not compare them here.
  static bool isDateLike(const Item& i) {
    return i.kind == Item::Kind::Node && (i.type == "date" || i.type == "dateTime" || i.type == "instant" || i.type == "time");
  }

  static Collection unionOf(const Collection& a, const Collection& b) {
    Collection out;
    for (const Collection* c : {&a, &b})
      for (const Item& i : *c)
        if (std::none_of(out.begin(), out.end(), [&](const Item& o) { return itemsEqual(o, i) == true; })) out.push_back(i);
    return out;
  }

  Collection arg(const AstNode& node, size_t i, const Item& self) {
    if (i >= node.args.size()) throw EvalError(node.name + "() needs more arguments");
    return eval(*node.args[i], {self}, self);
  }

  Collection function(const AstNode& node, const Collection& input, const Item& self) {
    const std::string& f = node.name;
    auto each = [&](auto&& body) {
      for (const Item& item : input) body(item, eval(*node.args[0], {item}, item));
    };
    if (f == "empty") return boolean(input.empty());
    if (f == "count") return integer(static_cast<long long>(input.size()));
    if (f == "exists") {
      if (node.args.empty()) return boolean(!input.empty());
      bool any = false;
      each([&](const Item&, const Collection& r) { any = any || singletonBoolean(r) == true; });
      return boolean(any);
    }
    if (f == "all") {
      bool all = true;
      each([&](const Item&, const Collection& r) { all = all && singletonBoolean(r) == true; });
      return boolean(all);
    }
    if (f == "where") {
      Collection out;
      each([&](const Item& item, const Collection& r) {
        if (singletonBoolean(r) == true) out.push_back(item);
      });
      return out;
    }
    if (f == "select") {
      Collection out;
      each([&](const Item&, const Collection& r) { out.insert(out.end(), r.begin(), r.end()); });
      return out;
    }
    if (f == "allTrue" || f == "anyTrue") {
      bool all = true, any = false;
      for (const Item& i : input) {
        Item v = systemValue(i);
        bool b = v.kind == Item::Kind::Boolean && v.boolean;
        all = all && b;
        any = any || b;
      }
      return boolean(f == "allTrue" ? all : any);
    }
    if (f == "ofType" || f == "as") {
      Collection out;
      for (const Item& i : input)
        if (isType(i, node.args[0]->literal.text)) out.push_back(i);
      return out;
    }
    if (f == "is") return input.empty() ? Collection{} : boolean(isType(single(input, "is()"), node.args[0]->literal.text));
    if (f == "not") return input.empty() ? Collection{} : boolean(!*singletonBoolean(input));
    if (f == "first") return input.empty() ? Collection{} : Collection{input.front()};
    if (f == "last") return input.empty() ? Collection{} : Collection{input.back()};
    if (f == "single") return input.empty() ? Collection{} : Collection{single(input, "single()")};
    if (f == "distinct") return unionOf(input, {});
    if (f == "isDistinct") return boolean(unionOf(input, {}).size() == input.size());
    if (f == "union") return unionOf(input, arg(node, 0, self));
    if (f == "combine") {
      Collection out = input, more = arg(node, 0, self);
      out.insert(out.end(), more.begin(), more.end());
      return out;
    }
    if (f == "trace") return input;
    if (f == "hasValue")
      return boolean(input.size() == 1 && input[0].kind == Item::Kind::Node && isPrimitive(input[0].type) &&
                     !input[0].value->isObject());
    if (f == "children" || f == "descendants") {
      Collection out;
      std::vector<Item> pending = input;
      while (!pending.empty()) {
        Item item = pending.back();
        pending.pop_back();
        if (item.kind != Item::Kind::Node || !item.value->isObject()) continue;
        Collection kids;
        for (const auto& [key, value] : item.value->members()) navigate(item, key, kids);
        out.insert(out.end(), kids.begin(), kids.end());
        if (f == "descendants") pending.insert(pending.end(), kids.begin(), kids.end());
      }
      return out;
    }
    if (f == "extension") {
      const std::string url = stringOf(arg(node, 0, self), "extension()");
      Collection all, out;
      for (const Item& i : input) navigate(i, "extension", all);
      for (const Item& e : all)
        if (const json::Value* u = e.value->find("url"); u != nullptr && u->isString() && u->text() == url) out.push_back(e);
      return out;
    }
    if (f == "iif") {
      std::optional<bool> condition = singletonBoolean(eval(*node.args.at(0), input.empty() ? Collection{self} : input, self));
      if (condition == true) return arg(node, 1, self);
      return node.args.size() > 2 ? arg(node, 2, self) : Collection{};
    }
    // String functions: an empty input gives an empty result.
    if (input.empty()) return {};
    if (f == "toString") {
      Item v = systemValue(single(input, "toString()"));
      switch (v.kind) {
        case Item::Kind::String:
          return string(v.text);
        case Item::Kind::Integer:
          return string(std::to_string(v.integer));
        case Item::Kind::Decimal:
          return string(v.text);
        case Item::Kind::Boolean:
          return string(v.boolean ? "true" : "false");
        case Item::Kind::Node:
          return {};
      }
    }
    if (f == "toInteger") {
      Item v = systemValue(single(input, "toInteger()"));
      if (v.kind == Item::Kind::Integer) return {v};
      if (v.kind == Item::Kind::Boolean) return integer(v.boolean ? 1 : 0);
      static const std::regex digits("[+-]?[0-9]+");
      if (v.kind == Item::Kind::String && std::regex_match(v.text, digits)) return integer(std::stoll(v.text));
      return {};
    }
    const std::string s = stringOf(input, (f + "()").c_str());
    if (f == "length") return integer(static_cast<long long>(s.size()));
    if (f == "lower" || f == "upper") {
      std::string out = s;
      for (char& c : out) c = static_cast<char>(f == "lower" ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
      return string(out);
    }
    if (f == "substring") {
      long long start = integerOf(arg(node, 0, self), "substring()");
      if (start < 0 || start >= static_cast<long long>(s.size())) return {};
      long long length = node.args.size() > 1 ? integerOf(arg(node, 1, self), "substring()") : static_cast<long long>(s.size());
      return string(s.substr(static_cast<size_t>(start), static_cast<size_t>(std::max(0LL, length))));
    }
    const std::string a = stringOf(arg(node, 0, self), (f + "()").c_str());
    if (f == "startsWith") return boolean(s.rfind(a, 0) == 0);
    if (f == "endsWith") return boolean(s.size() >= a.size() && s.compare(s.size() - a.size(), a.size(), a) == 0);
    if (f == "contains") return boolean(s.find(a) != std::string::npos);
    if (f == "matches") return boolean(std::regex_search(s, compiled(a)));
    throw EvalError(f + "() is not evaluated");
  }

  // Invariants use a handful of patterns; each thread compiles each one once.
  static const std::regex& compiled(const std::string& pattern) {
    thread_local std::unordered_map<std::string, std::regex> regexes;
    auto it = regexes.find(pattern);
    if (it == regexes.end()) {
      try {
        it = regexes.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
      } catch (const std::regex_error&) {
        throw EvalError("invalid regular expression");
      }
    }
    return it->second;
  }

  const Item& resource_;
};

}  // namespace

Item Item::node(const json::Value& value, std::string_view type) {
  Item item;
  item.value = &value;
  item.type = type;
  item.children = Definitions::get().children(type, "");
  return item;
}

std::optional<Expression> Expression::compile(std::string_view text, std::string* why) {
  try {
    Expression e;
    e.root_ = parse(text);
    return e;
  } catch (const std::exception& error) {
    if (why != nullptr) *why = error.what();
    return std::nullopt;
  }
}

std::optional<std::vector<Item>> Expression::evaluate(const Item& context, const Item& resource) const {
  try {
    return Evaluator(resource).eval(*root_, {context}, context);
  } catch (const EvalError&) {
    return std::nullopt;
  }
}

std::optional<bool> Expression::test(const Item& context, const Item& resource) const {
  auto result = evaluate(context, resource);
  if (!result) return std::nullopt;
  return singletonBoolean(*result).value_or(false);
}

}  // namespace flint::fhir::fhirpath
