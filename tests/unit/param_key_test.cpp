#include <gtest/gtest.h>

#include <map>
#include <string>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/storage/param_key.h"

using namespace flint::fhir;

// The values PostgreSQL gives for ('x' || left(md5('Type.param'), 8))::bit(32)::int, which
// migration 11 used to key rows written before: both sides must agree.
TEST(ParamKey, MatchesTheSqlForm) {
  EXPECT_EQ(paramKey("Patient", "name"), -671736791);
  EXPECT_EQ(paramKey("Observation", "code"), -753784239);
}

// The values PostgreSQL gives for ('x' || left(md5(system), 16))::bit(64)::bigint, which
// migration 27 keyed the systems of rows written before with.
TEST(SystemKey, MatchesTheSqlForm) {
  EXPECT_EQ(systemKey("http://loinc.org"), -1904428789296998436);
  EXPECT_EQ(systemKey("urn:oid:2.16.840.1.113883.19.5"), 7807242585681551665);
  EXPECT_NE(systemKey("http://loinc.org/"), systemKey("http://loinc.org"));
}

// Index rows carry the key alone, so no two parameters the definitions give may share one.
TEST(ParamKey, DistinctForEveryIndexedParameter) {
  std::map<int32_t, std::string> seen;
  size_t names = 0;
  for (const auto& type : Definitions::get().resourceTypes())
    for (const auto* def : indexedSearchParams(type))
      for (const std::string& param : {def->code, def->code + kOfTypeSuffix, def->code + kIdentifierSuffix,
                                       def->code + kCanonicalSuffix}) {
        auto [it, inserted] = seen.emplace(paramKey(type, param), type + "." + param);
        EXPECT_TRUE(inserted) << type << "." << param << " has the key of " << it->second;
        ++names;
      }
  EXPECT_GT(names, 4000u);
}
