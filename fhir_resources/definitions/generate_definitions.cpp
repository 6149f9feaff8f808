// Build-time tool: reads the official FHIR R4 definitions (StructureDefinitions, SearchParameters,
// the Patient CompartmentDefinition) and writes the compact table that Flint loads at start-up.
#include <fstream>
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
                            binding.value("valueSet", ""), targets});
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

json searchParams(const json& bundle) {
  json out = json::array();
  for (const auto& entry : bundle["entry"]) {
    const json& r = entry["resource"];
    if (r["resourceType"] != "SearchParameter") continue;
    json components = json::array();
    for (const auto& c : r.value("component", json::array())) {
      std::string def = c.value("definition", "");
      components.push_back({{"definition", def.substr(def.rfind('/') + 1)}, {"expression", c.value("expression", "")}});
    }
    out.push_back({{"id", r.value("id", "")},
                   {"code", r["code"]},
                   {"base", r["base"]},
                   {"type", r["type"]},
                   {"expression", r.value("expression", "")},
                   {"target", r.value("target", json::array())},
                   {"components", components}});
  }
  return out;
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
    json out = {{"fhirVersion", "4.0.1"},
                {"types", types},
                {"searchParams", searchParams(load(dir, "search-parameters.json"))},
                {"compartments", {{"Patient", patientCompartment(load(dir, "compartmentdefinition-patient.json"))}}}};
    std::ofstream(argv[2]) << out.dump();
  } catch (const std::exception& e) {
    std::cerr << "generate_definitions: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
