// What the developer programme refuses, as a value the server maps to one response: the HTTP
// status, a short code, a message and, for a form, one problem per field.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace flint::developer {

struct FieldProblem {
  std::string field;  // a path in the request, e.g. contact.email
  std::string message;
};

class DeveloperError : public std::runtime_error {
 public:
  DeveloperError(int status, std::string code, const std::string& message, std::vector<FieldProblem> problems = {})
      : std::runtime_error(message), status_(status), code_(std::move(code)), problems_(std::move(problems)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::vector<FieldProblem>& problems() const { return problems_; }

 private:
  int status_;
  std::string code_;
  std::vector<FieldProblem> problems_;
};

}  // namespace flint::developer
