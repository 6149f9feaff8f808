// The CapabilityStatement served at [base]/metadata, generated from the definitions and from
// what the REST API really supports.
#pragma once

#include <string>

namespace flint::conformance {

std::string capabilityStatement(const std::string& baseUrl, const std::string& softwareVersion);

}  // namespace flint::conformance
