#include <gtest/gtest.h>

#include "fhir_resources/search/ucum_units.h"

using flint::fhir::canonicalUcumUnit;
using flint::fhir::scaleDecimal;

namespace {

// The canonical code of `unit` and a value of 1 in it, in canonical units.
std::pair<std::string, std::string> canonical(const std::string& unit) {
  auto c = canonicalUcumUnit(unit);
  EXPECT_TRUE(c) << unit;
  if (!c) return {};
  return {c->code, scaleDecimal("1", c->factor)};
}

}  // namespace

TEST(UcumUnits, PrefixedAtomsShareTheirBaseUnit) {
  EXPECT_EQ(canonical("g"), (std::pair<std::string, std::string>{"g", "1"}));
  EXPECT_EQ(canonical("kg"), (std::pair<std::string, std::string>{"g", "1000"}));
  EXPECT_EQ(canonical("mg"), (std::pair<std::string, std::string>{"g", "0.001"}));
  EXPECT_EQ(canonical("ug"), (std::pair<std::string, std::string>{"g", "1e-06"}));
  EXPECT_EQ(canonical("[lb_av]"), (std::pair<std::string, std::string>{"g", "453.59237"}));
  EXPECT_EQ(canonical("cm"), (std::pair<std::string, std::string>{"m", "0.01"}));
  EXPECT_EQ(canonical("[in_i]"), (std::pair<std::string, std::string>{"m", "0.0254"}));
  EXPECT_EQ(canonical("dam"), (std::pair<std::string, std::string>{"m", "10"}));
}

TEST(UcumUnits, ProductsQuotientsExponentsAndAnnotations) {
  EXPECT_EQ(canonical("mg/dL"), (std::pair<std::string, std::string>{"g.m-3", "10"}));
  EXPECT_EQ(canonical("g/L"), (std::pair<std::string, std::string>{"g.m-3", "1000"}));
  EXPECT_EQ(canonical("mmol/L"), (std::pair<std::string, std::string>{"m-3.mol", "1"}));
  EXPECT_EQ(canonical("kg/m2"), (std::pair<std::string, std::string>{"g.m-2", "1000"}));
  EXPECT_EQ(canonical("/min"), (std::pair<std::string, std::string>{"s-1", "0.0166666666666667"}));
  EXPECT_EQ(canonical("{beats}/min"), canonical("/min"));
  EXPECT_EQ(canonical("10*3/uL"), (std::pair<std::string, std::string>{"m-3", "1000000000000"}));
  EXPECT_EQ(canonical("mm[Hg]"), (std::pair<std::string, std::string>{"g.m-1.s-2", "133322"}));
  EXPECT_EQ(canonical("kPa"), (std::pair<std::string, std::string>{"g.m-1.s-2", "1000000"}));
  EXPECT_EQ(canonical("%"), (std::pair<std::string, std::string>{"1", "0.01"}));
  EXPECT_EQ(canonical("m.s-2"), (std::pair<std::string, std::string>{"m.s-2", "1"}));
  EXPECT_EQ(canonical("mL/min/{1.73_m2}"), (std::pair<std::string, std::string>{"m3.s-1", "1.66666666666667e-08"}));
}

TEST(UcumUnits, LeavesWhatItCannotConvert) {
  for (const char* unit : {"Cel", "[degF]", "[pH]", "", "mg.", "/", "xyz", "m99999", "m999", "(mg)", "10*", "10*-", "10*+",
                           "10*999", "s--1", "{x"})
    EXPECT_FALSE(canonicalUcumUnit(unit)) << unit;
}

TEST(UcumUnits, ScalesDecimalsToFifteenDigits) {
  EXPECT_EQ(scaleDecimal("5.35", 0.001L), "0.00535");
  EXPECT_EQ(scaleDecimal("72.5", 1000), "72500");
  EXPECT_EQ(scaleDecimal("-2", 0.5L), "-1");
}
