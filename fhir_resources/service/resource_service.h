// The rules of reading and writing resources — versions, meta, deletion, update-as-create —
// between the interactions (which speak FHIR REST) and the repository (which speaks SQL).
#pragma once

#include <optional>
#include <string>

#include "core/json/json_value.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

struct WriteResult {
  ResourceRow row;
  bool created = false;
};

class ResourceService {
 public:
  // Writes hold resources to the US Core profiles `instance`'s profile validation asks for.
  ResourceService(ResourceRepository& repository, const instances::Instance& instance)
      : repo_(repository), instance_(instance) {}

  // The current version; 404 when unknown, 410 when deleted.
  ResourceRow read(const std::string& type, const std::string& id);
  // A given version; 404 when unknown, 410 when that version is a deletion.
  ResourceRow vread(const std::string& type, const std::string& id, int64_t versionId);
  // What a read (or vread) of `key` answers when the repository found `row`: the row, or the
  // FhirError for what it found instead.
  static ResourceRow readable(const RowKey& key, std::optional<ResourceRow> row);

  // Creates with a new server-assigned id, or with `assignedId` when the caller already chose one.
  WriteResult create(const std::string& type, json::Value resource, const std::string& assignedId = "");
  // PUT: updates, or creates with the client's id; `ifMatch` is the version the client expects.
  WriteResult update(const std::string& type, const std::string& id, json::Value resource,
                     std::optional<int64_t> ifMatch);
  // Applies a JSON Patch to the current version and stores the (validated) result.
  WriteResult patch(const std::string& type, const std::string& id, const json::Value& patch,
                    std::optional<int64_t> ifMatch);
  // The deletion's history row, or nothing when the resource was already deleted.
  std::optional<ResourceRow> remove(const std::string& type, const std::string& id, std::optional<int64_t> ifMatch);

 private:
  // Structure, then profiles: 400 or 422 naming every problem.
  void validate(const json::Value& resource, const std::string& type) const;

  ResourceRepository& repo_;
  const instances::Instance& instance_;
};

}  // namespace flint::fhir
