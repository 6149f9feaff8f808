#include "fhir_resources/rest/fhir_error.h"

#include "core/json/json_writer.h"

namespace flint::fhir {

std::string operationOutcome(std::string_view severity, const std::vector<Issue>& issues) {
  using json::Value;
  Value list = Value::array();
  for (const auto& i : issues) {
    Value issue = Value::object();
    issue.set("severity", Value::string(i.severity.empty() ? std::string(severity) : i.severity));
    issue.set("code", Value::string(i.code));
    issue.set("diagnostics", Value::string(i.diagnostics));
    if (!i.expression.empty()) {
      Value expressions = Value::array();
      expressions.push(Value::string(i.expression));
      issue.set("expression", std::move(expressions));
    }
    list.push(std::move(issue));
  }
  Value outcome = Value::object();
  outcome.set("resourceType", Value::string("OperationOutcome"));
  outcome.set("issue", std::move(list));
  return json::write(outcome);
}

std::string operationOutcome(std::string_view severity, std::string_view code, std::string_view diagnostics,
                             std::string_view expression) {
  return operationOutcome(severity, {Issue{std::string(code), std::string(diagnostics), std::string(expression), ""}});
}

}  // namespace flint::fhir
