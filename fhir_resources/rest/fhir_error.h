// The one error type of the FHIR API: an HTTP status plus the OperationOutcome issue it becomes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace flint::fhir {

class FhirError : public std::runtime_error {
 public:
  FhirError(int status, std::string code, const std::string& diagnostics, std::string expression = "")
      : std::runtime_error(diagnostics), status_(status), code_(std::move(code)), expression_(std::move(expression)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }  // an IssueType code: invalid, not-found, ...
  const std::string& expression() const { return expression_; }

 private:
  int status_;
  std::string code_;
  std::string expression_;
};

// OperationOutcome JSON with one issue.
std::string operationOutcome(std::string_view severity, std::string_view code, std::string_view diagnostics,
                             std::string_view expression = "");

}  // namespace flint::fhir
