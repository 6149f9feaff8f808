// Build-time tool: reads the official FHIR R4 definitions (StructureDefinitions, SearchParameters,
// the Patient CompartmentDefinition) and writes the compact table that Flint loads at start-up.
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <iostream>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

json load(const std::string& dir, const std::string& file) {
  std::ifstream in(dir + "/" + file);
  if (!in) throw std::runtime_error("cannot open " + dir + "/" + file);
  return json::parse(in);
}

std::string typeCode(const json& type) {
  std::string code = type.value("code", "");
  // The spec types the `id` and primitive `value` elements with FHIRPath system types.
  static const std::string systemPrefix = "http://hl7.org/fhirpath/System.";
  if (code.rfind(systemPrefix, 0) == 0) {
    for (const auto& ext : type.value("extension", json::array()))
      if (ext.value("url", "") == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type")
        return ext.value("valueUrl", ext.value("valueUri", code.substr(systemPrefix.size())));
    return "System." + code.substr(systemPrefix.size());
  }
  return code;
}

json compactType(const json& sd) {
  const std::string name = sd["type"];
  json elements = json::array();
  for (const auto& el : sd["snapshot"]["element"]) {
    std::string path = el["path"];
    if (path == name) continue;
    path = path.substr(name.size() + 1);
    json types = json::array();
    json targets = json::array();
    for (const auto& t : el.value("type", json::array())) {
      types.push_back(typeCode(t));
      for (const auto& profile : t.value("targetProfile", json::array())) {
        std::string p = profile;
        targets.push_back(p.substr(p.rfind('/') + 1));
      }
    }
    std::string max = el.value("max", "*");
    json binding = el.value("binding", json::object());
    json row = json::array({path, el.value("min", 0), max == "*" ? -1 : std::stoi(max), types,
                            el.value("contentReference", ""), binding.value("strength", ""),
                            binding.value("valueSet", ""), targets, el.value("isSummary", false)});
    elements.push_back(row);
  }
  std::string base = sd.value("baseDefinition", "");
  return {{"name", name},
          {"kind", sd["kind"]},
          {"abstract", sd.value("abstract", false)},
          {"base", base.substr(base.rfind('/') + 1)},
          {"elements", elements}};
}

void addTypes(const json& bundle, json& out) {
  for (const auto& entry : bundle["entry"]) {
    const json& r = entry["resource"];
    if (r["resourceType"] != "StructureDefinition") continue;
    const std::string kind = r.value("kind", "");
    if (kind == "logical") continue;
    // Profiles on types (e.g. SimpleQuantity) are constraints, not types of their own.
    if (r.value("derivation", "specialization") != "specialization") continue;
    out.push_back(compactType(r));
  }
}

// Appends the SearchParameters of `bundle` to `out`.
// `only`: the ids of the bundle's parameters to take; empty: all.
void addSearchParams(const json& bundle, json& out, const std::set<std::string>& only = {}) {
  std::map<std::string, std::string> typeByUrl;  // a composite's components name parameters by URL
  for (const auto& entry : bundle["entry"])
    if (entry["resource"]["resourceType"] == "SearchParameter")
      typeByUrl[entry["resource"].value("url", "")] = entry["resource"].value("type", "");
  for (const auto& entry : bundle["entry"]) {
    const json& r = entry["resource"];
    if (r["resourceType"] != "SearchParameter" || (!only.empty() && !only.count(r.value("id", "")))) continue;
    json components = json::array();
    for (const auto& c : r.value("component", json::array())) {
      std::string def = c.value("definition", "");
      auto type = typeByUrl.find(def);
      components.push_back({{"definition", def.substr(def.rfind('/') + 1)},
                            {"type", type == typeByUrl.end() ? "" : type->second},
                            {"expression", c.value("expression", "")}});
    }
    out.push_back({{"id", r.value("id", "")},
                   {"url", r.value("url", "")},
                   {"code", r["code"]},
                   {"base", r["base"]},
                   {"type", r["type"]},
                   {"expression", r.value("expression", "")},
                   {"target", r.value("target", json::array())},
                   {"components", components}});
  }
}

void collectCodes(const json& concepts, json& out) {
  for (const auto& c : concepts) {
    out.push_back(c["code"]);
    if (c.contains("concept")) collectCodes(c["concept"], out);
  }
}

// Expands the value sets of required bindings on `code` elements into code lists. Value sets
// that cannot be enumerated (filters, external systems such as BCP-47) are left out, and their
// codes are then not checked.
json requiredValueSets(const json& types, const std::vector<json>& bundles) {
  std::map<std::string, const json*> byUrl;
  for (const auto* bundle : {&bundles[0], &bundles[1]})
    for (const auto& entry : (*bundle)["entry"]) {
      const json& r = entry["resource"];
      if (r.contains("url")) byUrl.emplace(r["url"].get<std::string>(), &r);
    }
  std::function<bool(const std::string&, json&)> expand = [&](const std::string& url, json& out) {
    auto it = byUrl.find(url);
    if (it == byUrl.end()) return false;
    const json& r = *it->second;
    if (r["resourceType"] == "CodeSystem") {
      if (r.value("content", "") != "complete" || !r.contains("concept")) return false;
      collectCodes(r["concept"], out);
      return true;
    }
    const json compose = r.value("compose", json::object());
    if (compose.contains("exclude")) return false;
    for (const auto& include : compose.value("include", json::array())) {
      if (include.contains("filter")) return false;
      if (include.contains("concept")) {
        for (const auto& c : include["concept"]) out.push_back(c["code"]);
      } else if (include.contains("system")) {
        if (!expand(include["system"], out)) return false;
      }
      for (const auto& vs : include.value("valueSet", json::array()))
        if (!expand(vs, out)) return false;
    }
    return !out.empty();
  };
  json result = json::object();
  for (const auto& t : types)
    for (const auto& el : t["elements"]) {
      if (el[5] != "required") continue;
      const auto& elementTypes = el[3];
      if (std::find(elementTypes.begin(), elementTypes.end(), "code") == elementTypes.end()) continue;
      std::string url = el[6];
      url = url.substr(0, url.find('|'));
      if (result.contains(url)) continue;
      json codes = json::array();
      if (expand(url, codes)) result[url] = codes;
    }
  return result;
}

json patientCompartment(const json& def) {
  json out = json::object();
  for (const auto& res : def["resource"])
    if (res.contains("param")) out[res["code"].get<std::string>()] = res["param"];
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: generate_definitions R4_DIR OUTPUT_JSON\n";
    return 2;
  }
  try {
    const std::string dir = argv[1];
    json types = json::array();
    addTypes(load(dir, "profiles-types.json"), types);
    addTypes(load(dir, "profiles-resources.json"), types);
    std::vector<json> terminology = {load(dir, "valuesets.json"), load(dir, "v3-codesystems.json")};
    // R4's own parameters, then those US Core 6.1/7.0 adds (race, ethnicity, asserted-date, ...).
    json params = json::array();
    addSearchParams(load(dir, "search-parameters.json"), params);
    addSearchParams(load(dir, "search-parameters-uscore.json"), params);
    // Group.name, which R4 does not define: Bulk Data clients find the Group to export by name.
    addSearchParams(load(dir, "search-parameters-medplum.json"), params, {"Group-name"});
    json out = {{"fhirVersion", "4.0.1"},
                {"types", types},
                {"valueSets", requiredValueSets(types, terminology)},
                {"searchParams", params},
                {"compartments", {{"Patient", patientCompartment(load(dir, "compartmentdefinition-patient.json"))}}}};
    std::ofstream(argv[2]) << out.dump();
  } catch (const std::exception& e) {
    std::cerr << "generate_definitions: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
