#include <gtest/gtest.h>

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"

using namespace flint::json;

TEST(Json, DecimalsAndLargeIntegersRoundTripExactly) {
  const std::string text =
      R"({"resourceType":"Observation","valueQuantity":{"value":1.50},"n":12345678901234567890,"e":1.0e-7,"z":-0.0})";
  EXPECT_EQ(write(parse(text)), text);
}

TEST(Json, MemberOrderIsKept) {
  const std::string text = R"({"z":1,"a":2,"m":{"y":true,"b":null}})";
  EXPECT_EQ(write(parse(text)), text);
}

TEST(Json, StringsAreDecodedAndReEscaped) {
  Value v = parse(R"(["a\"b\\c\n\u00e9\ud83d\ude00\/"])");
  EXPECT_EQ(v.items()[0].text(), "a\"b\\c\n\xC3\xA9\xF0\x9F\x98\x80/");
  EXPECT_EQ(write(v), "[\"a\\\"b\\\\c\\n\xC3\xA9\xF0\x9F\x98\x80/\"]");
}

TEST(Json, ControlCharactersAreEscapedOnOutput) {
  Value v = Value::string(std::string("a\x01z", 3));
  EXPECT_EQ(write(v), "\"a\\u0001z\"");
}

// Text is scanned eight bytes at a time: a character needing escape is found wherever it falls
// in a word, and plain text around it is kept byte for byte (UTF-8 included).
TEST(Json, EveryPositionOfAnEscapeIsFound) {
  for (const std::string special : {"\"", "\\", "\n", "\t", "\x1f", "\x7f", "\xC3\xA9"}) {
    for (size_t at = 0; at <= 19; ++at) {
      std::string plain(19, 'x');
      const std::string text = plain.substr(0, at) + special + plain.substr(at);
      const std::string out = write(Value::string(text));
      EXPECT_EQ(parse(out).text(), text) << out;
      const bool escaped = special[0] == '"' || special[0] == '\\' || static_cast<unsigned char>(special[0]) < 0x20;
      EXPECT_EQ(out.size(), text.size() + 2 + (!escaped ? 0 : special[0] == '\x1f' ? 5 : 1)) << out;
    }
  }
}

TEST(Json, PrettyPrintingIndents) {
  EXPECT_EQ(write(parse(R"({"a":[1,2],"b":{}})"), true), "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
}

class JsonRejects : public ::testing::TestWithParam<std::string> {};

TEST_P(JsonRejects, MalformedInput) { EXPECT_THROW(parse(GetParam()), ParseError); }

INSTANTIATE_TEST_SUITE_P(
    Malformed, JsonRejects,
    ::testing::Values("", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "+1", "NaN",
                      "\"unterminated", "\"bad \\x escape\"", "\"tab\tinside\"", "{\"a\":1}{}", "[1] 2",
                      "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "tru", "nul",
                      std::string("\"\xC3\x28\""), std::string("\"\xC0\xAF\""), std::string("\"\xED\xA0\x80\""),
                      std::string("\"\xF5\x80\x80\x80\""), std::string("\"\xE2\x82\""), std::string("\"\xFF\""),
                      std::string("[\"a\"\0]", 6)));

TEST(Json, NestingDepthIsBounded) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_THROW(parse(deep), ParseError);
  std::string fine(100, '[');
  fine += std::string(100, ']');
  EXPECT_NO_THROW(parse(fine));
}

TEST(Json, ValueCountIsBounded) {
  std::string many = "[1";
  for (int i = 0; i < 200; ++i) many += ",1";
  many += "]";
  EXPECT_NO_THROW(parse(many));
  EXPECT_THROW(parse(many, ParseLimits{128, 100}), ParseError);
}

TEST(Json, ErrorsNameTheOffset) {
  try {
    parse("{\"a\": tru}");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.offset(), 6u);
  }
}

TEST(JsonValue, EditingKeepsOrder) {
  Value v = parse(R"({"b":1,"c":2})");
  v.setFront("a", Value::number(0));
  v.set("c", Value::number(3));
  v.insertAfter("a", "z", Value::boolean(false));
  EXPECT_EQ(write(v), R"({"a":0,"z":false,"b":1,"c":3})");
  EXPECT_TRUE(v.erase("z"));
  EXPECT_FALSE(v.erase("z"));
}
