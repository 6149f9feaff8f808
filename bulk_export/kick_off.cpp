// $export kick-off: checks what is asked against what the caller may read, resolves a Group's
// members, and queues the job (202 with the polling URL in Content-Location).
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "bulk_export/bulk_export.h"
#include "bulk_export/export_job.h"
#include "bulk_export/export_selection.h"
#include "bulk_export/job_store.h"
#include "core/instances/data_routing.h"
#include "core/instances/replica_router.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/url_encoding.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::bulk {
namespace {

using fhir::FhirError;

// The Patients a Group's members are, following member Groups (each once); inactive members
// are left out.
void collectMembers(fhir::ResourceRepository& repo, const std::string& groupId, std::set<std::string>& seenGroups,
                    std::vector<std::string>& patients) {
  if (!seenGroups.insert(groupId).second) return;
  auto row = repo.current("Group", groupId);
  if (!row || row->deleted) {
    if (seenGroups.size() == 1) throw FhirError(404, "not-found", "Group/" + groupId + " is not known");
    return;
  }
  const auto group = nlohmann::json::parse(row->content);
  for (const auto& member : group.value("member", nlohmann::json::array())) {
    if (member.value("inactive", false)) continue;
    const std::string reference = member.value("entity", nlohmann::json::object()).value("reference", "");
    if (reference.rfind("Patient/", 0) == 0)
      patients.push_back(reference.substr(8));
    else if (reference.rfind("Group/", 0) == 0)
      collectMembers(repo, reference.substr(6), seenGroups, patients);
  }
}

// One line of the job's error file.
std::string errorLine(std::string_view severity, std::string_view code, std::string_view diagnostics) {
  return fhir::operationOutcome(severity, code, diagnostics);
}

// The patients of a POST kick-off's patient parameter become the job's: at the Group level only
// the Group's members, at the Patient level as asked. Those left out or not known are reported
// in the error file rather than failing the export, as the IG asks.
void selectPatients(const ExportRequest& request, ExportJob& job, fhir::ResourceRepository& repo,
                    const std::string& groupId) {
  std::vector<std::string> asked = request.patients;
  std::sort(asked.begin(), asked.end());
  asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
  std::vector<std::string> chosen;
  for (const auto& patient : asked) {
    if (job.level == ExportLevel::Group && !std::binary_search(job.members.begin(), job.members.end(), patient)) {
      job.errors.push_back(errorLine("error", "not-found",
                                     "Patient/" + patient + " is not a member of Group/" + groupId + "; not exported"));
      continue;
    }
    chosen.push_back(patient);
  }
  std::set<std::string> known;
  for (const auto& row : repo.currentOf("Patient", chosen, fhir::ResourceRepository::ListedContent::Size))
    if (!row.deleted) known.insert(row.id);
  for (const auto& patient : chosen)
    if (!known.count(patient))
      job.errors.push_back(errorLine("error", "not-found", "Patient/" + patient + " is not known; nothing exported for it"));
  // Unknown patients stay: they match nothing, and a Patient export of none must not become one
  // of every patient.
  job.members = std::move(chosen);
}

std::string requestUrl(const fhir::FhirRequest& req) {
  std::string url = req.baseUrl;
  for (const auto& segment : req.segments) {
    url += '/';
    // '$' may stand in a path segment as it is: the request reads [base]/$export, as sent.
    std::string encoded = fhir::percentEncode(segment);
    if (encoded.rfind("%24", 0) == 0) encoded.replace(0, 3, "$");
    url += encoded;
  }
  if (!req.params.empty()) {
    url += '?';
    url += fhir::encodeQuery(req.params);
  }
  return url;
}

// The types to export: those asked for (each of which the caller must be allowed to read), or
// every type of the level that the caller may read.
std::vector<std::string> exportedTypes(const ExportRequest& request, const fhir::Access& access) {
  const auto& ofLevel = typesOfLevel(request.level);
  std::vector<std::string> types;
  if (request.types.empty()) {
    for (const auto& type : ofLevel)
      if (access.allows(type, fhir::kSearch)) types.push_back(type);
    if (types.empty()) throw FhirError(403, "forbidden", "the access token grants no resource type to export");
    return types;
  }
  for (const auto& type : request.types) {
    if (std::find(ofLevel.begin(), ofLevel.end(), type) == ofLevel.end())
      throw FhirError(400, "not-supported", type + " is not part of a " + levelName(request.level) + " export", "_type");
    if (!access.allows(type, fhir::kSearch))
      throw FhirError(403, "forbidden", "the access token does not grant reading " + type, "_type");
  }
  // In the level's order, which puts the types that reference before those referenced.
  for (const auto& type : ofLevel)
    if (std::find(request.types.begin(), request.types.end(), type) != request.types.end()) types.push_back(type);
  return types;
}

}  // namespace

