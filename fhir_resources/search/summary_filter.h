// _summary and _elements: the reduced forms of a resource a search can ask for, marked with the
// SUBSETTED tag when elements were left out.
#pragma once

#include <optional>
#include <set>
#include <string>

namespace flint::fhir {

struct ElementFilter {
  enum class Mode { Summary, Text, Data, Elements } mode;
  std::set<std::string> elements;  // Elements mode: the top-level elements asked for
};

// The filter `_summary` (true, text, data, false) or `_elements` asks for; nothing for the full
// resource. Throws FhirError 400 for an unknown _summary value.
std::optional<ElementFilter> summaryFilter(const std::string& name, const std::string& value);

// The resource's stored JSON reduced by `filter`.
std::string applyElementFilter(const std::string& content, const ElementFilter& filter);

}  // namespace flint::fhir
