#include "fhir_resources/definitions/definitions.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

extern "C" const char flint_fhir_definitions_start[];
extern "C" const char flint_fhir_definitions_end[];

namespace flint::fhir {

const Definitions& Definitions::get() {
  static const Definitions instance;
  return instance;
}

Definitions::Definitions() {
  auto doc = nlohmann::json::parse(flint_fhir_definitions_start, flint_fhir_definitions_end);
  fhirVersion_ = doc["fhirVersion"];
  for (const auto& t : doc["types"]) {
    TypeDef def;
    def.name = t["name"];
    def.kind = t["kind"];
    def.base = t["base"];
    def.isAbstract = t["abstract"];
    for (const auto& e : t["elements"]) {
      ElementDef el;
      el.path = e[0];
      el.min = e[1];
      el.max = e[2];
      el.types = e[3].get<std::vector<std::string>>();
      el.contentReference = e[4];
      el.bindingStrength = e[5];
      el.valueSet = e[6];
      el.targetTypes = e[7].get<std::vector<std::string>>();
      el.isSummary = e[8];
      def.elements.push_back(std::move(el));
    }
    if (def.kind == "resource" && !def.isAbstract) resourceTypes_.push_back(def.name);
    types_.emplace(def.name, std::move(def));
  }
  std::sort(resourceTypes_.begin(), resourceTypes_.end());
  for (const auto& p : doc["searchParams"]) {
    SearchParamDef def;
    def.id = p["id"];
    def.code = p["code"];
    def.type = p["type"];
    def.expression = p["expression"];
    def.url = p["url"];
    def.base = p["base"].get<std::vector<std::string>>();
    def.target = p["target"].get<std::vector<std::string>>();
    for (const auto& c : p["components"]) def.components.push_back({c["definition"], c["type"], c["expression"]});
    searchParams_.push_back(std::move(def));
  }
  for (size_t i = 0; i < searchParams_.size(); ++i)
    for (const auto& base : searchParams_[i].base) searchParamsByBase_[base].push_back(i);
  for (const auto& [type, params] : doc["compartments"]["Patient"].items())
    patientCompartment_[type] = params.get<std::vector<std::string>>();
  for (const auto& [url, codes] : doc["valueSets"].items())
    valueSets_[url] = codes.get<std::unordered_set<std::string>>();
  indexChildren();
}

void Definitions::indexChildren() {
  for (const auto& [typeName, def] : types_) {
    for (const auto& el : def.elements) {
      size_t dot = el.path.rfind('.');
      std::string parent = dot == std::string::npos ? "" : el.path.substr(0, dot);
      std::string name = dot == std::string::npos ? el.path : el.path.substr(dot + 1);
      ElementChildren& siblings = children_[typeName + "#" + parent];
      if (el.min >= 1) siblings.required.push_back(&el);
      if (name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0) {
        std::string stem = name.substr(0, name.size() - 3);
        for (const auto& t : el.types) {
          std::string variant = stem + t;
          variant[stem.size()] = static_cast<char>(std::toupper(static_cast<unsigned char>(variant[stem.size()])));
          siblings.byName[variant] = ChildElement{&el, t};
        }
      } else {
        siblings.byName[name] = ChildElement{&el, ""};
      }
    }
  }
  // Resolved once here, so that walking a resource's elements never builds a key to look up.
  auto find = [&](const std::string& key) -> const ElementChildren* {
    auto it = children_.find(key);
    return it == children_.end() ? nullptr : &it->second;
  };
  for (auto& [key, siblings] : children_) {
    const std::string typeName = key.substr(0, key.find('#'));
    for (auto& [name, child] : siblings.byName) {
      const ElementDef& def = *child.def;
      const std::string type = !child.type.empty() ? child.type : def.types.empty() ? "" : def.types.front();
      if (!def.contentReference.empty()) {
        child.children = find(typeName + "#" + def.contentReference.substr(def.contentReference.find('.') + 1));
      } else if (type == "BackboneElement" || type == "Element") {
        child.children = find(typeName + "#" + def.path);
        if (child.children == nullptr) child.children = find(type + "#");
      } else if (type != "Resource") {
        child.children = find(type + "#");
      }
    }
  }
}

const ElementChildren* Definitions::children(std::string_view typeName, std::string_view parentPath) const {
  // Called for every element of every indexed or validated resource: reuse one key buffer.
  thread_local std::string key;
  key.assign(typeName);
  key += '#';
  key += parentPath;
  auto it = children_.find(key);
  return it == children_.end() ? nullptr : &it->second;
}

const std::unordered_set<std::string>* Definitions::valueSetCodes(std::string_view url) const {
  auto it = valueSets_.find(std::string(url.substr(0, url.find('|'))));
  return it == valueSets_.end() ? nullptr : &it->second;
}

const TypeDef* Definitions::type(std::string_view name) const {
  auto it = types_.find(std::string(name));
  return it == types_.end() ? nullptr : &it->second;
}

bool Definitions::isResourceType(std::string_view name) const {
  return std::binary_search(resourceTypes_.begin(), resourceTypes_.end(), name);
}

std::vector<const SearchParamDef*> Definitions::searchParams(std::string_view resourceType) const {
  std::vector<const SearchParamDef*> out;
  for (const char* base : {"Resource", "DomainResource"}) {
    auto it = searchParamsByBase_.find(base);
    if (it != searchParamsByBase_.end())
      for (size_t i : it->second) out.push_back(&searchParams_[i]);
  }
  auto it = searchParamsByBase_.find(std::string(resourceType));
  if (it != searchParamsByBase_.end())
    for (size_t i : it->second) out.push_back(&searchParams_[i]);
  return out;
}

const std::vector<std::string>& Definitions::patientCompartmentParams(std::string_view resourceType) const {
  static const std::vector<std::string> none;
  auto it = patientCompartment_.find(std::string(resourceType));
  return it == patientCompartment_.end() ? none : it->second;
}

}  // namespace flint::fhir
