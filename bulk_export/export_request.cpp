#include "bulk_export/export_request.h"

#include <algorithm>

#include "core/json/json_parser.h"
#include "core/url/query_string.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/search/date_range.h"
#include "fhir_resources/search/index_condition.h"
#include "fhir_resources/search/search_request.h"

namespace flint::bulk {
namespace {

using fhir::FhirError;

bool isNdjson(const std::string& format) {
  return format == "application/fhir+ndjson" || format == "application/ndjson" || format == "ndjson";
}

// The parameters of a POST kick-off's Parameters resource as (name, value) text pairs; a
// patient parameter's valueReference becomes its "Patient/id" reference.
fhir::Params parametersResource(const fhir::FhirRequest& req) {
  if (!req.body.empty() && !fhir::isJsonContentType(req.contentType))
    throw FhirError(415, "not-supported", "a POST kick-off takes a Parameters resource as application/fhir+json");
  fhir::Params params = req.params;
  if (req.body.empty()) return params;
  json::Value body;
  try {
    body = json::parse(req.body);
  } catch (const json::ParseError& e) {
    throw FhirError(400, "invalid", std::string("the body is not valid JSON: ") + e.what());
  }
  if (!body.isObject() || body.stringAt("resourceType") != "Parameters")
    throw FhirError(400, "invalid", "a POST kick-off takes a Parameters resource");
  const json::Value* list = body.find("parameter");
  if (list == nullptr) return params;
  if (!list->isArray()) throw FhirError(400, "invalid", "Parameters.parameter must be an array");
  for (const auto& p : list->items()) {
    auto name = p.isObject() ? p.stringAt("name") : std::nullopt;
    if (!name) throw FhirError(400, "invalid", "every Parameters.parameter needs a name");
    std::optional<std::string> value;
    for (const char* key : {"valueString", "valueInstant", "valueCode", "valueDateTime", "valueUri"})
      if (!value) value = p.stringAt(key);
    if (const json::Value* ref = p.find("valueReference"); !value && ref != nullptr && ref->isObject())
      value = ref->stringAt("reference");
    if (!value) throw FhirError(400, "invalid", "parameter '" + *name + "' has no value Flint understands");
    params.emplace_back(*name, *value);
  }
  return params;
}

std::string patientIdOf(const std::string& reference) {
  std::string id = reference.rfind("Patient/", 0) == 0 ? reference.substr(8) : "";
  if (!fhir::isValidId(id))
    throw FhirError(400, "invalid", "patient must reference a Patient (Patient/[id]), not '" + reference + "'",
                    "patient");
  return id;
}

// A _typeFilter value may list several searches separated by commas; a comma starts a new one
// only where a type follows ("...,Condition?..."), since commas also separate a search's values.
std::vector<std::string> splitTypeFilters(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] != ',') continue;
    const size_t question = i < value.size() ? value.find('?', i + 1) : std::string::npos;
    const std::string next = question == std::string::npos ? "" : value.substr(i + 1, question - i - 1);
    if (i < value.size() && !fhir::Definitions::get().isResourceType(next)) continue;
    out.push_back(value.substr(start, i - start));
    start = i + 1;
  }
  return out;
}

}  // namespace

std::pair<std::string, fhir::Params> parseTypeFilter(const std::string& filter, const std::string& baseUrl) {
  const size_t question = filter.find('?');
  const std::string type = filter.substr(0, question);
  if (question == std::string::npos || !fhir::Definitions::get().isResourceType(type))
    throw FhirError(400, "invalid", "_typeFilter '" + filter + "' is not of the form Type?search", "_typeFilter");
  auto params = url::parseQuery(filter.substr(question + 1));
  if (!params || params->empty())
    throw FhirError(400, "invalid", "_typeFilter '" + filter + "' has no search", "_typeFilter");
  for (const auto& [name, value] : *params)
    if (name == "_include" || name == "_revinclude" || name == "_sort" || name == "_count" || name == "_elements" ||
        name == "_summary" || name == "_total" || name.rfind("_include:", 0) == 0 || name.rfind("_revinclude:", 0) == 0)
      throw FhirError(400, "not-supported", "_typeFilter searches take no " + name, "_typeFilter");
  fhir::Params search(params->begin(), params->end());
  fhir::parseSearch({type}, search, baseUrl, true);
  return {type, std::move(search)};
}

