// The subset of FHIRPath that the R4 SearchParameter expressions use, compiled once and
// evaluated on resources with type information from the definitions: `A | B` unions of
// Type.path.path, `.ofType(T)`, `.where(resolve() is T)`, `.where(field='value')` and `[n]`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/json_value.h"

namespace flint::fhir {

struct ElementChildren;

// One value an expression selects, with its FHIR type (e.g. CodeableConcept, dateTime, Reference).
// The views point into the definitions or the evaluated resource, which outlive the node.
struct PathNode {
  const json::Value* value;
  std::string_view type;             // the value's datatype
  const ElementChildren* children;   // the members it may have (definitions.h); null for none
};

class PathExpression {
 public:
  // Nothing when the expression uses FHIRPath beyond the supported subset.
  static std::optional<PathExpression> compile(const std::string& expression);

  // The nodes selected in `resource` (whose resourceType decides which union branches apply).
  std::vector<PathNode> evaluate(const json::Value& resource) const;
  // The nodes selected from `context` by an expression relative to it, such as a composite
  // parameter's component ("code", "value.ofType(Quantity)"): its first name is a member.
  std::vector<PathNode> evaluateRelative(const PathNode& context) const;

  struct Step {
    enum class Kind { Member, OfType, ResolveIs, WhereEquals, Index } kind;
    std::string name;   // member or type name, or the field of WhereEquals
    std::string value;  // WhereEquals value
    size_t index = 0;
  };
  struct Branch {
    std::string rootType;
    std::vector<Step> steps;
  };

 private:
  std::vector<Branch> branches_;
};

}  // namespace flint::fhir
