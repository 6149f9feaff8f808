#include <gtest/gtest.h>

#include "core/log/log.h"

using namespace flint;

TEST(LogRedacted, TakesOutQuotedTextAndEverythingAfterTheFirstLine) {
  EXPECT_EQ(log::redacted("ERROR:  relation \"i5.search_string\" does not exist\nLINE 1: SELECT ..."),
            "ERROR:  relation \"…\" does not exist");
  EXPECT_EQ(log::redacted("duplicate key value violates unique constraint \"pk\"\nDETAIL:  Key (id)=(secret) already exists."),
            "duplicate key value violates unique constraint \"…\"");
  EXPECT_EQ(log::redacted("invalid input syntax for type bigint: 'abc'"), "invalid input syntax for type bigint: '…'");
  EXPECT_EQ(log::redacted("unterminated \"secret"), "unterminated \"…");
  EXPECT_EQ(log::redacted("plain message"), "plain message");
}