std::optional<fhir::ElementFilter> elementsFor(const std::vector<std::string>& elements, const std::string& type) {
  fhir::ElementFilter filter{fhir::ElementFilter::Mode::Elements, {}};
  for (const auto& element : elements) {
    const size_t dot = element.find('.');
    if (dot == std::string::npos)
      filter.elements.insert(element);
    else if (element.compare(0, dot, type) == 0 && dot == type.size())
      filter.elements.insert(element.substr(dot + 1));
  }
  if (filter.elements.empty()) return std::nullopt;
  return filter;
}

const char* levelName(ExportLevel level) {
  switch (level) {
    case ExportLevel::System:
      return "system";
    case ExportLevel::Patient:
      return "patient";
    case ExportLevel::Group:
      return "group";
  }
  return "";
}

ExportRequest parseExportRequest(const fhir::FhirRequest& req, ExportLevel level, std::string groupId) {
  ExportRequest out;
  out.level = level;
  out.groupId = std::move(groupId);
  const bool lenient = fhir::parsePrefer(req.prefer).lenientHandling;
  const fhir::Params params = req.method == "POST" ? parametersResource(req) : req.params;
  const auto& definitions = fhir::Definitions::get();
  for (const auto& [name, value] : params) {
    if (name == "_outputFormat") {
      if (!isNdjson(value))
        throw FhirError(400, "not-supported",
                        "_outputFormat '" + value + "' is not supported; use application/fhir+ndjson", name);
    } else if (name == "_since") {
      auto range = fhir::parseDateRange(value);
      // An instant: a moment, not a day or a month.
      if (!range || value.find('T') == std::string::npos)
        throw FhirError(400, "invalid", "_since must be a FHIR instant such as 2024-01-01T00:00:00Z", name);
      out.since = range->low;
    } else if (name == "_type") {
      for (const auto& type : fhir::splitSearchValues(value)) {
        if (!definitions.isResourceType(type)) {
          if (lenient) {
            out.ignored.push_back("_type=" + type);
            continue;
          }
          throw FhirError(400, "not-supported", "'" + type + "' is not a FHIR R4 resource type", name);
        }
        if (std::find(out.types.begin(), out.types.end(), type) == out.types.end()) out.types.push_back(type);
      }
    } else if (name == "patient") {
      if (req.method != "POST")
        throw FhirError(400, "not-supported", "the patient parameter is only taken in a POST kick-off", name);
      if (level == ExportLevel::System)
        throw FhirError(400, "not-supported", "the patient parameter applies to Patient and Group exports", name);
      for (const auto& reference : fhir::splitSearchValues(value)) out.patients.push_back(patientIdOf(reference));
    } else if (name == "_typeFilter") {
      for (auto& filter : splitTypeFilters(value)) {
        parseTypeFilter(filter, req.baseUrl);
        out.typeFilters.push_back(std::move(filter));
      }
    } else if (name == "_elements") {
      for (const auto& element : fhir::splitSearchValues(value)) {
        const size_t dot = element.find('.');
        const std::string type = dot == std::string::npos ? "" : element.substr(0, dot);
        const std::string member = dot == std::string::npos ? element : element.substr(dot + 1);
        if (member.empty() || member.find('.') != std::string::npos || (!type.empty() && !definitions.isResourceType(type)))
          throw FhirError(400, "invalid", "_elements takes element names or Type.name, not '" + element + "'", name);
        out.elements.push_back(element);
      }
    } else if (name == "includeAssociatedData") {
      for (const auto& kind : fhir::splitSearchValues(value)) {
        if (kind == "RelevantProvenanceResources") {
          out.provenance = ProvenanceSelection::Relevant;
        } else if (kind == "LatestProvenanceResources") {
          if (out.provenance != ProvenanceSelection::Relevant) out.provenance = ProvenanceSelection::Latest;
        } else if (lenient) {
          out.ignored.push_back("includeAssociatedData=" + kind);
        } else {
          throw FhirError(400, "not-supported",
                          "includeAssociatedData supports RelevantProvenanceResources and LatestProvenanceResources, not '" +
                              kind + "'",
                          name);
        }
      }
    } else if (name == "_format") {
      // Content negotiation of the kick-off's own answers, handled before the operation.
    } else if (lenient) {
      out.ignored.push_back(name);
    } else {
      throw FhirError(400, "not-supported", "$export does not support the parameter '" + name + "'", name);
    }
  }
  return out;
}

}  // namespace flint::bulk
