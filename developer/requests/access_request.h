// An access request as a developer submits it (seed 004's fields), checked field by field: the
// organisation and its verifiable identifier, a contact on its domain, the application, the
// attestations and the Terms of Use accepted. Nothing else is asked, fees least of all.
#pragma once

#include <string>

#include "core/json/json_value.h"

namespace flint::developer {

struct AccessRequest {
  json::Value details;      // the request, normalised (trimmed text, lower-case domain and e-mail)
  std::string accessModel;  // patient-directed or population
  std::string domain;       // the organisation's domain, which the contact's e-mail is on
};

// Throws DeveloperError 422 listing every problem with its field; `termsVersion` is the version
// of the Terms of Use in force, which the request must say it accepted.
AccessRequest parseAccessRequest(const json::Value& body, const std::string& termsVersion);

// Whether `email` is a plausible address (one @, a domain with a dot, no spaces), lower-cased.
bool isEmailAddress(const std::string& email);
// Whether `name` is a DNS host name with at least two labels (lower-case letters, digits, hyphens).
bool isDomainName(const std::string& name);

}  // namespace flint::developer
