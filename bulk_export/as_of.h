// Resources as an export writes them: each in the version that was current at the export's
// transaction time, whenever the export is run or downloaded, so a job's files say the same
// however long they are kept and whatever is written meanwhile; and deletions as the
// transaction Bundles that report them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fhir_resources/search/summary_filter.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::bulk {

// The JSON length of `row` (read now; by size only unless `elements` applies) as of `at`, reduced
// to `elements` when given; nullopt when it did not exist then.
std::optional<int64_t> sizeAsOf(fhir::ResourceRepository& repo, const fhir::ResourceRow& row, int64_t at,
                                const std::optional<fhir::ElementFilter>& elements);

// The NDJSON of the resources `ids` of `type` (in that order) as of `at`, reduced to `elements`
// when given; throws when a resource cannot be read as it was (its history gone), since a file
// must never change.
std::string ndjsonAsOf(fhir::ResourceRepository& repo, const std::string& type, const std::vector<std::string>& ids,
                       int64_t at, const std::optional<fhir::ElementFilter>& elements);

// The line that reports a resource's deletion (the manifest's `deleted` files): a transaction
// Bundle with one DELETE entry.
std::string deletionLine(const std::string& type, const std::string& id);

}  // namespace flint::bulk
