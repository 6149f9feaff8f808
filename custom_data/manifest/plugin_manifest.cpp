#include "custom_data/manifest/plugin_manifest.h"

#include <map>
#include <regex>
#include <set>

namespace flint::custom_data {
namespace {

using json::Value;

// Walks a manifest, collecting every problem with its path, as a JSON Schema validator would.
class Checker {
 public:
  std::vector<std::string> problems;

  void fail(const std::string& path, const std::string& message) { problems.push_back(path + ": " + message); }

  // The members an object may have, which of them are required; false when `v` is no object.
  bool object(const Value& v, const std::string& path, const std::set<std::string>& allowed,
              const std::set<std::string>& required) {
    if (!v.isObject()) {
      fail(path, "must be an object");
      return false;
    }
    for (const auto& [key, value] : v.members())
      if (!allowed.count(key)) fail(path + "." + key, "is not allowed here");
    for (const auto& key : required)
      if (v.find(key) == nullptr) fail(path + "." + key, "is required");
    return true;
  }

  const Value* string(const Value& parent, const std::string& key, const std::string& path, size_t maxLength = 0) {
    const Value* v = parent.find(key);
    if (v == nullptr) return nullptr;
    if (!v->isString()) {
      fail(path + "." + key, "must be a string");
      return nullptr;
    }
    if (maxLength > 0 && v->text().size() > maxLength)
      fail(path + "." + key, "must be at most " + std::to_string(maxLength) + " characters");
    return v;
  }

  void boolean(const Value& parent, const std::string& key, const std::string& path) {
    if (const Value* v = parent.find(key); v != nullptr && !v->isBool()) fail(path + "." + key, "must be true or false");
  }

  void integer(const Value& parent, const std::string& key, const std::string& path) {
    const Value* v = parent.find(key);
    if (v != nullptr && (!v->isNumber() || !std::regex_match(v->text(), std::regex("-?[0-9]+"))))
      fail(path + "." + key, "must be an integer");
  }

  void booleanOrString(const Value& parent, const std::string& key, const std::string& path) {
    if (const Value* v = parent.find(key); v != nullptr && !v->isBool() && !v->isString())
      fail(path + "." + key, "must be a boolean or a string");
  }

  void oneOf(const Value& parent, const std::string& key, const std::string& path, const std::set<std::string>& values) {
    const Value* v = string(parent, key, path);
    if (v == nullptr || values.count(v->text())) return;
    std::string list;
    for (const auto& value : values) list += (list.empty() ? "" : ", ") + value;
    fail(path + "." + key, "must be one of " + list);
  }

  // The array member `key`, each of whose items gets `item(value, path)`.
  template <typename F>
  void array(const Value& parent, const std::string& key, const std::string& path, F&& item) {
    const Value* v = parent.find(key);
    if (v == nullptr) return;
    if (!v->isArray()) {
      fail(path + "." + key, "must be an array");
      return;
    }
    for (size_t i = 0; i < v->items().size(); ++i) item(v->items()[i], path + "." + key + "[" + std::to_string(i) + "]");
  }

  void stringItem(const Value& v, const std::string& path) {
    if (!v.isString()) fail(path, "must be a string");
  }

