#include "fhir_resources/rest/fhir_error.h"

#include "core/json/json_writer.h"

namespace flint::fhir {

std::string operationOutcome(std::string_view severity, std::string_view code, std::string_view diagnostics,
                             std::string_view expression) {
  using json::Value;
  Value issue = Value::object();
  issue.set("severity", Value::string(std::string(severity)));
  issue.set("code", Value::string(std::string(code)));
  issue.set("diagnostics", Value::string(std::string(diagnostics)));
  if (!expression.empty()) {
    Value expressions = Value::array();
    expressions.push(Value::string(std::string(expression)));
    issue.set("expression", std::move(expressions));
  }
  Value issues = Value::array();
  issues.push(std::move(issue));
  Value outcome = Value::object();
  outcome.set("resourceType", Value::string("OperationOutcome"));
  outcome.set("issue", std::move(issues));
  return json::write(outcome);
}

}  // namespace flint::fhir
