#include "bulk_export/export_selection.h"

#include <algorithm>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/search_access.h"

namespace flint::bulk {
namespace {

// Not in the Patient compartment, but what its resources point at and what the certification
// kit expects in a Patient or Group export (Organization, Practitioner, Location files).
const std::vector<std::string> kSupportingTypes = {"Location", "Medication", "Organization", "Practitioner",
                                                   "PractitionerRole"};

std::vector<std::string> patientLevelTypes() {
  const auto& definitions = fhir::Definitions::get();
  std::vector<std::string> types = kSupportingTypes;
  for (const auto& type : definitions.resourceTypes())
    if (type == "Patient" || !definitions.patientCompartmentParams(type).empty()) types.push_back(type);
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

}  // namespace

const std::vector<std::string>& typesOfLevel(ExportLevel level) {
  static const std::vector<std::string> all = fhir::Definitions::get().resourceTypes();
  static const std::vector<std::string> patient = patientLevelTypes();
  return level == ExportLevel::System ? all : patient;
}

fhir::ResourceQuery stepQuery(const ExportJob& job, const std::string& type, const fhir::Access& access,
                              const std::string& baseUrl, int limit) {
  fhir::ResourceQuery query;
  query.types = {type};
  query.limit = limit;
  if (!job.afterId.empty()) query.cursor = fhir::Cursor{false, {}, type, job.afterId};
  if (job.since) query.lastUpdated.push_back({fhir::InstantBound::Op::AtLeast, *job.since + 1, 0});
  const bool supporting = std::find(kSupportingTypes.begin(), kSupportingTypes.end(), type) != kSupportingTypes.end();
  if (job.level != ExportLevel::System && !supporting) {
    if (type == "Patient") {
      query.ids = job.members;
      query.matchesNothing = job.level == ExportLevel::Group && job.members.empty();
    } else if (job.level == ExportLevel::Group && job.members.empty()) {
      query.matchesNothing = true;
    } else {
      fhir::restrictToPatientCompartments(query, job.members);
    }
  }
  fhir::restrictToAccess(query, access, fhir::kSearch, baseUrl);
  return query;
}

}  // namespace flint::bulk
