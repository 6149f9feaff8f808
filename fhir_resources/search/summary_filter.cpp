#include "fhir_resources/search/summary_filter.h"

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/search/index_condition.h"

namespace flint::fhir {
namespace {

// The top-level element an object member belongs to: "valueQuantity" → "value[x]" stem "value".
const ElementDef* elementOf(const std::string& type, const std::string& member) {
  const ElementChildren* children = Definitions::get().children(type, "");
  if (children == nullptr) return nullptr;
  std::string name = member[0] == '_' ? member.substr(1) : member;
  auto it = children->byName.find(name);
  return it == children->byName.end() ? nullptr : it->second.def;
}

std::string stem(const ElementDef& def) {
  std::string name = def.path;
  if (name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0) name.resize(name.size() - 3);
  return name;
}

bool keep(const ElementFilter& f, const std::string& type, const std::string& member) {
  if (member == "resourceType" || member == "id" || member == "meta") return true;
  const ElementDef* def = elementOf(type, member);
  switch (f.mode) {
    case ElementFilter::Mode::Data: return member != "text";
    case ElementFilter::Mode::Text: return member == "text" || (def != nullptr && def->min >= 1);
    case ElementFilter::Mode::Summary: return def != nullptr && (def->isSummary || def->min >= 1);
    case ElementFilter::Mode::Elements:
      return (def != nullptr && (f.elements.count(stem(*def)) || def->min >= 1)) || f.elements.count(member);
  }
  return true;
}

}  // namespace

std::optional<ElementFilter> summaryFilter(const std::string& name, const std::string& value) {
  if (name == "_elements") {
    ElementFilter f{ElementFilter::Mode::Elements, {}};
    for (const auto& e : splitSearchValues(value))
      if (!e.empty()) f.elements.insert(e);
    return f;
  }
  if (value == "true") return ElementFilter{ElementFilter::Mode::Summary, {}};
  if (value == "text") return ElementFilter{ElementFilter::Mode::Text, {}};
  if (value == "data") return ElementFilter{ElementFilter::Mode::Data, {}};
  if (value == "false") return std::nullopt;
  throw FhirError(400, "invalid", "_summary takes true, text, data, count or false", "_summary");
}

std::string applyElementFilter(const std::string& content, const ElementFilter& filter) {
  json::Value resource = json::parse(content);
  const std::string type = resource.stringAt("resourceType").value_or("");
  json::Value out = json::Value::object();
  bool subsetted = false;
  for (auto& [key, value] : resource.members()) {
    if (keep(filter, type, key)) out.members().emplace_back(key, std::move(value));
    else subsetted = true;
  }
  // _summary=data leaves out only the narrative and is not marked.
  if (subsetted && filter.mode != ElementFilter::Mode::Data) {
    json::Value* meta = out.find("meta");
    if (meta == nullptr) {
      out.insertAfter("id", "meta", json::Value::object());
      meta = out.find("meta");
    }
    json::Value tag = json::Value::object();
    tag.set("system", json::Value::string("http://terminology.hl7.org/CodeSystem/v3-ObservationValue"));
    tag.set("code", json::Value::string("SUBSETTED"));
    tag.set("display", json::Value::string("Resource encoded in summary mode"));
    json::Value* tags = meta->find("tag");
    if (tags == nullptr) {
      meta->set("tag", json::Value::array());
      tags = meta->find("tag");
    }
    tags->push(std::move(tag));
  }
  return json::write(out);
}

}  // namespace flint::fhir
