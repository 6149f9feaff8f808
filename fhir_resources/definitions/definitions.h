// The FHIR R4 definitions Flint serves, generated at build time from the official
// StructureDefinitions, SearchParameters and the Patient CompartmentDefinition.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace flint::fhir {

struct ElementDef {
  std::string path;  // relative to the type, e.g. "name.given"
  int min = 0;
  int max = 1;  // -1 for unbounded
  std::vector<std::string> types;
  std::string contentReference;
  std::string bindingStrength;
  std::string valueSet;
  std::vector<std::string> targetTypes;  // for Reference elements
  bool isSummary = false;                // part of the _summary=true view
};

struct TypeDef {
  std::string name;
  std::string kind;  // resource, complex-type, primitive-type
  std::string base;
  bool isAbstract = false;
  std::vector<ElementDef> elements;
};

struct SearchParamComponent {
  std::string definition;  // the component parameter's id
  std::string type;        // and its type (token, quantity, ...)
  std::string expression;  // relative to the composite's expression
};

struct SearchParamDef {
  std::string id;
  std::string url;  // canonical URL (R4 or US Core)
  std::string code;
  std::string type;
  std::string expression;
  std::vector<std::string> base;
  std::vector<std::string> target;
  std::vector<SearchParamComponent> components;
};

struct ElementChildren;

// One JSON member an object of some type may carry, with the type it then has: for a choice
// element such as value[x] each variant (valueString, valueQuantity, ...) is a child of its own.
struct ChildElement {
  const ElementDef* def = nullptr;
  std::string type;  // the chosen type for a choice variant; empty when the element is not a choice
  // The member's own children: its backbone's (or, for a content reference, the referenced
  // element's) within the same type, else its datatype's; null for none, and for a contained
  // Resource, whose type only its value tells.
  const ElementChildren* children = nullptr;
};

// The children of one element (or of a type's root): by JSON member name, and which are required.
struct ElementChildren {
  std::unordered_map<std::string, ChildElement> byName;
  std::vector<const ElementDef*> required;
};

class Definitions {
 public:
  // The definitions linked into this binary, loaded once.
  static const Definitions& get();

  const std::string& fhirVersion() const { return fhirVersion_; }
  const TypeDef* type(std::string_view name) const;
  // A concrete resource type (not Resource or DomainResource).
  bool isResourceType(std::string_view name) const;
  const std::vector<std::string>& resourceTypes() const { return resourceTypes_; }
  // Search parameters that apply to `resourceType`, including those defined on Resource and DomainResource.
  std::vector<const SearchParamDef*> searchParams(std::string_view resourceType) const;
  // The Patient compartment's membership parameters for `resourceType` (empty if not a member).
  const std::vector<std::string>& patientCompartmentParams(std::string_view resourceType) const;
  // Children of `parentPath` ("" for the root) within type `typeName`; null when it has none.
  const ElementChildren* children(std::string_view typeName, std::string_view parentPath) const;
  // The codes of a value set bound as "required", when it could be expanded at build time.
  const std::unordered_set<std::string>* valueSetCodes(std::string_view url) const;

 private:
  Definitions();
  void indexChildren();
  std::string fhirVersion_;
  std::unordered_map<std::string, TypeDef> types_;
  std::vector<std::string> resourceTypes_;
  std::vector<SearchParamDef> searchParams_;
  std::unordered_map<std::string, std::vector<size_t>> searchParamsByBase_;
  std::unordered_map<std::string, std::vector<std::string>> patientCompartment_;
  std::unordered_map<std::string, ElementChildren> children_;  // key: type + "#" + parent path
  std::unordered_map<std::string, std::unordered_set<std::string>> valueSets_;
};

}  // namespace flint::fhir
