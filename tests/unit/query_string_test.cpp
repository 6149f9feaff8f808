#include <gtest/gtest.h>

#include "core/url/query_string.h"

using namespace flint::url;

TEST(QueryString, KeepsOrderAndRepeatsAndDecodes) {
  auto q = parseQuery("date=ge2020&date=le2021&name=O%27Brien&given=Ann+Marie&flag&code=http%3A%2F%2Floinc.org%7C1234-5");
  ASSERT_TRUE(q);
  Pairs expected = {{"date", "ge2020"}, {"date", "le2021"}, {"name", "O'Brien"}, {"given", "Ann Marie"},
                    {"flag", ""},       {"code", "http://loinc.org|1234-5"}};
  EXPECT_EQ(*q, expected);
}

TEST(QueryString, RejectsBrokenEscapes) {
  EXPECT_FALSE(parseQuery("a=%zz"));
  EXPECT_FALSE(parseQuery("a=%2"));
  EXPECT_FALSE(parseQuery("a=%00"));
}

// FHIR text is UTF-8: a value or name that decodes to anything else is no query of ours.
TEST(QueryString, RejectsWhatDecodesToOtherThanUtf8) {
  EXPECT_EQ(parseQuery("name=M%C3%BCller"), (Pairs{{"name", "M\xC3\xBCller"}}));
  EXPECT_FALSE(parseQuery("name=%FF%FE"));
  EXPECT_FALSE(parseQuery("name=%C3%28"));
  EXPECT_FALSE(parseQuery("n%C0%AFme=x"));
  EXPECT_FALSE(parseQuery("name=M\xFCller"));
}

TEST(PathSegment, DecodesPercentEscapesButNotPlus) {
  EXPECT_EQ(decodeSegment("a%20b+c"), "a b+c");
  EXPECT_FALSE(decodeSegment("bad%"));
  EXPECT_EQ(decodeSegment("M%C3%BCller"), "M\xC3\xBCller");
  EXPECT_FALSE(decodeSegment("a%C3%28"));
  EXPECT_FALSE(decodeSegment("a%ED%A0%80"));
}
