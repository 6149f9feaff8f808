// FHIRPath for invariants: the expressions profiles and the R4 definitions attach to elements,
// parsed once and evaluated on resources with type information from the definitions. Only what
// Flint evaluates exactly compiles; anything else (resolve(), memberOf(), conformsTo(), dates
// arithmetic, ...) is refused at compile time, so an invariant is either checked or reported as
// not checked, never guessed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/json_value.h"

namespace flint::fhir {

struct ElementChildren;

namespace fhirpath {

// One item of a FHIRPath collection: a node of the resource with its FHIR type, or a value
// computed by the expression (System.String, Integer, Decimal, Boolean).
struct Item {
  enum class Kind { Node, String, Integer, Decimal, Boolean };
  Kind kind = Kind::Node;
  const json::Value* value = nullptr;         // Node
  std::string_view type;                      // Node: its FHIR type (Quantity, code, Patient, ...)
  const ElementChildren* children = nullptr;  // Node: the members it may have
  std::string text;                           // String
  long long integer = 0;                      // Integer
  double decimal = 0;                         // Decimal
  bool boolean = false;                       // Boolean

  // A node for `value`, of FHIR type `type` (a resource: its resourceType).
  static Item node(const json::Value& value, std::string_view type);
};

struct AstNode;

class Expression {
 public:
  // Nothing when `text` is not FHIRPath Flint evaluates exactly; `why` then says what is missing.
  static std::optional<Expression> compile(std::string_view text, std::string* why = nullptr);

  // The expression's result for `context` ($this) within `resource` (%resource). Nothing when
  // it cannot be evaluated (an operator given several items, a type mismatch, ...).
  std::optional<std::vector<Item>> evaluate(const Item& context, const Item& resource) const;
  // As an invariant: whether it holds (an empty result does not, as for HL7's validator), or
  // nothing when it cannot be evaluated.
  std::optional<bool> test(const Item& context, const Item& resource) const;

 private:
  std::shared_ptr<const AstNode> root_;
};

}  // namespace fhirpath
}  // namespace flint::fhir
