// The parsed form of a FHIRPath expression, shared by the parser and the evaluator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fhir_resources/fhirpath/fhirpath.h"

namespace flint::fhir::fhirpath {

struct AstNode {
  enum class Kind {
    Literal,   // literal: the constant
    Empty,     // {}
    This,      // $this
    Resource,  // %resource / %rootResource
    Member,    // [operand '.'] name
    Function,  // [operand '.'] name(args)
    Index,     // operand[args[0]]
    Binary,    // operand op args[0]
    Negate,    // - operand
    TypeTest,  // operand is name / operand as name
  };
  Kind kind;
  std::string name;  // member, function, operator or type name
  Item literal;
  std::shared_ptr<const AstNode> operand;  // the input; null: the current focus
  std::vector<std::shared_ptr<const AstNode>> args;
};

using Ast = std::shared_ptr<const AstNode>;

// Throws std::invalid_argument naming what it cannot parse or does not support.
Ast parse(std::string_view text);

}  // namespace flint::fhir::fhirpath
