// A Bulk Data kick-off ($export at system, Patient or Group level) parsed into plain values:
// what to export, from when. Parameters come from the query (GET) or a Parameters resource
// (POST); malformed, unknown or unsupported ones are FhirErrors (400) unless the client asked
// for lenient handling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fhir_resources/rest/fhir_request.h"
#include "fhir_resources/search/summary_filter.h"

namespace flint::bulk {

enum class ExportLevel { System, Patient, Group };

// Which Provenances an export holds. OfType: a system export's Provenance type, like any other;
// Relevant: those whose target the export holds (always so at the Patient and Group level);
// Latest: of those, the most recently updated one for each target.
enum class ProvenanceSelection { OfType, Relevant, Latest };

struct ExportRequest {
  ExportLevel level = ExportLevel::System;
  std::string groupId;
  std::vector<std::string> types;     // _type without repeats, in order given; empty: every type allowed
  std::optional<int64_t> since;       // ms since the epoch: only resources updated after it
  std::vector<std::string> patients;  // patient (POST only): just these patients' records
  // _typeFilter: searches ("Observation?category=laboratory") narrowing their type; a type's
  // resources are those any of its filters finds; types without one are not narrowed.
  std::vector<std::string> typeFilters;
  // _elements: "name" (every type) or "Type.name" (that type); types none applies to are whole.
  std::vector<std::string> elements;
  // includeAssociatedData: RelevantProvenanceResources, LatestProvenanceResources (both: the
  // relevant ones, which include the latest).
  ProvenanceSelection provenance = ProvenanceSelection::OfType;
  // What Prefer: handling=lenient let through unheeded: parameters, or values of them.
  std::vector<std::string> ignored;
};

ExportRequest parseExportRequest(const fhir::FhirRequest& req, ExportLevel level, std::string groupId);

// A _typeFilter's type and search parameters; 400 when it is not "Type?query" with a query the
// search engine runs (no _include, _revinclude, _sort or paging).
std::pair<std::string, fhir::Params> parseTypeFilter(const std::string& filter, const std::string& baseUrl);

const char* levelName(ExportLevel level);

// The _elements filter for resources of `type`, or none when no element applies to it.
std::optional<fhir::ElementFilter> elementsFor(const std::vector<std::string>& elements, const std::string& type);

}  // namespace flint::bulk
