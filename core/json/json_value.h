// An ordered JSON value that keeps numbers as their source text, so FHIR decimals round-trip
// exactly (1.50 stays 1.50) and objects keep their member order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flint::json {

enum class Type { Null, Bool, Number, String, Array, Object };

class Value {
 public:
  using Member = std::pair<std::string, Value>;

  Value() = default;
  static Value null() { return Value(); }
  static Value boolean(bool b);
  static Value number(std::string lexeme);
  static Value number(int64_t n) { return number(std::to_string(n)); }
  static Value string(std::string s);
  static Value array();
  static Value object();

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  bool asBool() const { return bool_; }
  // The string's decoded text, or a number's lexeme.
  const std::string& text() const { return text_; }

  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }

  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // A string member's text, if the member exists and is a string.
  std::optional<std::string> stringAt(std::string_view key) const;

  void set(std::string key, Value value);  // replaces in place, or appends
  void setFront(std::string key, Value value);  // removes any existing, inserts first
  void insertAfter(std::string_view after, std::string key, Value value);
  bool erase(std::string_view key);
  void push(Value v) { items_.push_back(std::move(v)); }

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

// Whether two values are the same JSON: numbers by value (1.0 equals 1), objects whatever their
// member order.
bool sameValue(const Value& a, const Value& b);

}  // namespace flint::json
