#include "fhir_resources/search/search_access.h"

#include <algorithm>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/search/param_condition.h"
#include "fhir_resources/search/search_request.h"
#include "fhir_resources/storage/target_id.h"

namespace flint::fhir {
namespace {

// Every (type, reference parameter) that puts a resource in a patient's compartment, from the
// CompartmentDefinition, limited to parameters Flint indexes.
ReferencedFromPatient compartmentReach(const std::string& patientId) {
  static const ReferencedFromPatient shape = [] {
    ReferencedFromPatient r;
    for (const auto& type : Definitions::get().resourceTypes())
      for (const auto& param : Definitions::get().patientCompartmentParams(type))
        if (commonIndexedParam({type}, param) != nullptr) r.members.emplace_back(type, param);
    return r;
  }();
  ReferencedFromPatient out = shape;
  out.patientId = patientId;
  return out;
}

}  // namespace

void restrictToPatientCompartment(ResourceQuery& query, const std::string& patientId) {
  restrictToPatientCompartments(query, {patientId});
}

void restrictToPatientCompartments(ResourceQuery& query, const std::vector<std::string>& patientIds) {
  const std::string& type = query.types.front();
  IndexCondition membership{IndexCondition::Table::Reference, {}, {}, false, {}, false};
  for (const auto& param : Definitions::get().patientCompartmentParams(type))
    if (commonIndexedParam({type}, param) != nullptr) membership.params.push_back(param);
  if (membership.params.empty()) throw FhirError(404, "not-found", type + " is not in the Patient compartment");
  if (patientIds.empty())
    membership.anyOf.push_back({"x.target_type = 'Patient'", {}});
  else if (patientIds.size() == 1)
    membership.anyOf.push_back(
        {"x.target_type = 'Patient' AND x.target_id = ?::bytea", {storedTargetIdParam(patientIds.front())}});
  else
    membership.anyOf.push_back(
        {"x.target_type = 'Patient' AND x.target_id = ANY(?::bytea[])", {storedTargetIdsParam(patientIds)}});
  query.conditions.push_back(std::move(membership));
}

void restrictToAccess(ResourceQuery& query, const Access& access, Permission permission, const std::string& baseUrl) {
  // What a chain or _has link reaches is searched too, so it obeys the same rules.
  for (auto& condition : query.conditions)
    for (auto& linked : condition.linked) {
      requirePermission(access, linked->types.front(), kSearch);
      restrictToAccess(*linked, access, kSearch, baseUrl);
    }
  const std::string& type = query.types.front();
  if (const std::string& patient = access.referencingPatient(type, permission); !patient.empty())
    query.referencedFrom = compartmentReach(patient);
  if (const std::string& patient = access.compartmentPatient(type, permission); !patient.empty()) {
    if (type != "Patient") {
      restrictToPatientCompartment(query, patient);
    } else if (auto& ids = query.ids; ids.empty() || std::find(ids.begin(), ids.end(), patient) != ids.end()) {
      ids.assign({patient});
    } else {
      query.matchesNothing = true;
    }
  }
  if (auto filter = access.filter(type, permission)) {
    ParsedSearch narrowing = parseSearch({type}, {{filter->first, filter->second}}, baseUrl, true);
    query.matchesNothing |= narrowing.query.matchesNothing;
    for (auto& c : narrowing.query.conditions) query.conditions.push_back(std::move(c));
  }
}

void restrictToPatientRecord(ResourceQuery& query, const std::string& patientId, FhirContext& ctx,
                             const std::string& baseUrl) {
  requirePermission(ctx.access, "Patient", kRead);
  if (!visibleTo(ctx, "Patient", patientId, kRead, baseUrl))
    throw FhirError(403, "forbidden", "Patient/" + patientId + " is outside what the access token grants");
  std::vector<std::string> types;
  std::vector<IndexCondition> filters;
  for (const auto& type : query.types) {
    if (!ctx.access.allows(type, kSearch)) continue;
    // patient/ scopes bound a type to a patient's record: this record, or none of it.
    const std::string& bound = ctx.access.compartmentPatient(type, kSearch);
    const std::string& reach = ctx.access.referencingPatient(type, kSearch);
    if ((!bound.empty() && bound != patientId) || (!reach.empty() && reach != patientId)) continue;
    if (auto filter = ctx.access.filter(type, kSearch)) {
      ParsedSearch narrowing = parseSearch({type}, {{filter->first, filter->second}}, baseUrl, true);
      if (narrowing.query.matchesNothing) continue;
      for (auto& c : narrowing.query.conditions) {
        c.onlyForType = type;
        filters.push_back(std::move(c));
      }
    }
    types.push_back(type);
  }
  query.types = types;
  query.matchesNothing |= types.empty();
  for (auto& c : filters) query.conditions.push_back(std::move(c));
  query.referencedFrom = compartmentReach(patientId);
  query.referencedFrom->wholeRecord = true;
}

bool visibleWhole(const Access& access, const std::string& type, Permission permission) {
  return access.compartmentPatient(type, permission).empty() && access.referencingPatient(type, permission).empty() &&
         !access.filter(type, permission);
}

bool visibleTo(FhirContext& ctx, const std::string& type, const std::string& id, Permission permission,
               const std::string& baseUrl) {
  if (visibleWhole(ctx.access, type, permission)) return true;
  ResourceQuery q;
  q.types = {type};
  q.ids = {id};
  q.limit = 1;
  restrictToAccess(q, ctx.access, permission, baseUrl);
  return !q.matchesNothing && !ResourceRepository(ctx.session, ctx.instance).list(q).empty();
}

}  // namespace flint::fhir
