// One synthetic patient's US Core record: every profile US Core 6.1/7.0 lists that a patient
// has (encounters, conditions of all categories, vital signs and the other Observation
// profiles, labs with reports, notes, medications, immunizations, ...), valid R4 with real code
// systems, deterministic from the Random it is given.
#pragma once

#include <string>
#include <vector>

#include "fhir_resources/seed/practice.h"
#include "fhir_resources/seed/resource_sink.h"
#include "fhir_resources/seed/seed_random.h"

namespace flint::fhir::seed {

struct PatientRecord {
  std::string patientId;
  std::vector<std::string> references;  // "Type/id" of everything written, the patient first
};

// The `index`th patient; the first (index 0) also carries the data-absent-reason examples.
PatientRecord generatePatientRecord(ResourceSink& sink, Random& rnd, const Practice& practice, int index);

}  // namespace flint::fhir::seed
