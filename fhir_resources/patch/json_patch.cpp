#include "fhir_resources/patch/json_patch.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <vector>


namespace flint::fhir {
namespace {

using json::Value;

std::vector<std::string> parsePointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') throw MalformedPatch("a JSON Pointer must start with '/': " + pointer);
  size_t start = 1;
  for (;;) {
    size_t slash = pointer.find('/', start);
    std::string raw = pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
        continue;
      }
      if (i + 1 < raw.size() && raw[i + 1] == '0') token += '~';
      else if (i + 1 < raw.size() && raw[i + 1] == '1') token += '/';
      else throw MalformedPatch("invalid '~' escape in JSON Pointer " + pointer);
      ++i;
    }
    tokens.push_back(std::move(token));
    if (slash == std::string::npos) return tokens;
    start = slash + 1;
  }
}

// The index an array token names: a canonical non-negative number; "-" (append) only if allowed.
size_t arrayIndex(const std::string& token, size_t size, bool forInsert) {
  if (forInsert && token == "-") return size;
  size_t index = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (token.empty() || ec != std::errc() || ptr != token.data() + token.size() || (token.size() > 1 && token[0] == '0'))
    throw PatchConflict("'" + token + "' is not an array index");
  if (index > size || (!forInsert && index == size)) throw PatchConflict("array index " + token + " is out of range");
  return index;
}

Value& resolve(Value& doc, const std::vector<std::string>& tokens, size_t count) {
  Value* at = &doc;
  for (size_t i = 0; i < count; ++i) {
    if (at->isObject()) {
      at = at->find(tokens[i]);
      if (at == nullptr) throw PatchConflict("path element '" + tokens[i] + "' does not exist");
    } else if (at->isArray()) {
      at = &at->items()[arrayIndex(tokens[i], at->items().size(), false)];
    } else {
      throw PatchConflict("path goes through a value that is neither object nor array");
    }
  }
  return *at;
}

Value take(Value& doc, const std::vector<std::string>& path) {
  if (path.empty()) throw PatchConflict("cannot remove the whole document");
  Value& parent = resolve(doc, path, path.size() - 1);
  const std::string& last = path.back();
  if (parent.isObject()) {
    Value* v = parent.find(last);
    if (v == nullptr) throw PatchConflict("path element '" + last + "' does not exist");
    Value out = std::move(*v);
    parent.erase(last);
    return out;
  }
  if (parent.isArray()) {
    size_t i = arrayIndex(last, parent.items().size(), false);
    Value out = std::move(parent.items()[i]);
    parent.items().erase(parent.items().begin() + static_cast<long>(i));
    return out;
  }
  throw PatchConflict("path's parent is neither object nor array");
}

void put(Value& doc, const std::vector<std::string>& path, Value value, bool replace) {
  if (path.empty()) {
    doc = std::move(value);
    return;
  }
  Value& parent = resolve(doc, path, path.size() - 1);
  const std::string& last = path.back();
  if (parent.isObject()) {
    if (replace && parent.find(last) == nullptr) throw PatchConflict("path element '" + last + "' does not exist");
    parent.set(last, std::move(value));
  } else if (parent.isArray()) {
    auto& items = parent.items();
    size_t i = arrayIndex(last, items.size(), !replace);
    if (replace) items[i] = std::move(value);
    else items.insert(items.begin() + static_cast<long>(i), std::move(value));
  } else {
    throw PatchConflict("path's parent is neither object nor array");
  }
}

// RFC 6902 equality: member order does not matter, numbers compare by value.
bool equal(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::Type::Null: return true;
    case json::Type::Bool: return a.asBool() == b.asBool();
    case json::Type::Number: return a.text() == b.text() || std::strtod(a.text().c_str(), nullptr) == std::strtod(b.text().c_str(), nullptr);
    case json::Type::String: return a.text() == b.text();
    case json::Type::Array:
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!equal(a.items()[i], b.items()[i])) return false;
      return true;
    case json::Type::Object:
      if (a.members().size() != b.members().size()) return false;
      for (const auto& [key, value] : a.members()) {
        const Value* other = b.find(key);
        if (other == nullptr || !equal(value, *other)) return false;
      }
      return true;
  }
  return false;
}

const std::string& member(const Value& op, const char* name) {
  const Value* v = op.find(name);
  if (v == nullptr || !v->isString()) throw MalformedPatch(std::string("operation needs a string '") + name + "'");
  return v->text();
}

const Value& valueOf(const Value& op) {
  const Value* v = op.find("value");
  if (v == nullptr) throw MalformedPatch("operation needs a 'value'");
  return *v;
}

}  // namespace

void applyJsonPatch(Value& document, const Value& patch) {
  if (!patch.isArray()) throw MalformedPatch("a JSON Patch document is an array of operations");
  Value result = document;
  for (const auto& op : patch.items()) {
    if (!op.isObject()) throw MalformedPatch("each operation must be an object");
    const std::string& name = member(op, "op");
    auto path = parsePointer(member(op, "path"));
    if (name == "add") {
      put(result, path, valueOf(op), false);
    } else if (name == "remove") {
      take(result, path);
    } else if (name == "replace") {
      put(result, path, valueOf(op), true);
    } else if (name == "move" || name == "copy") {
      auto from = parsePointer(member(op, "from"));
      if (name == "move" && from.size() < path.size() && std::equal(from.begin(), from.end(), path.begin()))
        throw PatchConflict("cannot move a value into itself");
      Value value = name == "move" ? take(result, from) : resolve(result, from, from.size());
      put(result, path, std::move(value), false);
    } else if (name == "test") {
      if (!equal(resolve(result, path, path.size()), valueOf(op)))
        throw PatchConflict("test failed at " + member(op, "path"));
    } else {
      throw MalformedPatch("unknown operation '" + name + "'");
    }
  }
  document = std::move(result);
}

}  // namespace flint::fhir
