#include <gtest/gtest.h>

#include <string>

#include "core/text/storable_text.h"

using flint::text::storableText;
using namespace std::string_literals;

TEST(StorableText, KeepsWellFormedUtf8) {
  for (const std::string s : {""s, "Patient/123?name=x"s, "Müller"s, "日本"s, "\xF0\x9F\x98\x80"s, "\xF4\x8F\xBF\xBF"s})
    EXPECT_EQ(storableText(s), s);
}

TEST(StorableText, ReplacesNulAndMalformedSequences) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(storableText("a\0b"s), "a" + r + "b");
  EXPECT_EQ(storableText("\xC3\x28"), r + "(");                   // a lead byte without its continuation
  EXPECT_EQ(storableText("x\xC3"), "x" + r);                       // cut off at the end
  EXPECT_EQ(storableText("\x80"), r);                              // a lone continuation byte
  EXPECT_EQ(storableText("\xC0\xAF"), r + r);                      // overlong '/'
  EXPECT_EQ(storableText("\xE0\x80\xAF"), r + r + r);              // overlong, three bytes
  EXPECT_EQ(storableText("\xED\xA0\x80"), r + r + r);              // a UTF-16 surrogate
  EXPECT_EQ(storableText("\xF4\x90\x80\x80"), r + r + r + r);      // past U+10FFFF
  EXPECT_EQ(storableText("\xFF\xFE"), r + r);
}
