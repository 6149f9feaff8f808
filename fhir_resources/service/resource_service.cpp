#include "fhir_resources/service/resource_service.h"

#include <algorithm>

#include "core/json/json_parser.h"
#include "fhir_resources/patch/json_patch.h"
#include "fhir_resources/profiles/profile_policy.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/service/stored_form.h"
#include "fhir_resources/validation/resource_validator.h"

namespace flint::fhir {
namespace {

// A version's time never goes before its predecessor's, even if server clocks disagree.
int64_t nextTimestamp(const std::optional<CurrentState>& current) {
  int64_t now = nowMillis();
  return current ? std::max(now, current->lastUpdated) : now;
}

void checkIfMatch(const std::optional<CurrentState>& current, std::optional<int64_t> ifMatch) {
  if (!ifMatch) return;
  if (!current || current->deleted)
    throw FhirError(412, "conflict", "If-Match names a version of a resource that does not exist");
  if (current->versionId != *ifMatch)
    throw FhirError(412, "conflict", "If-Match version " + std::to_string(*ifMatch) +
                                         " is not the current version " + std::to_string(current->versionId));
}

}  // namespace

void ResourceService::validate(const json::Value& resource, const std::string& type) const {
  validateResource(resource, type);
  enforceProfiles(resource, type, instance_.profileValidation);
}

ResourceRow ResourceService::readable(const RowKey& key, std::optional<ResourceRow> row) {
  const std::string what = key.type + "/" + key.id;
  if (key.versionId == 0) {
    if (!row) throw FhirError(404, "not-found", what + " is not known");
    if (row->deleted) throw FhirError(410, "deleted", what + " has been deleted");
  } else {
    const std::string version = std::to_string(key.versionId);
    if (!row) throw FhirError(404, "not-found", what + " has no version " + version);
    if (row->deleted) throw FhirError(410, "deleted", "version " + version + " of " + what + " is a deletion");
  }
  return std::move(*row);
}

ResourceRow ResourceService::read(const std::string& type, const std::string& id) {
  return readable({type, id, 0}, repo_.current(type, id));
}

ResourceRow ResourceService::vread(const std::string& type, const std::string& id, int64_t versionId) {
  return readable({type, id, versionId}, repo_.version(type, id, versionId));
}

WriteResult ResourceService::create(const std::string& type, json::Value resource, const std::string& assignedId) {
  validate(resource, type);
  // The server assigns the id of a created resource; any id the client sent is ignored.
  ResourceRow row{type, assignedId.empty() ? newResourceId() : assignedId, 1, nowMillis(), false, "POST", ""};
  row.content = storedForm(resource, row.id, row.versionId, row.lastUpdated);
  IndexRows index = extractIndexRows(resource);
  ResourceRepository::WriteTx tx(repo_);
  tx.put(row, &index);
  tx.commit();
  return {std::move(row), true};
}

WriteResult ResourceService::update(const std::string& type, const std::string& id, json::Value resource,
                                    std::optional<int64_t> ifMatch) {
  validate(resource, type);
  auto bodyId = resource.stringAt("id");
  if (!bodyId) throw FhirError(400, "required", "an update must carry the resource's id in the body", type + ".id");
  if (*bodyId != id)
    throw FhirError(400, "invalid", "the id in the body ('" + *bodyId + "') is not the id in the URL ('" + id + "')",
                    type + ".id");
  // Two concurrent first writes of one id can both find no row; the loser retries and sees the winner.
  for (int attempt = 0;; ++attempt) {
    try {
      ResourceRepository::WriteTx tx(repo_);
      auto current = tx.lockCurrent(type, id);
      checkIfMatch(current, ifMatch);
      bool created = !current || current->deleted;
      ResourceRow row{type, id, current ? current->versionId + 1 : 1, nextTimestamp(current), false, "PUT", ""};
      row.content = storedForm(resource, id, row.versionId, row.lastUpdated);
      IndexRows index = extractIndexRows(resource);
      tx.put(row, &index);
      tx.commit();
      return {std::move(row), created};
    } catch (const pqxx::unique_violation&) {
      if (attempt >= 2 || repo_.inSharedTransaction())
        throw FhirError(409, "conflict", "concurrent writes to " + type + "/" + id + "; retry");
    }
  }
}

WriteResult ResourceService::patch(const std::string& type, const std::string& id, const json::Value& patch,
                                   std::optional<int64_t> ifMatch) {
  ResourceRepository::WriteTx tx(repo_);
  std::string content;
  auto current = tx.lockCurrent(type, id, content);
  if (!current) throw FhirError(404, "not-found", type + "/" + id + " is not known");
  if (current->deleted) throw FhirError(410, "deleted", type + "/" + id + " has been deleted");
  checkIfMatch(current, ifMatch);
  json::Value resource = json::parse(content);
  try {
    applyJsonPatch(resource, patch);
  } catch (const MalformedPatch& e) {
    throw FhirError(400, "invalid", std::string("malformed JSON Patch: ") + e.what());
  } catch (const PatchConflict& e) {
    throw FhirError(422, "processing", std::string("the patch cannot be applied: ") + e.what());
  }
  if (!resource.isObject()) throw FhirError(422, "processing", "the patch must leave a resource (a JSON object)");
  validate(resource, type);
  if (resource.stringAt("id") != id) throw FhirError(422, "processing", "a patch must not change the resource's id");
  ResourceRow row{type, id, current->versionId + 1, nextTimestamp(current), false, "PATCH", ""};
  row.content = storedForm(resource, id, row.versionId, row.lastUpdated);
  IndexRows index = extractIndexRows(resource);
  tx.put(row, &index);
  tx.commit();
  return {std::move(row), false};
}

std::optional<ResourceRow> ResourceService::remove(const std::string& type, const std::string& id,
                                                   std::optional<int64_t> ifMatch) {
  ResourceRepository::WriteTx tx(repo_);
  auto current = tx.lockCurrent(type, id);
  if (!current) throw FhirError(404, "not-found", type + "/" + id + " is not known");
  checkIfMatch(current, ifMatch);
  if (current->deleted) return std::nullopt;
  ResourceRow row{type, id, current->versionId + 1, nextTimestamp(current), true, "DELETE", ""};
  tx.put(row, nullptr);
  tx.commit();
  return row;
}

}  // namespace flint::fhir
