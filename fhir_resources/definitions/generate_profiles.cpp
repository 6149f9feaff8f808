// Offline tool: reads the US Core packages (StructureDefinitions with snapshots, ValueSets,
// CodeSystems) and the R4 terminology, and writes the compact profile table committed in
// fhir_resources/definitions/us_core_profiles.json. Elements that add nothing to the R4 base
// (no cardinality change, fixed or pattern value, slicing, required binding, own invariant,
// type or target profile, or Must Support flag) are left out, except as ancestors of kept ones.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>

using nlohmann::ordered_json;
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

json load(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  return json::parse(in);
}

std::string withoutVersion(const std::string& url) { return url.substr(0, url.find('|')); }

// Invariants that every element or resource carries (ele-1, ext-1, dom-*): not the profile's own.
bool genericSource(const std::string& source) {
  static const std::set<std::string> generic = {
      "http://hl7.org/fhir/StructureDefinition/Element", "http://hl7.org/fhir/StructureDefinition/Extension",
      "http://hl7.org/fhir/StructureDefinition/DomainResource", "http://hl7.org/fhir/StructureDefinition/Resource",
      "http://hl7.org/fhir/StructureDefinition/BackboneElement"};
  return generic.count(source) > 0;
}

json fixedOrPattern(const json& el) {
  for (const auto& [key, value] : el.items()) {
    if (key.rfind("fixed", 0) == 0) return json::array({"fixed", value});
    if (key.rfind("pattern", 0) == 0) return json::array({"pattern", value});
  }
  return nullptr;
}

json compactElement(const json& el, bool& interesting) {
  json types = json::array();
  bool typeProfiles = false;
  for (const auto& t : el.value("type", json::array())) {
    json profiles = t.value("profile", json::array());
    json targets = t.value("targetProfile", json::array());
    typeProfiles = typeProfiles || !profiles.empty() || !targets.empty();
    // US Core marks which types of a choice are Must Support with an extension on the type.
    bool typeMustSupport = false;
    for (const auto& ext : t.value("extension", json::array()))
      if (ext.value("url", "") == "http://hl7.org/fhir/StructureDefinition/elementdefinition-type-must-support")
        typeMustSupport = ext.value("valueBoolean", false);
    types.push_back(json::array({t["code"], profiles, targets, typeMustSupport}));
  }
  json constraints = json::array();
  for (const auto& c : el.value("constraint", json::array()))
    if (!genericSource(c.value("source", "")))
      constraints.push_back(json::array({c["key"], c.value("severity", "error"), c.value("human", ""),
                                         c.value("expression", "")}));
  json slicing = nullptr;
  if (el.contains("slicing")) {
    json discriminators = json::array();
    for (const auto& d : el["slicing"].value("discriminator", json::array()))
      discriminators.push_back(json::array({d["type"], d["path"]}));
    slicing = json::array({discriminators, el["slicing"].value("rules", "open"), el["slicing"].value("ordered", false)});
  }
  json binding = nullptr;
  if (el.contains("binding") && el["binding"].value("strength", "") == "required")
    binding = json::array({"required", withoutVersion(el["binding"].value("valueSet", ""))});
  const std::string max = el.value("max", "*");
  const json base = el.value("base", json::object());
  const std::string path = el["path"];
  interesting = el.value("mustSupport", false) || el.contains("sliceName") || !slicing.is_null() ||
                !fixedOrPattern(el).is_null() || !binding.is_null() || !constraints.empty() || typeProfiles ||
                (path.size() > 3 && path.compare(path.size() - 3, 3, "[x]") == 0) ||
                el.value("min", 0) != base.value("min", 0) || max != base.value("max", "*");
  return json::array({el["id"], path, el.value("min", 0), max == "*" ? -1 : std::stoi(max), types,
                      fixedOrPattern(el), el.value("mustSupport", false), slicing, binding, constraints});
}

std::string parentId(const std::string& id) {
  size_t dot = id.rfind('.');
  return dot == std::string::npos ? "" : id.substr(0, dot);
}

json compactProfile(const json& sd) {
  const auto& snapshot = sd["snapshot"]["element"];
  std::vector<json> rows;
  std::set<std::string> keep;
  for (size_t i = 0; i < snapshot.size(); ++i) {
    bool interesting = false;
    rows.push_back(compactElement(snapshot[i], interesting));
    const std::string id = snapshot[i]["id"];
    if (snapshot[i].contains("sliceName") && snapshot[i]["sliceName"].get<std::string>().find('.') != std::string::npos)
      throw std::runtime_error("slice name with a dot in " + sd["url"].get<std::string>() + ": " + id);
    if (i == 0 || interesting)
      for (std::string a = id; !a.empty(); a = parentId(a)) keep.insert(a);
  }
  json elements = json::array();
  for (const auto& row : rows)
    if (keep.count(row[0])) elements.push_back(row);
  return {{"url", sd["url"]},     {"version", sd["version"]}, {"name", sd["name"]},
          {"title", sd.value("title", sd["name"].get<std::string>())},
          {"type", sd["type"]},   {"kind", sd["kind"]},       {"abstract", sd.value("abstract", false)},
          {"baseDefinition", sd.value("baseDefinition", "")},  {"elements", elements}};
}

