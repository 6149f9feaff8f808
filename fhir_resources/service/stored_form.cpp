#include "fhir_resources/service/stored_form.h"

#include "core/json/json_writer.h"
#include "fhir_resources/rest/instant.h"

namespace flint::fhir {

std::string storedForm(json::Value& resource, const std::string& id, int64_t versionId, int64_t lastUpdated) {
  json::Value meta = json::Value::object();
  if (json::Value* existing = resource.find("meta")) meta = std::move(*existing);
  meta.setFront("lastUpdated", json::Value::string(formatInstant(lastUpdated)));
  meta.setFront("versionId", json::Value::string(std::to_string(versionId)));
  json::Value resourceType = *resource.find("resourceType");
  resource.erase("meta");
  resource.setFront("meta", std::move(meta));
  resource.setFront("id", json::Value::string(id));
  resource.setFront("resourceType", std::move(resourceType));
  return json::write(resource);
}

}  // namespace flint::fhir
