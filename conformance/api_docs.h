// The public API documentation page (ONC 170.404(a)(2)): HTML generated from what the server
// really serves, its CapabilityStatement and SMART configuration, plus the facts neither states
// (token lifetimes, the directory) and the operator's Terms of Use.
#pragma once

#include <cstdint>
#include <string>

namespace flint::conformance {

struct ApiDocsFacts {
  std::string serverVersion;
  std::string fhirBase;      // a practice's FHIR base, with {instance} standing for its name
  std::string authBase;      // a practice's authorization server, likewise
  std::string directoryUrl;  // the service-base-URL directory
  int64_t userAccessTokenSeconds = 0;
  int64_t backendAccessTokenSeconds = 0;
  int refreshTokenDays = 0;  // the default; each practice may set its own
  std::string termsOfUse;    // plain text; empty: the built-in default
};

// `capabilityStatement` and `smartConfiguration`: the JSON a practice's base serves.
// The Terms of Use an operator has not replaced (--terms-of-use), as plain text.
std::string defaultTermsOfUse();

std::string renderApiDocs(const std::string& capabilityStatement, const std::string& smartConfiguration,
                          const ApiDocsFacts& facts);

}  // namespace flint::conformance
