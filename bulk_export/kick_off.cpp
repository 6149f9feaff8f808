// $export kick-off: checks what is asked against what the caller may read, resolves a Group's
// members, and queues the job (202 with the polling URL in Content-Location).
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "bulk_export/bulk_export.h"
#include "bulk_export/export_job.h"
#include "bulk_export/export_selection.h"
#include "bulk_export/job_store.h"
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

ExportResponse BulkExport::kickOff(const instances::Instance& instance, db::Session& session, const Caller& caller,
                                   const fhir::FhirRequest& req, ExportLevel level, const std::string& groupId) {
  const ExportRequest request = parseExportRequest(req, level, groupId);
  ExportJob job;
  job.types = exportedTypes(request, caller.access);
  if (level == ExportLevel::Group) {
    if (!caller.access.allows("Group", fhir::kRead))
      throw FhirError(403, "forbidden", "exporting a Group needs permission to read it");
    fhir::ResourceRepository repo(session, instance);
    std::set<std::string> seenGroups;
    collectMembers(repo, groupId, seenGroups, job.members);
    std::sort(job.members.begin(), job.members.end());
    job.members.erase(std::unique(job.members.begin(), job.members.end()), job.members.end());
  }
  if (!request.patients.empty()) {
    std::vector<std::string> outside;
    for (const auto& patient : request.patients)
      if (level == ExportLevel::Group && !std::binary_search(job.members.begin(), job.members.end(), patient))
        outside.push_back(patient);
    if (!outside.empty()) {
      std::string list;
      for (const auto& p : outside) list += (list.empty() ? "Patient/" : ", Patient/") + p;
      throw FhirError(400, "invalid", "not members of Group/" + groupId + ": " + list, "patient");
    }
    job.members = request.patients;
    std::sort(job.members.begin(), job.members.end());
    job.members.erase(std::unique(job.members.begin(), job.members.end()), job.members.end());
  }

  for (const auto& filter : request.typeFilters) {
    const std::string type = filter.substr(0, filter.find('?'));
    if (std::find(job.types.begin(), job.types.end(), type) == job.types.end())
      throw FhirError(400, "invalid", "_typeFilter '" + filter + "' names a type this export does not hold", "_typeFilter");
  }
  if (request.relevantProvenance) {
    if (!caller.access.allows("Provenance", fhir::kSearch))
      throw FhirError(403, "forbidden", "the access token does not grant reading Provenance", "includeAssociatedData");
    // Last, once what the Provenances must target has been exported.
    job.types.erase(std::remove(job.types.begin(), job.types.end(), "Provenance"), job.types.end());
    job.types.push_back("Provenance");
    job.relevantProvenance = true;
  }
  job.typeFilters = request.typeFilters;
  job.elements = request.elements;

  JobStore store(session);
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
  job.level = level;
  job.groupId = groupId;
  job.since = request.since;
  job.transactionTime = fhir::nowMillis();
  store.create(job);

  std::string note = "export queued";
  if (!request.ignored.empty()) {
    note += "; ignored parameters:";
    for (const auto& name : request.ignored) note += " " + name;
  }
  ExportResponse accepted{202, fhir::operationOutcome("information", "informational", note)};
  accepted.headers.emplace_back("Content-Location", jobUrl(instance, job.id));
  return accepted;
}

}  // namespace flint::bulk
