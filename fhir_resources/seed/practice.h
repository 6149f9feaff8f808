// The shared side of a synthetic practice: organizations, a payer, locations, clinicians with
// their roles and endpoint, and the medications prescriptions reference.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "fhir_resources/seed/resource_sink.h"
#include "fhir_resources/seed/seed_random.h"

namespace flint::fhir::seed {

struct Medication {
  const char* rxnorm;
  const char* display;
};
// The medications prescribed; Practice::medications holds their ids in this order.
extern const std::array<Medication, 8> kMedications;

struct Practice {
  std::vector<std::string> organizations;  // care providers
  std::string payer;
  std::vector<std::string> locations;      // one per organization
  std::vector<std::string> practitioners;
  std::vector<std::string> roles;          // PractitionerRole of each practitioner
  std::vector<std::string> medications;
};

Practice generatePractice(ResourceSink& sink, Random& rnd, int patients);

}  // namespace flint::fhir::seed
