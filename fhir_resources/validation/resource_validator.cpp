#include "fhir_resources/validation/resource_validator.h"

#include <cmath>
#include <cstdlib>

#include "core/json/json_parser.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/validation/structure_validator.h"

namespace flint::fhir {
namespace {

// JSON allows numbers no client can represent (1e999999); FHIR numbers must fit a double.
const json::Value* firstUnrepresentableNumber(const json::Value& v) {
  switch (v.type()) {
    case json::Type::Number:
      return std::isfinite(std::strtod(v.text().c_str(), nullptr)) ? nullptr : &v;
    case json::Type::Array:
      for (const auto& item : v.items())
        if (const auto* bad = firstUnrepresentableNumber(item)) return bad;
      return nullptr;
    case json::Type::Object:
      for (const auto& [key, value] : v.members())
        if (const auto* bad = firstUnrepresentableNumber(value)) return bad;
      return nullptr;
    default:
      return nullptr;
  }
}

}  // namespace

json::Value parseResourceBody(std::string_view body) {
  if (body.empty()) throw FhirError(400, "invalid", "the request body is empty; a FHIR JSON resource is required");
  json::Value value;
  try {
    value = json::parse(body);
  } catch (const json::ParseError& e) {
    throw FhirError(400, "invalid", std::string("the body is not valid JSON: ") + e.what());
  }
  if (!value.isObject()) throw FhirError(400, "invalid", "the body must be a JSON object (a FHIR resource)");
  return value;
}

void validateResource(const json::Value& resource, const std::string& type) {
  const json::Value* resourceType = resource.find("resourceType");
  if (resourceType == nullptr || !resourceType->isString())
    throw FhirError(400, "required", "resourceType is missing", "resourceType");
  if (!Definitions::get().isResourceType(resourceType->text()))
    throw FhirError(400, "invalid", "unknown resourceType '" + resourceType->text() + "'", "resourceType");
  if (resourceType->text() != type)
    throw FhirError(400, "invalid", "resourceType '" + resourceType->text() + "' does not match the URL's type '" +
                                        type + "'", "resourceType");
  if (const json::Value* id = resource.find("id")) {
    if (!id->isString() || !isValidId(id->text()))
      throw FhirError(400, "value", "id must be 1 to 64 characters of A-Z, a-z, 0-9, '-' and '.'", type + ".id");
  }
  if (const json::Value* meta = resource.find("meta"); meta != nullptr && !meta->isObject())
    throw FhirError(400, "structure", "meta must be an object", type + ".meta");
  if (const json::Value* bad = firstUnrepresentableNumber(resource))
    throw FhirError(400, "value", "the number " + bad->text().substr(0, 40) + " is out of range");
  if (auto issues = validateStructure(resource); !issues.empty()) throw FhirError(400, std::move(issues));
}

}  // namespace flint::fhir
