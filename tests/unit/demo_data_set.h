// The demo instance's data set (what scripts/run seeds: seed 42, 100 patients), generated in
// memory in its stored form, for unit tests of the data against US Core.
#pragma once

#include <vector>

#include "core/json/json_value.h"

namespace flint::fhir::testing {

const std::vector<json::Value>& demoDataSet();

// The US Core profiles `resource` claims in meta.profile.
std::vector<std::string> claimedProfiles(const json::Value& resource);

}  // namespace flint::fhir::testing
