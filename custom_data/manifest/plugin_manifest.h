// A plugin's CANVAS_MANIFEST.json, validated strictly against the reference product's schema
// (canvas-plugins v0.203.0): unknown keys are refused and every error names its JSON path. Flint
// adds two keys to an application, launch_url and redirect_uris (its SMART web app).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/json/json_value.h"

namespace flint::custom_data {

struct CustomDataDeclaration {
  std::string ns;      // e.g. acme_corp__shared_data
  std::string access;  // read or read_write
};

struct PluginManifest {
  std::string name;
  std::string pluginVersion;
  std::optional<CustomDataDeclaration> customData;
  json::Value document;  // the manifest as given
};

// Every problem of a manifest, each "path: message", e.g. "$.components.applications[0].name: at
// most 32 characters".
class ManifestError : public std::runtime_error {
 public:
  explicit ManifestError(std::vector<std::string> problems)
      : std::runtime_error(problems.empty() ? "invalid manifest" : problems.front()), problems_(std::move(problems)) {}
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Throws ManifestError listing every problem.
PluginManifest parseManifest(const json::Value& document);

// The reference product's namespace rule: ^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$, at most 63 characters.
bool isValidNamespace(const std::string& ns);

}  // namespace flint::custom_data