std::string BulkExport::jobUrl(const instances::Instance& instance, const std::string& jobId) const {
  return publicUrl_ + "/" + instance.name + "/bulk/" + jobId;
}

ExportResponse BulkExport::kickOff(const instances::Instance& instance, db::Session& control, const Caller& caller,
                                   const fhir::FhirRequest& req, ExportLevel level, const std::string& groupId) {
  const ExportRequest request = parseExportRequest(req, level, groupId);
  ExportJob job;
  job.level = level;
  job.types = exportedTypes(request, caller.access);
  fhir::ResourceRepository repo(instances::primarySession(instance), instance);
  if (level == ExportLevel::Group) {
    if (!caller.access.allows("Group", fhir::kRead))
      throw FhirError(403, "forbidden", "exporting a Group needs permission to read it");
    std::set<std::string> seenGroups;
    collectMembers(repo, groupId, seenGroups, job.members);
    std::sort(job.members.begin(), job.members.end());
    job.members.erase(std::unique(job.members.begin(), job.members.end()), job.members.end());
  }
  if (!request.patients.empty()) selectPatients(request, job, repo, groupId);
  for (const auto& filter : request.typeFilters) {
    const std::string type = filter.substr(0, filter.find('?'));
    if (std::find(job.types.begin(), job.types.end(), type) == job.types.end())
      throw FhirError(400, "invalid", "_typeFilter '" + filter + "' names a type this export does not hold", "_typeFilter");
  }
  if (request.provenance != ProvenanceSelection::OfType) {
    if (!caller.access.allows("Provenance", fhir::kSearch))
      throw FhirError(403, "forbidden", "the access token does not grant reading Provenance", "includeAssociatedData");
    // Last, once what the Provenances must target has been exported.
    job.types.erase(std::remove(job.types.begin(), job.types.end(), "Provenance"), job.types.end());
    job.types.push_back("Provenance");
    job.provenance = request.provenance;
  }
  job.typeFilters = request.typeFilters;
  job.elements = request.elements;
  job.since = request.since;
  for (const auto& ignored : request.ignored)
    job.errors.push_back(errorLine("warning", "not-supported", "ignored as asked (Prefer: handling=lenient): " + ignored));
  if (job.since)
    for (const auto& type : job.types)
      if (auto why = deletionsUnreported(job, type, caller.access))
        job.errors.push_back(errorLine("information", "incomplete",
                                       "deletions of " + type + " since _since are not listed: " + *why));

  JobStore store(control);
  if (!caller.clientId.empty() && store.activeCount(instance.id, caller.clientId) >= settings_.maxConcurrentPerClient) {
    ExportResponse busy{429, fhir::operationOutcome("error", "throttled",
                                                    "this client already has " +
                                                        std::to_string(settings_.maxConcurrentPerClient) +
                                                        " exports running; wait for one to finish or cancel it")};
    busy.headers.emplace_back("Retry-After", "60");
    return busy;
  }
  job.id = crypto::hexEncode(crypto::randomBytes(16));
  job.instanceId = instance.id;
  job.clientId = caller.clientId;
  job.scope = caller.scope;
  job.patient = caller.patient;
  job.requestUrl = requestUrl(req);
  job.groupId = groupId;
  job.transactionTime = fhir::nowMillis();
  if (!instance.replicaUrls.empty())
    job.readLsn = instances::committedPosition(instances::primarySession(instance));
  store.create(job);

  std::string note = "export queued";
  if (!request.ignored.empty()) {
    note += "; ignored:";
    for (const auto& name : request.ignored) note += " " + name;
  }
  ExportResponse accepted{202, fhir::operationOutcome("information", "informational", note)};
  accepted.headers.emplace_back("Content-Location", jobUrl(instance, job.id));
  accepted.jobId = job.id;
  accepted.auditDetail = levelName(level) + (groupId.empty() ? "" : "/" + groupId) + ":";
  for (const auto& type : job.types) accepted.auditDetail += " " + type;
  if (!job.members.empty()) accepted.auditDetail += "; " + std::to_string(job.members.size()) + " patients";
  return accepted;
}

}  // namespace flint::bulk
