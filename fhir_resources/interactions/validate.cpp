// $validate: POST [type]/$validate and POST [type]/[id]/$validate. The answer is an
// OperationOutcome with 200 whether or not the resource is valid (R4); 4xx only when the request
// itself cannot be understood.
#include "core/json/json_value.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/write_request.h"
#include "fhir_resources/profiles/profile_policy.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/storage/resource_repository.h"
#include "fhir_resources/validation/resource_validator.h"

namespace flint::fhir {
namespace {

struct ValidateRequest {
  std::optional<json::Value> resource;
  std::string mode;     // empty (a plain check), create, update or delete
  std::string profile;  // a profile to check against instead of the claimed ones
};

std::string parameterText(const json::Value& parameter) {
  for (const char* key : {"valueCode", "valueUri", "valueCanonical", "valueString", "valueUrl"})
    if (auto text = parameter.stringAt(key)) return *text;
  throw FhirError(400, "invalid", "parameter '" + parameter.stringAt("name").value_or("") + "' needs a value");
}

// The resource, mode and profile, from a Parameters body or the resource itself as the body,
// and from the query string.
ValidateRequest readRequest(const FhirRequest& req) {
  ValidateRequest out;
  for (const auto& [name, value] : req.params) {
    if (name == "mode") out.mode = value;
    else if (name == "profile") out.profile = value;
  }
  if (!req.body.empty()) {
    json::Value body = resourceBody(req);
    if (body.stringAt("resourceType") == "Parameters") {
      if (const json::Value* parameters = body.find("parameter"); parameters != nullptr && parameters->isArray())
        for (const auto& p : parameters->items()) {
          const std::string name = p.stringAt("name").value_or("");
          if (name == "resource") {
            if (const json::Value* r = p.find("resource")) out.resource = *r;
          } else if (name == "mode") {
            out.mode = parameterText(p);
          } else if (name == "profile") {
            out.profile = parameterText(p);
          }
        }
    } else {
      out.resource = std::move(body);
    }
  }
  if (!out.mode.empty() && out.mode != "create" && out.mode != "update" && out.mode != "delete")
    throw FhirError(400, "invalid", "mode must be create, update or delete");
  if (!out.resource && out.mode != "delete") throw FhirError(400, "required", "$validate needs a resource to check");
  return out;
}

std::vector<Issue> validationIssues(const json::Value& resource, const std::string& type, const std::string& profileUrl,
                                    const std::string& instanceMode) {
  std::vector<Issue> issues;
  try {
    validateResource(resource, type);
  } catch (const FhirError& e) {
    for (Issue issue : e.issues()) {
      issue.severity = "error";
      issues.push_back(std::move(issue));
    }
    return issues;
  }
  ProfileCheck check;
  if (!profileUrl.empty()) {
    const Profile* profile = ProfileTable::get().find(profileUrl);
    if (profile == nullptr) throw FhirError(400, "not-supported", "Flint does not know the profile " + profileUrl);
    if (profile->type != type)
      throw FhirError(400, "invalid", profile->name + " constrains " + profile->type + ", not " + type);
    check.profiles.push_back(profile);
  } else {
    // A client asking is told about what it claims even where the instance does not enforce it.
    check = profilesFor(resource, type, instanceMode == "required" ? "required" : "claimed");
  }
  for (Issue& issue : checkProfiles(resource, check)) issues.push_back(std::move(issue));
  return issues;
}

}  // namespace

FhirResponse validateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type,
                                 const std::string& id) {
  ValidateRequest request = readRequest(req);
  std::vector<Issue> issues;
  if (request.mode == "delete") {
    if (id.empty()) throw FhirError(400, "required", "mode=delete needs the resource's id: POST [type]/[id]/$validate");
    ResourceRepository repo(ctx.session, ctx.instance);
    auto current = repo.current(type, id);
    if (!current || current->deleted)
      issues.push_back({"not-found", type + "/" + id + " is not known, so there is nothing to delete", "", "error"});
  } else {
    const json::Value& resource = *request.resource;
    issues = validationIssues(resource, type, request.profile, ctx.instance.profileValidation);
    auto bodyId = resource.stringAt("id");
    if (request.mode == "update" && !bodyId)
      issues.push_back({"required", "an update must carry the resource's id", type + ".id", "error"});
    if (!id.empty() && bodyId && *bodyId != id)
      issues.push_back({"invalid", "the id in the body ('" + *bodyId + "') is not the id in the URL ('" + id + "')",
                        type + ".id", "error"});
  }
  if (issues.empty()) issues.push_back({"informational", "no issues found", "", "information"});
  FhirResponse response;
  response.body = operationOutcome("error", issues);
  return response;
}

}  // namespace flint::fhir
