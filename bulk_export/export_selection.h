// Which resources an export writes: the types of each level, and the query that finds the next
// resources of one type for a job, narrowed to its patients and to what the client may read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bulk_export/export_job.h"
#include "fhir_resources/rest/access.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::bulk {

// Every type an export of `level` covers, in the order it exports them: all types for the
// system; for Patient and Group the Patient and its compartment's types, then the supporting
// types patient data references (those that reference others first), then Provenance.
const std::vector<std::string>& typesOfLevel(ExportLevel level);

// The supporting types a Patient or Group export writes after its patients' records: only the
// resources of them those records (or supporting resources exported before) reference.
const std::vector<std::string>& supportingTypes();
// Whether the job exports of `type` only what it recorded while exporting other types: the
// supporting types' referenced resources, and the Provenances whose target it exported.
bool exportsReferencedOnly(const ExportJob& job, const std::string& type);

// Why the export cannot list the deletions of `type` since _since, or nullopt when it can: what a
// deleted resource matched (a _typeFilter, a granular scope) or referenced went with its index
// entries, so only types the token sees whole, unfiltered, are listed, and at the Patient and
// Group level only the Patient and its compartment's types.
std::optional<std::string> deletionsUnreported(const ExportJob& job, const std::string& type,
                                               const fhir::Access& access);

// Whether `resource` (a version of a `type`, JSON) belongs to the job's patients: at the System
// level always; else one of them, or in the compartment of one (of any Patient, for a Patient
// export of every patient).
bool belongsToPatients(const ExportJob& job, const std::string& type, const std::string& id,
                       const std::string& resource);

// The next `limit` resources of `type` after the job's progress, by id: the job's patients'
// compartments (Patient and Group levels) or, for supporting types there, `referenced`, updated
// after _since, within `access`. One query per _typeFilter of the type, whose results together
// are the step's (or one query without).
std::vector<fhir::ResourceQuery> stepQueries(const ExportJob& job, const std::string& type, const fhir::Access& access,
                                             const std::string& baseUrl, int limit,
                                             const std::vector<std::string>& referenced = {});

}  // namespace flint::bulk
