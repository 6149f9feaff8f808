// The committed US Core profile table is what generate_profiles makes of the official packages
// in ../shared/spec; without them (a clone on its own) there is nothing to compare against.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fhir_resources/profiles/profile_table.h"

namespace {

std::string contents(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ProfileTable, IsCurrentWithTheUsCorePackages) {
  const std::filesystem::path spec = std::filesystem::path(FLINT_SOURCE_DIR) / ".." / "shared" / "spec";
  if (!std::filesystem::exists(spec / "us-core-6.1.0") || !std::filesystem::exists(spec / "us-core-7.0.0"))
    GTEST_SKIP() << "the US Core packages are not at " << spec;
  const std::filesystem::path out = std::filesystem::temp_directory_path() / ("us_core_profiles." + std::to_string(getpid()) + ".json");
  const std::string command = std::string(FLINT_GENERATE_PROFILES) + " '" + FLINT_R4_DEFINITIONS + "' '" + out.string() +
                              "' '" + (spec / "us-core-6.1.0").string() + "' '" + (spec / "us-core-7.0.0").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string generated = contents(out);
  std::filesystem::remove(out);
  EXPECT_TRUE(generated == contents(std::filesystem::path(FLINT_SOURCE_DIR) / "fhir_resources/definitions/us_core_profiles.json"))
      << "fhir_resources/definitions/us_core_profiles.json is stale: regenerate it with scripts/generate-us-core-profiles";
}

TEST(ProfileTable, HoldsBothVersionsOfEveryProfile) {
  const auto& table = flint::fhir::ProfileTable::get();
  EXPECT_EQ(table.versions(), (std::vector<std::string>{"6.1.0", "7.0.0"}));
  const std::string patient = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient";
  ASSERT_NE(table.find(patient + "|6.1.0"), nullptr);
  EXPECT_EQ(table.find(patient)->version, "7.0.0") << "an unversioned claim means the latest";
  EXPECT_EQ(table.find(patient + "|5.0.1"), nullptr);
  EXPECT_EQ(table.typeOf("http://hl7.org/fhir/StructureDefinition/Observation"), "Observation");
  EXPECT_EQ(table.typeOf("http://hl7.org/fhir/StructureDefinition/vitalsigns"), "");
  ASSERT_NE(table.valueSet("http://hl7.org/fhir/ValueSet/observation-status|4.0.1"), nullptr);
  EXPECT_TRUE(table.valueSet("http://hl7.org/fhir/ValueSet/observation-status")->count("|final"));
  EXPECT_EQ(table.valueSet("http://hl7.org/fhir/us/core/ValueSet/omb-race-category"), nullptr) << "VSAC: not offline";
}

}  // namespace
