#include "core/json/json_value.h"

#include <algorithm>
#include <cstdlib>

namespace flint::json {

Value Value::boolean(bool b) {
  Value v;
  v.type_ = Type::Bool;
  v.bool_ = b;
  return v;
}

Value Value::number(std::string lexeme) {
  Value v;
  v.type_ = Type::Number;
  v.text_ = std::move(lexeme);
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.type_ = Type::String;
  v.text_ = std::move(s);
  return v;
}

Value Value::array() {
  Value v;
  v.type_ = Type::Array;
  return v;
}

Value Value::object() {
  Value v;
  v.type_ = Type::Object;
  return v;
}

const Value* Value::find(std::string_view key) const {
  for (const auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  for (auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

std::optional<std::string> Value::stringAt(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->isString()) return std::nullopt;
  return v->text();
}

void Value::set(std::string key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  members_.emplace_back(std::move(key), std::move(value));
}

void Value::setFront(std::string key, Value value) {
  erase(key);
  members_.insert(members_.begin(), Member(std::move(key), std::move(value)));
}

void Value::insertAfter(std::string_view after, std::string key, Value value) {
  erase(key);
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.first == after; });
  if (it != members_.end()) ++it;
  members_.insert(it, Member(std::move(key), std::move(value)));
}

bool Value::erase(std::string_view key) {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.first == key; });
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

bool sameValue(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::Null:
      return true;
    case Type::Bool:
      return a.asBool() == b.asBool();
    case Type::Number:
      return std::strtod(a.text().c_str(), nullptr) == std::strtod(b.text().c_str(), nullptr);
    case Type::String:
      return a.text() == b.text();
    case Type::Array:
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!sameValue(a.items()[i], b.items()[i])) return false;
      return true;
    case Type::Object:
      if (a.members().size() != b.members().size()) return false;
      for (const auto& [key, value] : a.members())
        if (const Value* other = b.find(key); other == nullptr || !sameValue(value, *other)) return false;
      return true;
  }
  return false;
}

}  // namespace flint::json
