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

TEST(PathSegment, DecodesPercentEscapesButNotPlus) {
  EXPECT_EQ(decodeSegment("a%20b+c"), "a b+c");
  EXPECT_FALSE(decodeSegment("bad%"));
}
