// The one error type of the FHIR API: an HTTP status plus the OperationOutcome issues it becomes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flint::fhir {

struct Issue {
  std::string code;  // an IssueType code: invalid, required, value, not-found, ...
  std::string diagnostics;
  std::string expression;  // the element, e.g. Patient.name[0].given[1]; may be empty
  std::string severity;    // error, warning or information; empty: the outcome's severity
};

class FhirError : public std::runtime_error {
 public:
  FhirError(int status, std::string code, const std::string& diagnostics, std::string expression = "")
      : std::runtime_error(diagnostics), status_(status), issues_{{std::move(code), diagnostics, std::move(expression), ""}} {}
  FhirError(int status, std::vector<Issue> issues)
      : std::runtime_error(issues.empty() ? "error" : issues.front().diagnostics),
        status_(status),
        issues_(std::move(issues)) {}

  int status() const { return status_; }
  const std::vector<Issue>& issues() const { return issues_; }
  const std::string& code() const { return issues_.front().code; }
  const std::string& expression() const { return issues_.front().expression; }

 private:
  int status_;
  std::vector<Issue> issues_;
};

// OperationOutcome JSON with one issue.
std::string operationOutcome(std::string_view severity, std::string_view code, std::string_view diagnostics,
                             std::string_view expression = "");
// OperationOutcome JSON with every issue, all of the same severity.
std::string operationOutcome(std::string_view severity, const std::vector<Issue>& issues);

}  // namespace flint::fhir