  void enumItem(const Value& v, const std::string& path, const std::set<std::string>& values) {
    if (!v.isString()) {
      fail(path, "must be a string");
    } else if (!values.count(v.text())) {
      fail(path, values.empty() ? "no values are defined for this tag" : "'" + v.text() + "' is not an allowed value");
    }
  }
};

void handler(Checker& c, const Value& v, const std::string& path) {
  if (!c.object(v, path, {"class", "description", "meta", "data_access"}, {"class", "description"})) return;
  c.string(v, "class", path);
  c.string(v, "description", path);
  if (const Value* meta = v.find("meta"); meta != nullptr && !meta->isObject()) c.fail(path + ".meta", "must be an object");
  if (const Value* access = v.find("data_access")) {
    const std::string p = path + ".data_access";
    if (c.object(*access, p, {"event", "read", "write"}, {})) {
      c.string(*access, "event", p);
      c.array(*access, "read", p, [&](const Value& s, const std::string& sp) { c.stringItem(s, sp); });
      c.array(*access, "write", p, [&](const Value& s, const std::string& sp) { c.stringItem(s, sp); });
    }
  }
}

// Flint's extension of an application: where its web app is (an application here is a SMART app
// the companion launches, not code in a plugin runtime). Required for the companion's scopes.
bool isCompanionScope(const std::string& scope) { return scope.rfind("provider_companion_", 0) == 0; }

void application(Checker& c, const Value& v, const std::string& path) {
  if (!c.object(v, path,
                {"class", "name", "description", "icon", "scope", "menu_position", "menu_order", "show_in_panel",
                 "panel_priority", "launch_url", "redirect_uris"},
                {"class", "name", "description", "icon", "scope"}))
    return;
  c.string(v, "launch_url", path, 2000);
  c.array(v, "redirect_uris", path, [&](const Value& item, const std::string& p) { c.stringItem(item, p); });
  if (isCompanionScope(v.stringAt("scope").value_or("")))
    for (const char* key : {"launch_url", "redirect_uris"})
      if (v.find(key) == nullptr) c.fail(path + "." + key, "is required of a provider companion application");
  c.string(v, "class", path);
  c.string(v, "name", path, 32);
  c.string(v, "description", path, 256);
  c.string(v, "icon", path);
  c.oneOf(v, "scope", path,
          {"patient_specific", "global", "provider_menu_item", "portal_menu_item", "provider_companion",
           "provider_companion_global", "provider_companion_patient_specific", "provider_companion_note_specific",
           "full_chart"});
  c.oneOf(v, "menu_position", path, {"top", "bottom"});
  c.integer(v, "menu_order", path);
  c.boolean(v, "show_in_panel", path);
  c.integer(v, "panel_priority", path);
}

void components(Checker& c, const Value& v, const std::string& path) {
  if (!c.object(v, path, {"handlers", "protocols", "content", "effects", "views", "applications", "commands", "questionnaires"},
                {}))
    return;
  if (v.members().empty()) c.fail(path, "must declare at least one kind of component");
  for (const char* kind : {"handlers", "protocols", "content", "effects", "views"})
    c.array(v, kind, path, [&](const Value& item, const std::string& p) { handler(c, item, p); });
  c.array(v, "applications", path, [&](const Value& item, const std::string& p) { application(c, item, p); });
  c.array(v, "commands", path, [&](const Value& item, const std::string& p) {
    if (!c.object(item, p, {"name", "schema_key", "label", "section"}, {"name", "schema_key"})) return;
    c.string(item, "name", p);
    c.string(item, "schema_key", p);
    c.string(item, "label", p);
    c.oneOf(item, "section", p, {"subjective", "objective", "assessment", "plan", "procedures", "history", "internal"});
  });
  c.array(v, "questionnaires", path, [&](const Value& item, const std::string& p) {
    if (c.object(item, p, {"template"}, {"template"})) c.string(item, "template", p);
  });
}

void tags(Checker& c, const Value& v, const std::string& path) {
  static const std::map<std::string, std::set<std::string>> allowed = {
      {"patient_sourcing_and_intake", {"symptom_triage", "coverage_capture"}},
      {"interaction_modes_and_utilization", {"supply_policies", "demand_policies", "auto_followup"}},
      {"diagnostic_range_and_inputs", {}},
      {"pricing_and_payments", {}},
      {"care_team_composition", {}},
      {"interventions_and_safety", {}},
      {"content", {"patient_intake"}}};
  std::set<std::string> keys;
  for (const auto& [key, values] : allowed) keys.insert(key);
  if (!c.object(v, path, keys, {})) return;
  for (const auto& [key, values] : allowed)
    c.array(v, key, path, [&](const Value& item, const std::string& p) { c.enumItem(item, p, values); });
}

}  // namespace

bool isValidNamespace(const std::string& ns) {
  static const std::regex pattern("^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$");
  return ns.size() <= 63 && std::regex_match(ns, pattern);
}

PluginManifest parseManifest(const Value& document) {
  Checker c;
  const std::string root = "$";
  if (!c.object(document, root,
                {"sdk_version", "plugin_version", "name", "description", "components", "tags", "license", "readme",
                 "variables", "secrets", "origins", "url_permissions", "references", "diagram", "custom_data"},
                {"sdk_version", "plugin_version", "name", "description", "components", "tags", "license", "readme"}))
    throw ManifestError(std::move(c.problems));
  for (const char* key : {"sdk_version", "plugin_version", "name", "description", "license"}) c.string(document, key, root);
  if (const Value* name = document.find("name"); name != nullptr && name->isString() && name->text().empty())
    c.fail("$.name", "must not be empty");
  c.booleanOrString(document, "readme", root);
  c.booleanOrString(document, "diagram", root);
  if (const Value* v = document.find("components")) components(c, *v, "$.components");
  if (const Value* v = document.find("tags")) tags(c, *v, "$.tags");
  c.array(document, "variables", root, [&](const Value& item, const std::string& p) {
    if (!c.object(item, p, {"name", "sensitive", "default"}, {"name"})) return;
    c.string(item, "name", p);
    c.boolean(item, "sensitive", p);
    c.string(item, "default", p);
    if (const Value* sensitive = item.find("sensitive"); sensitive != nullptr && sensitive->isBool() && sensitive->asBool() &&
                                                          item.find("default") != nullptr)
      c.fail(p + ".default", "is not allowed on a sensitive variable");
  });
  c.array(document, "secrets", root, [&](const Value& item, const std::string& p) { c.stringItem(item, p); });
  c.array(document, "references", root, [&](const Value& item, const std::string& p) { c.stringItem(item, p); });
  if (const Value* origins = document.find("origins")) {
    if (c.object(*origins, "$.origins", {"urls", "scripts"}, {})) {
      c.array(*origins, "urls", "$.origins", [&](const Value& item, const std::string& p) { c.stringItem(item, p); });
      c.array(*origins, "scripts", "$.origins", [&](const Value& item, const std::string& p) { c.stringItem(item, p); });
    }
    if (document.find("url_permissions") != nullptr) c.fail("$.origins", "cannot be given together with url_permissions");
  }
  c.array(document, "url_permissions", root, [&](const Value& item, const std::string& p) {
    if (!c.object(item, p, {"url", "permissions"}, {"url", "permissions"})) return;
    c.string(item, "url", p);
    c.array(item, "permissions", p, [&](const Value& permission, const std::string& pp) {
      c.enumItem(permission, pp, {"SCRIPTS", "ALLOW_SAME_ORIGIN", "MICROPHONE", "CAMERA", "CLIPBOARD_READ", "CLIPBOARD_WRITE"});
    });
  });
  PluginManifest manifest;
  if (const Value* customData = document.find("custom_data")) {
    if (c.object(*customData, "$.custom_data", {"namespace", "access"}, {"namespace", "access"})) {
      const Value* ns = c.string(*customData, "namespace", "$.custom_data", 63);
      if (ns != nullptr && !isValidNamespace(ns->text()))
        c.fail("$.custom_data.namespace", "must match ^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$ (organization__name)");
      c.oneOf(*customData, "access", "$.custom_data", {"read", "read_write"});
      manifest.customData = CustomDataDeclaration{customData->stringAt("namespace").value_or(""),
                                                  customData->stringAt("access").value_or("")};
    }
  }
  if (!c.problems.empty()) throw ManifestError(std::move(c.problems));
  manifest.name = *document.stringAt("name");
  manifest.pluginVersion = *document.stringAt("plugin_version");
  manifest.document = document;
  return manifest;
}

}  // namespace flint::custom_data
