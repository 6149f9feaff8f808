#include "fhir_resources/validation/structure_validator.h"

#include <algorithm>
#include <cctype>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/validation/primitive_formats.h"

namespace flint::fhir {
namespace {

constexpr size_t kMaxIssues = 20;

class Validator {
 public:
  std::vector<Issue> run(const json::Value& resource) {
    resource_(resource, resource.stringAt("resourceType").value_or(""));
    return std::move(issues_);
  }

 private:
  void report(std::string code, std::string diagnostics, std::string expression) {
    if (issues_.size() < kMaxIssues) issues_.push_back({std::move(code), std::move(diagnostics), std::move(expression), ""});
  }
  bool full() const { return issues_.size() >= kMaxIssues; }

  void resource_(const json::Value& v, const std::string& path) {
    auto type = v.stringAt("resourceType");
    if (!type || !Definitions::get().isResourceType(*type)) {
      report("invalid", "a resource needs a known resourceType", path.empty() ? "resourceType" : path);
      return;
    }
    object(v, *type, "", path.empty() ? *type : path, true);
  }

  // An object of type `typeName`, whose members are the children of `parentPath` in that type.
  void object(const json::Value& v, const std::string& typeName, const std::string& parentPath,
              const std::string& expr, bool isResource) {
    if (!v.isObject()) {
      report("structure", "must be a JSON object", expr);
      return;
    }
    if (v.members().empty()) {
      report("structure", "empty objects are not allowed in FHIR JSON", expr);
      return;
    }
    const ElementChildren* children = Definitions::get().children(typeName, parentPath);
    std::vector<const ElementDef*> choicesSeen;
    for (const auto& [key, value] : v.members()) {
      if (full()) return;
      if (isResource && key == "resourceType") continue;
      const std::string memberExpr = expr + "." + key;
      if (key.size() > 1 && key[0] == '_') {
        primitiveExtension(children, key.substr(1), value, v, memberExpr);
        continue;
      }
      const ChildElement* child = lookup(children, key);
      if (child == nullptr) {
        report("structure", "unknown element '" + key + "'", memberExpr);
        continue;
      }
      if (!child->type.empty()) {
        if (std::find(choicesSeen.begin(), choicesSeen.end(), child->def) != choicesSeen.end()) {
          report("structure", "only one type of " + child->def->path + " may be present", memberExpr);
          continue;
        }
        choicesSeen.push_back(child->def);
      }
      element(*child, value, v.find("_" + key), typeName, memberExpr);
    }
    if (children != nullptr)
      for (const ElementDef* required : children->required)
        if (!present(v, *required)) {
          std::string name = required->path.substr(required->path.rfind('.') + 1);
          report("required", "missing required element '" + name + "'", expr + "." + name);
        }
  }

  static const ChildElement* lookup(const ElementChildren* children, const std::string& key) {
    if (children == nullptr) return nullptr;
    auto it = children->byName.find(key);
    return it == children->byName.end() ? nullptr : &it->second;
  }

  static bool present(const json::Value& v, const ElementDef& def) {
    std::string name = def.path.substr(def.path.rfind('.') + 1);
    if (name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0) {
      std::string stem = name.substr(0, name.size() - 3);
      for (const auto& [key, value] : v.members())
        if (key.compare(0, stem.size(), stem) == 0 && key.size() > stem.size() && std::isupper(key[stem.size()]))
          return true;
      return false;
    }
    return v.find(name) != nullptr || v.find("_" + name) != nullptr;
  }

  void element(const ChildElement& child, const json::Value& value, const json::Value* extensions,
               const std::string& typeName, const std::string& expr) {
    const ElementDef& def = *child.def;
    const bool repeats = def.max != 1 && def.max != 0;
    if (def.max == 0) {
      report("structure", "element is not allowed here", expr);
      return;
    }
    if (repeats != value.isArray()) {
      report("structure", repeats ? "must be an array (the element repeats)" : "must not be an array", expr);
      return;
    }
    if (!repeats) {
      item(child, value, typeName, expr);
      return;
    }
    if (value.items().empty()) {
      report("structure", "empty arrays are not allowed in FHIR JSON", expr);
      return;
    }
    if (def.max > 0 && static_cast<int>(value.items().size()) > def.max)
      report("structure", "at most " + std::to_string(def.max) + " values are allowed", expr);
    const bool hasExtensions = extensions != nullptr && extensions->isArray();
    for (size_t i = 0; i < value.items().size() && !full(); ++i) {
      const json::Value& entry = value.items()[i];
      // A null stands in for a value that only has extensions, in the parallel _element array.
      if (entry.isNull() && hasExtensions && i < extensions->items().size() && !extensions->items()[i].isNull())
        continue;
      item(child, entry, typeName, expr + "[" + std::to_string(i) + "]");
    }
  }

  void item(const ChildElement& child, const json::Value& value, const std::string& typeName,
            const std::string& expr) {
    const ElementDef& def = *child.def;
    if (!def.contentReference.empty()) {
      // "#Questionnaire.item": the same children as the referenced element of this type.
      std::string ref = def.contentReference.substr(1);
      object(value, typeName, ref.substr(ref.find('.') + 1), expr, false);
      return;
    }
    const std::string& type = child.type.empty() ? (def.types.empty() ? std::string() : def.types.front()) : child.type;
    if (type == "Resource") {
      resource_(value, expr);
      return;
    }
    if (type == "BackboneElement" || type == "Element") {
      if (Definitions::get().children(typeName, def.path) != nullptr) {
        object(value, typeName, def.path, expr, false);
        return;
      }
    }
    if (isPrimitiveType(type)) {
      if (auto error = primitiveError(type, value)) {
        report("value", "value " + *error, expr);
        return;
      }
      if (type == "code" && def.bindingStrength == "required") {
        const auto* codes = Definitions::get().valueSetCodes(def.valueSet);
        if (codes != nullptr && !codes->count(value.text()))
          report("code-invalid", "'" + value.text() + "' is not a code of " + def.valueSet, expr);
      }
      return;
    }
    if (Definitions::get().type(type) == nullptr) return;
    object(value, type, "", expr, false);
  }

  // `_name`: the id and extensions of primitive `name` (an object, or an array parallel to it).
  void primitiveExtension(const ElementChildren* children, const std::string& name, const json::Value& value,
                          const json::Value& parent, const std::string& expr) {
    const ChildElement* child = lookup(children, name);
    const std::string type = child == nullptr ? "" : (child->type.empty() ? child->def->types.front() : child->type);
    if (child == nullptr || child->def->types.empty() || !isPrimitiveType(type)) {
      report("structure", "unknown element '_" + name + "'", expr);
      return;
    }
    if (!value.isArray()) {
      object(value, "Element", "", expr, false);
      return;
    }
    const json::Value* values = parent.find(name);
    for (size_t i = 0; i < value.items().size() && !full(); ++i) {
      const json::Value& entry = value.items()[i];
      if (entry.isNull() && values != nullptr && values->isArray() && i < values->items().size() &&
          !values->items()[i].isNull())
        continue;
      object(entry, "Element", "", expr + "[" + std::to_string(i) + "]", false);
    }
  }

  std::vector<Issue> issues_;
};

}  // namespace

std::vector<Issue> validateStructure(const json::Value& resource) { return Validator().run(resource); }

}  // namespace flint::fhir