// Value sets and code systems by canonical URL, from every source given.
class Terminology {
 public:
  void add(const json& resource) {
    if (resource.contains("url")) byUrl_.emplace(resource["url"].get<std::string>(), resource);
  }
  void addBundle(const json& bundle) {
    for (const auto& entry : bundle["entry"]) add(entry["resource"]);
  }
  // "system|code" for every code of the value set, or nothing when it cannot be enumerated
  // (filters, exclusions, whole external code systems such as SNOMED CT or LOINC).
  std::optional<std::vector<std::string>> expand(const std::string& url) const {
    std::vector<std::string> out;
    if (!expandInto(url, out) || out.empty()) return std::nullopt;
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  static void collect(const std::string& system, const json& concepts, std::vector<std::string>& out) {
    for (const auto& c : concepts) {
      out.push_back(system + "|" + c["code"].get<std::string>());
      if (c.contains("concept")) collect(system, c["concept"], out);
    }
  }
  bool expandInto(const std::string& url, std::vector<std::string>& out) const {
    auto it = byUrl_.find(withoutVersion(url));
    if (it == byUrl_.end()) return false;
    const json& r = it->second;
    if (r["resourceType"] == "CodeSystem") {
      if (r.value("content", "") != "complete" || !r.contains("concept")) return false;
      collect(r["url"], r["concept"], out);
      return true;
    }
    const json compose = r.value("compose", json::object());
    if (compose.contains("exclude")) return false;
    for (const auto& include : compose.value("include", json::array())) {
      if (include.contains("filter")) return false;
      const std::string system = include.value("system", "");
      if (include.contains("concept")) {
        collect(system, include["concept"], out);
      } else if (!system.empty()) {
        if (!expandInto(system, out)) return false;
      }
      for (const auto& vs : include.value("valueSet", json::array()))
        if (!expandInto(vs, out)) return false;
    }
    return true;
  }
  std::map<std::string, json> byUrl_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: generate_profiles R4_DIR OUTPUT_JSON US_CORE_PACKAGE_DIR...\n";
    return 2;
  }
  try {
    const fs::path r4 = argv[1];
    Terminology terminology;
    terminology.addBundle(load(r4 / "valuesets.json"));
    terminology.addBundle(load(r4 / "v3-codesystems.json"));
    json packages = json::array();
    json profiles = json::array();
    // The parameter combinations the servers' CapabilityStatements name, per resource type.
    std::map<std::string, std::set<std::vector<std::string>>> combinations;
    for (int i = 3; i < argc; ++i) {
      std::vector<fs::path> files;
      for (const auto& f : fs::directory_iterator(argv[i])) files.push_back(f.path());
      std::sort(files.begin(), files.end());
      packages.push_back(load(fs::path(argv[i]) / "package.json").value("version", ""));
      for (const auto& f : files) {
        const std::string name = f.filename().string();
        if (name.rfind("ValueSet-", 0) == 0 || name.rfind("CodeSystem-", 0) == 0) terminology.add(load(f));
        if (name == "CapabilityStatement-us-core-server.json")
          for (const auto& rest : load(f).value("rest", json::array()))
            for (const auto& resource : rest.value("resource", json::array()))
              for (const auto& ext : resource.value("extension", json::array())) {
                if (ext.value("url", "").find("search-parameter-combination") == std::string::npos) continue;
                std::vector<std::string> required;
                for (const auto& part : ext.value("extension", json::array()))
                  if (part.value("url", "") == "required") required.push_back(part.value("valueString", ""));
                std::sort(required.begin(), required.end());
                combinations[resource.value("type", "")].insert(required);
              }
        if (name.rfind("StructureDefinition-", 0) == 0) {
          json sd = load(f);
          if (sd.value("kind", "") != "logical") profiles.push_back(compactProfile(sd));
        }
      }
    }
    std::set<std::string> bound;
    for (const auto& p : profiles)
      for (const auto& el : p["elements"])
        if (!el[8].is_null()) bound.insert(el[8][1].get<std::string>());
    json valueSets = json::object();
    json notExpanded = json::array();
    for (const auto& url : bound) {
      if (auto codes = terminology.expand(url)) {
        valueSets[url] = *codes;
      } else {
        notExpanded.push_back(url);
      }
    }
    // One line per element row and per value set, so that a change to the packages shows as a
    // readable diff of the committed table.
    std::ofstream out(argv[2]);
    out << "{\"packages\":" << packages.dump() << ",\n\"profiles\":[";
    for (size_t i = 0; i < profiles.size(); ++i) {
      json header = profiles[i];
      json elements = header["elements"];
      header.erase("elements");
      std::string text = header.dump();
      out << (i ? ",\n" : "\n") << text.substr(0, text.size() - 1) << ",\"elements\":[";
      for (size_t e = 0; e < elements.size(); ++e) out << (e ? ",\n" : "\n") << elements[e].dump();
      out << "]}";
    }
    out << "],\n\"valueSets\":{";
    size_t n = 0;
    for (const auto& [url, codes] : valueSets.items()) out << (n++ ? ",\n" : "\n") << json(url).dump() << ":" << codes.dump();
    out << "},\n\"valueSetsNotExpanded\":" << notExpanded.dump() << ",\n\"searchCombinations\":{";
    n = 0;
    for (const auto& [type, sets] : combinations) out << (n++ ? ",\n" : "\n") << json(type).dump() << ":" << json(sets).dump();
    out << "}}\n";
  } catch (const std::exception& e) {
    std::cerr << "generate_profiles: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
