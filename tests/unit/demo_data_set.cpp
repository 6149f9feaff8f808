#include "tests/unit/demo_data_set.h"

#include "core/json/json_parser.h"
#include "fhir_resources/seed/resource_sink.h"
#include "fhir_resources/seed/synthetic_data.h"
#include "fhir_resources/service/stored_form.h"

namespace flint::fhir::testing {
namespace {

class MemorySink : public seed::ResourceSink {
 public:
  std::string add(const std::string&, json::Value resource) override {
    std::string id = "seed-" + std::to_string(resources.size() + 1);
    resources.push_back(json::parse(storedForm(resource, id, 1, 1767225600000)));
    return id;
  }
  std::vector<json::Value> resources;
};

}  // namespace

const std::vector<json::Value>& demoDataSet() {
  static const std::vector<json::Value> resources = [] {
    MemorySink sink;
    SeedOptions options;
    options.patients = 100;
    options.seed = 42;
    generateDataSet(sink, options);
    return std::move(sink.resources);
  }();
  return resources;
}

std::vector<std::string> claimedProfiles(const json::Value& resource) {
  std::vector<std::string> out;
  if (const json::Value* meta = resource.find("meta"))
    if (const json::Value* profiles = meta->find("profile"))
      for (const auto& p : profiles->items()) out.push_back(p.text());
  return out;
}

}  // namespace flint::fhir::testing
