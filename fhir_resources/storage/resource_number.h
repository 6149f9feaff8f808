// A resource's number (`rid`): what its search index rows name it by, 8 bytes where its id takes
// up to 65. The high bits are its patient's (docs/storage.md), so a patient's resources are
// neighbours in every index by number however their writes interleave with other patients'.
#pragma once

#include <cstdint>
#include <string>

#include "fhir_resources/search/index/index_rows.h"

namespace flint::fhir {

// Bits of a number below its patient's part: the instance's sequence value (a trillion writes).
inline constexpr int kResourceNumberSequenceBits = 40;

// The patient part of the number of a resource of `type` with `id` and these index entries: a
// hash of the patient whose compartment it is in (the first membership reference to a Patient;
// a Patient's own id), from 1 to 2^22 - 1; 0 outside every patient's compartment.
int64_t patientPart(const std::string& type, const std::string& id, const IndexRows& index);

inline int64_t resourceNumber(int64_t patientPart, int64_t sequenceValue) {
  return patientPart << kResourceNumberSequenceBits | sequenceValue;
}

}  // namespace flint::fhir
