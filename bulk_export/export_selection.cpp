#include "bulk_export/export_selection.h"

#include <algorithm>

#include "core/json/json_parser.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/search/search_access.h"
#include "fhir_resources/search/search_request.h"

namespace flint::bulk {
namespace {

// Not in the Patient compartment, but what its resources point at and what the certification
// kit expects in a Patient or Group export (Organization, Practitioner, Location files); those
// that reference others come first, so that what they reference is known when its turn comes.
const std::vector<std::string> kSupportingTypes = {"PractitionerRole", "Location", "Practitioner", "Medication",
                                                   "Organization"};

std::vector<std::string> patientLevelTypes() {
  const auto& definitions = fhir::Definitions::get();
  std::vector<std::string> types;
  for (const auto& type : definitions.resourceTypes())
    if ((type == "Patient" || !definitions.patientCompartmentParams(type).empty()) && type != "Provenance" &&
        std::find(kSupportingTypes.begin(), kSupportingTypes.end(), type) == kSupportingTypes.end())
      types.push_back(type);
  std::sort(types.begin(), types.end());
  types.insert(types.end(), kSupportingTypes.begin(), kSupportingTypes.end());
  // Last: the Provenances of everything exported before (a Patient's own among them).
  types.push_back("Provenance");
  return types;
}

}  // namespace

const std::vector<std::string>& typesOfLevel(ExportLevel level) {
  static const std::vector<std::string> all = fhir::Definitions::get().resourceTypes();
  static const std::vector<std::string> patient = patientLevelTypes();
  return level == ExportLevel::System ? all : patient;
}

const std::vector<std::string>& supportingTypes() { return kSupportingTypes; }

bool exportsReferencedOnly(const ExportJob& job, const std::string& type) {
  if (type == "Provenance") return job.level != ExportLevel::System || job.provenance != ProvenanceSelection::OfType;
  return job.level != ExportLevel::System &&
         std::find(kSupportingTypes.begin(), kSupportingTypes.end(), type) != kSupportingTypes.end();
}

std::optional<std::string> deletionsUnreported(const ExportJob& job, const std::string& type,
                                               const fhir::Access& access) {
  if (exportsReferencedOnly(job, type)) return "it holds only what the other resources reference";
  if (std::any_of(job.typeFilters.begin(), job.typeFilters.end(),
                  [&](const std::string& f) { return f.compare(0, type.size() + 1, type + "?") == 0; }))
    return "a _typeFilter narrows it, and what a deleted resource matched is not known";
  if (!fhir::visibleWhole(access, type, fhir::kSearch))
    return "the access token grants only part of it, and what a deleted resource matched is not known";
  return std::nullopt;
}

bool belongsToPatients(const ExportJob& job, const std::string& type, const std::string& id,
                       const std::string& resource) {
  if (job.level == ExportLevel::System) return true;
  const bool everyPatient = job.level == ExportLevel::Patient && job.members.empty();
  auto isMember = [&](const std::string& patient) {
    return everyPatient || std::binary_search(job.members.begin(), job.members.end(), patient);
  };
  if (type == "Patient") return isMember(id);
  const auto& params = fhir::Definitions::get().patientCompartmentParams(type);
  for (const auto& ref : fhir::extractIndexRows(json::parse(resource)).references)
    if (ref.targetType == "Patient" && std::find(params.begin(), params.end(), ref.param) != params.end() &&
        isMember(ref.targetId))
      return true;
  return false;
}

namespace {

// The step's query before any _typeFilter narrows it and before access rules apply.
fhir::ResourceQuery baseQuery(const ExportJob& job, const std::string& type, int limit,
                              const std::vector<std::string>& referenced) {
  fhir::ResourceQuery query;
  query.types = {type};
  query.limit = limit;
  // A type's own resources are walked by number ("#<number>", which no id can be); a supporting
  // type's by the ids recorded.
  if (!job.afterId.empty() && !exportsReferencedOnly(job, type)) {
    if (job.afterId[0] != '#' || job.afterId.size() < 2 ||
        job.afterId.find_first_not_of("0123456789", 1) != std::string::npos)
      throw std::runtime_error("the job was started by an older Flint, which walked resources by id; export again");
    query.cursor = fhir::Cursor{false, {}, std::stoll(job.afterId.substr(1))};
  }
  if (job.since) query.lastUpdated.push_back({fhir::InstantBound::Op::AtLeast, *job.since + 1, 0});
  if (exportsReferencedOnly(job, type)) {
    query.ids = referenced;
    query.matchesNothing = referenced.empty();
  } else if (job.level != ExportLevel::System) {
    if (type == "Patient") {
      query.ids = job.members;
      query.matchesNothing = job.level == ExportLevel::Group && job.members.empty();
    } else if (job.level == ExportLevel::Group && job.members.empty()) {
      query.matchesNothing = true;
    } else {
      fhir::restrictToPatientCompartments(query, job.members);
    }
  }
  return query;
}

// Adds what the search `narrowing` asks to `query`: both must hold.
void narrow(fhir::ResourceQuery& query, fhir::ResourceQuery narrowing) {
  query.matchesNothing |= narrowing.matchesNothing;
  if (!narrowing.ids.empty()) {
    if (query.ids.empty()) {
      query.ids = std::move(narrowing.ids);
    } else {
      std::vector<std::string> both;
      for (const auto& id : query.ids)
        if (std::find(narrowing.ids.begin(), narrowing.ids.end(), id) != narrowing.ids.end()) both.push_back(id);
      query.matchesNothing |= both.empty();
      query.ids = std::move(both);
    }
  }
  query.lastUpdated.insert(query.lastUpdated.end(), narrowing.lastUpdated.begin(), narrowing.lastUpdated.end());
  for (auto& c : narrowing.conditions) query.conditions.push_back(std::move(c));
}

}  // namespace

std::vector<fhir::ResourceQuery> stepQueries(const ExportJob& job, const std::string& type, const fhir::Access& access,
                                             const std::string& baseUrl, int limit,
                                             const std::vector<std::string>& referenced) {
  std::vector<fhir::ResourceQuery> queries;
  for (const auto& filter : job.typeFilters) {
    if (filter.compare(0, type.size() + 1, type + "?") != 0) continue;
    fhir::ResourceQuery query = baseQuery(job, type, limit, referenced);
    narrow(query, fhir::parseSearch({type}, parseTypeFilter(filter, baseUrl).second, baseUrl, true).query);
    queries.push_back(std::move(query));
  }
  if (queries.empty()) queries.push_back(baseQuery(job, type, limit, referenced));
  // Last, so that what a filter's chains and _has reach obeys the scopes too.
  for (auto& query : queries) fhir::restrictToAccess(query, access, fhir::kSearch, baseUrl);
  return queries;
}

}  // namespace flint::bulk
