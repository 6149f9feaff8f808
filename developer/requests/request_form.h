// The access request a portal form describes: its fields are named by the request's JSON paths
// (organization.legalName, ...), so a field's problem lands next to its input; checkboxes send
// "true", redirect URIs come one per line, and empty fields are left out (to be reported missing).
#pragma once

#include <map>
#include <string>

#include "core/json/json_value.h"

namespace flint::developer {

json::Value requestFromForm(const std::map<std::string, std::string>& form);

// The form's values for a request (the inverse, to fill the form again after a problem).
std::map<std::string, std::string> formFromRequest(const json::Value& request);

}  // namespace flint::developer
