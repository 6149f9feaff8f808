// Binary COPY values: numerics as numeric_recv reads them (numeric_send's output for the same
// text), and the framing of the other kinds. tests/api/bundle_test.cpp checks them against
// PostgreSQL itself.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/db/binary_copy.h"

using flint::db::BinaryCopyRows;

namespace {

// Big-endian 16-bit words, as numeric_send writes them after the field's 4-byte length.
std::string words(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) {
    out += static_cast<char>((static_cast<unsigned>(v) >> 8) & 0xff);
    out += static_cast<char>(static_cast<unsigned>(v) & 0xff);
  }
  return out;
}

std::string numeric(const std::string& text) { return BinaryCopyRows().numeric(text).tuples(); }

std::string field(std::initializer_list<int> values) {
  const std::string body = words(values);
  return std::string{0, 0, 0, static_cast<char>(body.size())} + body;
}

}  // namespace

TEST(BinaryCopyNumeric, EncodesBase10000DigitsWeightSignAndScale) {
  // ndigits, weight, sign, dscale, digits
  EXPECT_EQ(numeric("12.50"), field({2, 0, 0, 2, 12, 5000}));
  EXPECT_EQ(numeric("-0.001"), field({1, -1, 0x4000, 3, 10}));
  EXPECT_EQ(numeric("123456789.123"), field({4, 2, 0, 3, 1, 2345, 6789, 1230}));
  EXPECT_EQ(numeric("10000"), field({1, 1, 0, 0, 1}));
  EXPECT_EQ(numeric("0.00001"), field({1, -2, 0, 5, 1000}));
  EXPECT_EQ(numeric("7"), field({1, 0, 0, 0, 7}));
}

TEST(BinaryCopyNumeric, ExponentsMoveThePointAndTheScaleAsNumericInDoes) {
  EXPECT_EQ(numeric("1.0e3"), field({1, 0, 0, 0, 1000}));
  EXPECT_EQ(numeric("1.50E1"), field({1, 0, 0, 1, 15}));
  EXPECT_EQ(numeric("25e-5"), field({2, -1, 0, 5, 2, 5000}));
  EXPECT_EQ(numeric("1e+4"), field({1, 1, 0, 0, 1}));
}

TEST(BinaryCopyNumeric, ZeroIsPositiveWithItsScale) {
  EXPECT_EQ(numeric("0"), field({0, 0, 0, 0}));
  EXPECT_EQ(numeric("-0.000"), field({0, 0, 0, 3}));
  EXPECT_EQ(numeric("0e5"), field({0, 0, 0, 0}));
}

TEST(BinaryCopyNumeric, SpecialValuesAsPostgreSQLSpellsThem) {
  EXPECT_EQ(numeric("NaN"), field({0, 0, 0xC000, 0}));
  EXPECT_EQ(numeric("inf"), field({0, 0, 0xD000, 0}));
  EXPECT_EQ(numeric("-Infinity"), field({0, 0, 0xF000, 0}));
}

TEST(BinaryCopyNumeric, RefusesWhatNumericInRefuses) {
  for (const char* bad : {"", "-", ".", "1e", "1e+", "12a", "1.2.3", "--1", "+nan", "0x10", " 1"})
    EXPECT_THROW(numeric(bad), std::invalid_argument) << bad;
  EXPECT_THROW(numeric("1e1001"), std::out_of_range);
  EXPECT_THROW(numeric("1e-99999999999999999999"), std::out_of_range);
  EXPECT_NO_THROW(numeric("1e1000"));
}

TEST(BinaryCopyRows, FramesEachValueWithItsLength) {
  BinaryCopyRows rows;
  rows.row(5).text("ab").null().textOrNull("").int4(-2).int8(1).boolean(true);
  const std::string expected = std::string("\0\5", 2) + std::string("\0\0\0\2ab", 6) + std::string(8, '\xff') +
                               std::string("\0\0\0\4\xff\xff\xff\xfe", 8) +
                               std::string("\0\0\0\x8\0\0\0\0\0\0\0\1", 12) + std::string("\0\0\0\1\1", 5);
  EXPECT_EQ(rows.tuples(), expected);
}
