// `flint seed`: a deterministic synthetic US Core data set (same seed, same resources) with real
// code systems: a practice, each patient's full record with its Provenance, and Groups of
// patients, loaded through the repository's bulk path.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::fhir {

struct SeedOptions {
  int patients = 100;
  uint64_t seed = 1;
};

struct SeedSummary {
  size_t resources = 0;
  std::map<std::string, size_t> byType;
  std::string firstPatientId;  // the patient with the fullest record (inpatient stay, data-absent reasons)
};

namespace seed {
class ResourceSink;
}

// The data set `seedInstance` stores, generated into `sink` on the calling thread (the ids are
// the sink's): for checks of the data that need no database.
void generateDataSet(seed::ResourceSink& sink, const SeedOptions& options);

// `instance` with a content dictionary (fhir_resources/storage/stored_content.h) for the data set
// `options` describes, trained on records drawn from another seed (as an instance's earlier data
// would be) and recorded for the instance on `control`; as it was when the sample is too small.
instances::Instance withSeedDictionary(pqxx::connection& control, const instances::Instance& instance,
                                       const SeedOptions& options);

// Refuses (std::runtime_error) an instance that already holds resources. `session` is on
// `databaseUrl`, where the indexes are built on more connections too.
SeedSummary seedInstance(const std::string& databaseUrl, db::Session& session, const instances::Instance& instance,
                         const SeedOptions& options);

}  // namespace flint::fhir
