// Narrows searches to what the caller may see: a Patient compartment, and the limits SMART
// scopes set (patient/ scopes, granular scopes), applied inside the query itself so that every
// page, count, include and chained link obeys them.
#pragma once

#include <string>
#include <vector>

#include "fhir_resources/rest/access.h"
#include "fhir_resources/rest/fhir_request.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

// Restricts a one-type query to the Patient compartment of `patientId`: resources whose
// membership parameters (from the CompartmentDefinition) reference that patient. 404 when the
// type is not in the compartment.
void restrictToPatientCompartment(ResourceQuery& query, const std::string& patientId);
// The same for the compartments of several patients; of any patient when `patientIds` is empty.
void restrictToPatientCompartments(ResourceQuery& query, const std::vector<std::string>& patientIds);

// Narrows a one-type query, and every query its chained and _has parameters link to, to what
// `access` lets its caller see with `permission`: for patient/ scopes the patient's own record
// (Patient) or compartment (other types), or outside the compartment what it references; for
// granular scopes what their search parameter finds. 403 when a linked type may not be searched.
void restrictToAccess(ResourceQuery& query, const Access& access, Permission permission, const std::string& baseUrl);

// Makes `query` select the record of `patientId` (Patient/$everything): the patient, its
// compartment and the resources they reference, of those of `query.types` that `access` lets its
// caller search; granular scopes narrow their own type. 403 when the caller may not read the patient.
void restrictToPatientRecord(ResourceQuery& query, const std::string& patientId, FhirContext& ctx,
                             const std::string& baseUrl);

// Whether `access` lets its caller see every resource of `type` with `permission`, so that no
// lookup needs to say whether one resource is visible.
bool visibleWhole(const Access& access, const std::string& type, Permission permission);

// Whether `access` lets its caller see that resource with `permission`.
bool visibleTo(FhirContext& ctx, const std::string& type, const std::string& id, Permission permission,
               const std::string& baseUrl);

}  // namespace flint::fhir
