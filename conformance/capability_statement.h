// The CapabilityStatement served at [base]/metadata, generated from the definitions and from
// what the REST API really supports.
#pragma once

#include <string>

#include "fhir_resources/rest/fhir_request.h"

namespace flint::conformance {

// `authBase`: the instance's SMART authorization server, or empty for an open-access instance
// (which then declares no security service).
std::string capabilityStatement(const std::string& baseUrl, const std::string& authBase,
                                const std::string& softwareVersion, const fhir::FhirSettings& settings);

}  // namespace flint::conformance
