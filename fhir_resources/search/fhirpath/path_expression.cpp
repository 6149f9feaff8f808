#include "fhir_resources/search/fhirpath/path_expression.h"

#include <cctype>

#include "fhir_resources/definitions/definitions.h"

namespace flint::fhir {
namespace {

using Step = PathExpression::Step;
using Branch = PathExpression::Branch;

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(' ');
  size_t b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Splits at top-level `sep` (outside parentheses and quotes).
std::vector<std::string> splitTopLevel(const std::string& s, char sep) {
  std::vector<std::string> parts;
  int depth = 0;
  bool quoted = false;
  std::string current;
  for (char c : s) {
    if (c == '\'') quoted = !quoted;
    if (!quoted && c == '(') ++depth;
    if (!quoted && c == ')') --depth;
    if (!quoted && depth == 0 && c == sep) {
      parts.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  parts.push_back(current);
  return parts;
}

bool isName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::optional<Step> parseFunction(const std::string& call) {
  size_t open = call.find('(');
  if (open == std::string::npos || call.back() != ')') return std::nullopt;
  std::string name = call.substr(0, open);
  std::string arg = trim(call.substr(open + 1, call.size() - open - 2));
  if (name == "ofType" || name == "as") {
    if (!isName(arg)) return std::nullopt;
    return Step{Step::Kind::OfType, arg, "", 0};
  }
  if (name != "where") return std::nullopt;
  if (arg.rfind("resolve() is ", 0) == 0) {
    std::string type = trim(arg.substr(13));
    if (!isName(type)) return std::nullopt;
    return Step{Step::Kind::ResolveIs, type, "", 0};
  }
  size_t eq = arg.find('=');
  if (eq == std::string::npos) return std::nullopt;
  std::string field = trim(arg.substr(0, eq));
  std::string literal = trim(arg.substr(eq + 1));
  if (!isName(field) || literal.size() < 2 || literal.front() != '\'' || literal.back() != '\'') return std::nullopt;
  return Step{Step::Kind::WhereEquals, field, literal.substr(1, literal.size() - 2), 0};
}

std::optional<Branch> parseBranch(std::string text) {
  text = trim(text);
  // "(X.y as T)" and "(X.y.ofType(T)).z": unwrap the parentheses into plain steps.
  std::string rest;
  if (!text.empty() && text.front() == '(') {
    int depth = 0;
    size_t close = std::string::npos;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '(') ++depth;
      if (text[i] == ')' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close == std::string::npos) return std::nullopt;
    rest = text.substr(close + 1);
    text = trim(text.substr(1, close - 1));
    if (size_t as = text.find(" as "); as != std::string::npos)
      text = trim(text.substr(0, as)) + ".ofType(" + trim(text.substr(as + 4)) + ")";
    text += rest;
  } else if (size_t as = text.find(" as "); as != std::string::npos) {
    text = trim(text.substr(0, as)) + ".ofType(" + trim(text.substr(as + 4)) + ")";
  }
  auto parts = splitTopLevel(text, '.');
  if (parts.empty() || !isName(parts[0])) return std::nullopt;
  Branch branch{parts[0], {}};
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string part = parts[i];
    if (part.find('(') != std::string::npos) {
      auto step = parseFunction(part);
      if (!step) return std::nullopt;
      branch.steps.push_back(*step);
      continue;
    }
    size_t bracket = part.find('[');
    std::string name = part.substr(0, bracket);
    if (!isName(name)) return std::nullopt;
    branch.steps.push_back(Step{Step::Kind::Member, name, "", 0});
    if (bracket != std::string::npos) {
      if (part.back() != ']') return std::nullopt;
      std::string digits = part.substr(bracket + 1, part.size() - bracket - 2);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      branch.steps.push_back(Step{Step::Kind::Index, "", "", std::stoul(digits)});
    }
  }
  return branch;
}

// The nodes for member `name` of `node`: one per value, arrays flattened; for a choice element
// ("value") the member that is present (valueQuantity, ...) with its type.
void members(const PathNode& node, const std::string& name, std::vector<PathNode>& out) {
  if (!node.value->isObject() || node.children == nullptr) return;
  const ElementChildren* children = node.children;
  auto add = [&](const json::Value& v, const ChildElement& child) {
    const ElementDef& def = *child.def;
    std::string_view type = !child.type.empty() ? std::string_view(child.type)
                            : def.types.empty()  ? std::string_view()
                                                 : std::string_view(def.types.front());
    PathNode n{&v, type, child.children};
    if (!def.contentReference.empty()) {
      n.type = "BackboneElement";
    } else if (type == "Resource" && v.isObject()) {
      // A contained resource: its own type says what it holds.
      const json::Value* resourceType = v.find("resourceType");
      if (resourceType != nullptr && resourceType->isString()) {
        n.type = resourceType->text();
        n.children = Definitions::get().children(n.type, "");
      }
    }
    if (v.isArray()) {
      for (const auto& item : v.items()) {
        PathNode each = n;
        each.value = &item;
        out.push_back(each);
      }
    } else {
      out.push_back(n);
    }
  };
  if (auto it = children->byName.find(name); it != children->byName.end()) {
    if (const json::Value* v = node.value->find(name)) add(*v, it->second);
    return;
  }
  // A choice element named without its type: every present variant.
  for (const auto& [key, value] : node.value->members()) {
    if (key.size() <= name.size() || key.compare(0, name.size(), name) != 0 ||
        !std::isupper(static_cast<unsigned char>(key[name.size()])))
      continue;
    auto it = children->byName.find(key);
    if (it != children->byName.end() && !it->second.type.empty()) add(value, it->second);
  }
}

bool referencesType(const json::Value& reference, const std::string& type) {
  auto ref = reference.stringAt("reference");
  if (!ref) return false;
  std::string r = *ref;
  if (size_t q = r.find('?'); q != std::string::npos) r = r.substr(0, q);
  if (size_t h = r.find("/_history/"); h != std::string::npos) r = r.substr(0, h);
  size_t slash = r.rfind('/');
  if (slash == std::string::npos || slash == 0) return false;
  size_t before = r.rfind('/', slash - 1);
  std::string t = r.substr(before == std::string::npos ? 0 : before + 1, slash - (before == std::string::npos ? 0 : before + 1));
  return t == type;
}

}  // namespace

std::optional<PathExpression> PathExpression::compile(const std::string& expression) {
  PathExpression out;
  for (const auto& part : splitTopLevel(expression, '|')) {
    auto branch = parseBranch(part);
    if (!branch) return std::nullopt;
    out.branches_.push_back(std::move(*branch));
  }
  if (out.branches_.empty()) return std::nullopt;
  return out;
}

namespace {

// FHIR primitive types are also named as FHIRPath's System types ("DateTime" for dateTime), as
// some R4 expressions do.
bool isOfType(std::string_view type, const std::string& name) {
  if (type == name) return true;
  return !type.empty() && !name.empty() && std::islower(static_cast<unsigned char>(type[0])) &&
         std::toupper(static_cast<unsigned char>(type[0])) == name[0] && type.substr(1) == std::string_view(name).substr(1);
}

// Applies `steps` to `nodes` in place. Every resource written evaluates each of its type's
// expressions, so the steps' working lists are kept per thread rather than allocated each time.
void applySteps(std::vector<PathNode>& nodes, const std::vector<Step>& steps) {
  thread_local std::vector<PathNode> next;
  for (const auto& step : steps) {
    if (nodes.empty()) break;
    next.clear();
    switch (step.kind) {
      case Step::Kind::Member:
        for (const auto& n : nodes) members(n, step.name, next);
        break;
      case Step::Kind::OfType:
        for (const auto& n : nodes)
          if (isOfType(n.type, step.name)) next.push_back(n);
        break;
      case Step::Kind::ResolveIs:
        for (const auto& n : nodes)
          if (n.value->isObject() && referencesType(*n.value, step.name)) next.push_back(n);
        break;
      case Step::Kind::WhereEquals:
        for (const auto& n : nodes)
          if (n.value->isObject() && n.value->stringAt(step.name) == step.value) next.push_back(n);
        break;
      case Step::Kind::Index:
        if (step.index < nodes.size()) next.push_back(nodes[step.index]);
        break;
    }
    nodes.swap(next);
  }
}

}  // namespace

std::vector<PathNode> PathExpression::evaluate(const json::Value& resource) const {
  std::vector<PathNode> result;
  const json::Value* typeValue = resource.find("resourceType");
  if (typeValue == nullptr || !typeValue->isString()) return result;
  const std::string& type = typeValue->text();
  // A resource's expressions are evaluated one after another: its type's members are looked up
  // once for all of them.
  thread_local std::string lastType;
  thread_local const ElementChildren* typeChildren = nullptr;
  if (type != lastType) {
    lastType = type;
    typeChildren = Definitions::get().children(type, "");
  }
  thread_local std::vector<PathNode> nodes;
  for (const auto& branch : branches_) {
    if (branch.rootType != type && branch.rootType != "Resource" && branch.rootType != "DomainResource") continue;
    nodes.assign(1, PathNode{&resource, type, typeChildren});
    applySteps(nodes, branch.steps);
    result.insert(result.end(), nodes.begin(), nodes.end());
  }
  return result;
}

std::vector<PathNode> PathExpression::evaluateRelative(const PathNode& context) const {
  std::vector<PathNode> result;
  thread_local std::vector<PathNode> nodes;
  for (const auto& branch : branches_) {
    nodes.clear();
    members(context, branch.rootType, nodes);
    applySteps(nodes, branch.steps);
    result.insert(result.end(), nodes.begin(), nodes.end());
  }
  return result;
}

}  // namespace flint::fhir
