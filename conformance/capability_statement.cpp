#include "conformance/capability_statement.h"

#include <algorithm>

#include "core/json/json_writer.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/profiles/profile_table.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/supported_features.h"
#include "fhir_resources/search/index/index_rows.h"

namespace flint::conformance {
namespace {

using json::Value;

Value strings(const std::vector<std::string>& items) {
  Value out = Value::array();
  for (const auto& s : items) out.push(Value::string(s));
  return out;
}

Value interactions(const std::vector<std::string>& codes) {
  Value out = Value::array();
  for (const auto& code : codes) {
    Value i = Value::object();
    i.set("code", Value::string(code));
    out.push(std::move(i));
  }
  return out;
}

Value operation(const char* name, const char* definition) {
  Value op = Value::object();
  op.set("name", Value::string(name));
  op.set("definition", Value::string(definition));
  return op;
}

Value resourceEntry(const std::string& type, const fhir::SupportedFeatures& features,
                    const std::string& conditionalDelete) {
  Value r = Value::object();
  r.set("type", Value::string(type));
  r.set("profile", Value::string("http://hl7.org/fhir/StructureDefinition/" + type));
  // Every profile Flint validates this type against ($validate, and writes under the instance's
  // profile validation setting).
  Value profiles = Value::array();
  for (const auto& p : fhir::ProfileTable::get().profiles())
    if (p->kind == "resource" && p->type == type) profiles.push(Value::string(p->canonical()));
  if (!profiles.items().empty()) r.set("supportedProfile", std::move(profiles));
  r.set("interaction", interactions(features.typeInteractions));
  r.set("versioning", Value::string("versioned"));
  r.set("readHistory", Value::boolean(true));
  r.set("updateCreate", Value::boolean(true));
  r.set("conditionalCreate", Value::boolean(true));
  r.set("conditionalRead", Value::string("full-support"));
  r.set("conditionalUpdate", Value::boolean(true));
  r.set("conditionalDelete", Value::string(conditionalDelete));
  Value params = Value::array();
  auto add = [&](const fhir::SearchParamDef& def) {
    Value sp = Value::object();
    sp.set("name", Value::string(def.code));
    sp.set("definition", Value::string(def.url));
    sp.set("type", Value::string(def.type));
    params.push(std::move(sp));
  };
  for (const auto& name : features.commonSearchParams)
    for (const auto* def : fhir::Definitions::get().searchParams(type))
      if (def->code == name) add(*def);
  for (const auto* def : fhir::indexedSearchParams(type)) add(*def);
  r.set("searchParam", std::move(params));
  std::string unsupported;
  for (const auto* def : fhir::unsupportedSearchParams(type)) unsupported += (unsupported.empty() ? "" : ", ") + def->code;
  if (!unsupported.empty())
    r.set("documentation", Value::string("Search parameters of the specification that Flint does not support (a search "
                                         "naming one is refused under Prefer: handling=strict, else reported and "
                                         "ignored): " + unsupported + "."));
  Value includes = Value::array();
  for (const auto* def : fhir::indexedSearchParams(type))
    if (def->type == "reference") includes.push(Value::string(type + ":" + def->code));
  if (!includes.items().empty()) r.set("searchInclude", std::move(includes));
  Value revIncludes = Value::array();
  for (const auto& source : fhir::Definitions::get().resourceTypes())
    for (const auto* def : fhir::indexedSearchParams(source))
      if (def->type == "reference" && std::find(def->target.begin(), def->target.end(), type) != def->target.end())
        revIncludes.push(Value::string(source + ":" + def->code));
  if (!revIncludes.items().empty()) r.set("searchRevInclude", std::move(revIncludes));
  Value operations = Value::array();
  if (type == "Patient") {
    operations.push(operation("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything"));
    operations.push(operation("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"));
  }
  if (type == "Group")
    operations.push(operation("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"));
  operations.push(operation("validate", "http://hl7.org/fhir/OperationDefinition/Resource-validate"));
  r.set("operation", std::move(operations));
  return r;
}

Value coding(const std::string& system, const std::string& code) {
  Value c = Value::object();
  c.set("system", Value::string(system));
  c.set("code", Value::string(code));
  return c;
}

// SMART App Launch 2.x, section 2.1: the service, and the endpoints in the oauth-uris extension.
Value smartSecurity(const std::string& authBase) {
  Value uris = Value::array();
  for (const char* name : {"authorize", "token", "revoke", "introspect", "manage"}) {
    Value u = Value::object();
    u.set("url", Value::string(name));
    u.set("valueUri", Value::string(authBase + "/" + name));
    uris.push(std::move(u));
  }
  Value oauth = Value::object();
  oauth.set("url", Value::string("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"));
  oauth.set("extension", std::move(uris));
  Value extensions = Value::array();
  extensions.push(std::move(oauth));
  Value codings = Value::array();
  codings.push(coding("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR"));
  Value service = Value::object();
  service.set("coding", std::move(codings));
  service.set("text", Value::string("OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)"));
  Value services = Value::array();
  services.push(std::move(service));
  Value security = Value::object();
  security.set("extension", std::move(extensions));
  security.set("cors", Value::boolean(true));
  security.set("service", std::move(services));
  return security;
}

}  // namespace

std::string capabilityStatement(const std::string& baseUrl, const std::string& authBase,
                                const std::string& softwareVersion, const fhir::FhirSettings& settings) {
  const std::string conditionalDelete = settings.conditionalDeleteMultiple ? "multiple" : "single";
  const auto& defs = fhir::Definitions::get();
  const auto& features = fhir::supportedFeatures();
  Value cs = Value::object();
  cs.set("resourceType", Value::string("CapabilityStatement"));
  cs.set("status", Value::string("active"));
  cs.set("date", Value::string(fhir::formatInstant(fhir::nowMillis()).substr(0, 10)));
  cs.set("publisher", Value::string("Flint"));
  cs.set("kind", Value::string("instance"));
  // US Core: every version whose profiles Flint validates, with every profile's SHALL and SHOULD
  // searches, includes and Provenance revincludes. Bulk Data 2.0 export at system, Patient and
  // Group level (bulk_export/).
  std::vector<std::string> instantiated;
  for (const auto& version : fhir::ProfileTable::get().versions())
    instantiated.push_back("http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|" + version);
  instantiated.push_back("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data");
  cs.set("instantiates", strings(instantiated));
  Value software = Value::object();
  software.set("name", Value::string("Flint"));
  software.set("version", Value::string(softwareVersion));
  cs.set("software", std::move(software));
  Value implementation = Value::object();
  implementation.set("description", Value::string("Flint FHIR R4 server"));
  implementation.set("url", Value::string(baseUrl));
  cs.set("implementation", std::move(implementation));
  cs.set("fhirVersion", Value::string(defs.fhirVersion()));
  cs.set("format", strings({"json", "application/fhir+json"}));
  Value rest = Value::object();
  rest.set("mode", Value::string("server"));
  if (!authBase.empty()) rest.set("security", smartSecurity(authBase));
  Value resources = Value::array();
  for (const auto& type : defs.resourceTypes()) resources.push(resourceEntry(type, features, conditionalDelete));
  rest.set("resource", std::move(resources));
  rest.set("interaction", interactions(features.systemInteractions));
  Value systemOperations = Value::array();
  systemOperations.push(operation("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"));
  rest.set("operation", std::move(systemOperations));
  rest.set("compartment", strings({"http://hl7.org/fhir/CompartmentDefinition/patient"}));
  Value restList = Value::array();
  restList.push(std::move(rest));
  cs.set("rest", std::move(restList));
  return json::write(cs);
}

}  // namespace flint::conformance
