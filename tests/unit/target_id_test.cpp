#include <gtest/gtest.h>

#include "fhir_resources/storage/target_id.h"

using namespace flint::fhir;

// The values PostgreSQL gives for migration 28's form of the same ids: rows it converted and
// rows the server writes must agree.
TEST(StoredTargetId, MatchesTheSqlForm) {
  EXPECT_EQ(storedTargetIdParam("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"), "\\x0a1b2c3d4e5f60718293a4b5c6d7e8f9");
  EXPECT_EQ(storedTargetIdParam("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"),
            "\\x30413142324333442d344535462d363037312d383239332d413442354336443745384639");
  EXPECT_EQ(storedTargetIdParam("abcdefghij012345"), "\\x6162636465666768696a30313233343500");
  EXPECT_EQ(storedTargetIdParam("p1"), "\\x7031");
  EXPECT_EQ(storedTargetIdParam("0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
            "\\x3061316232633364346535663630373138323933613462356336643765386639");
}

// Only a lower-case UUID takes 16 bytes, so no two ids share a stored form.
TEST(StoredTargetId, IsSixteenBytesForALowerCaseUuidAlone) {
  EXPECT_EQ(storedTargetId("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9").size(), 16u);
  for (const char* id : {"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8fg", "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f", "abcdefghij012345",
                         "0a1b2c3d+4e5f-6071-8293-a4b5c6d7e8f9", "x"})
    EXPECT_NE(storedTargetId(id).size(), 16u) << id;
  EXPECT_EQ(storedTargetId("abcdefghij012345"), std::string("abcdefghij012345") + '\0');
}
