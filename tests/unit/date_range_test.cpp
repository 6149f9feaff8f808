#include <gtest/gtest.h>

#include "fhir_resources/rest/instant.h"
#include "fhir_resources/search/date_range.h"

using namespace flint::fhir;

namespace {
int64_t at(const char* instant) { return parseDateRange(instant)->low; }
}  // namespace

TEST(DateRange, EachPrecisionCoversItsWholeSpan) {
  auto year = parseDateRange("2024");
  ASSERT_TRUE(year);
  EXPECT_EQ(year->low, at("2024-01-01T00:00:00Z"));
  EXPECT_EQ(year->high, at("2025-01-01T00:00:00Z"));
  auto feb = parseDateRange("2024-02");
  EXPECT_EQ(feb->high - feb->low, 29LL * 86400000);
  auto day = parseDateRange("2023-12-31");
  EXPECT_EQ(day->high, at("2024-01-01T00:00:00Z"));
  auto minute = parseDateRange("2024-03-05T10:00Z");
  EXPECT_EQ(minute->high - minute->low, 60000);
  auto second = parseDateRange("2024-03-05T10:00:07Z");
  EXPECT_EQ(second->high - second->low, 1000);
  auto ms = parseDateRange("2024-03-05T10:00:07.123Z");
  EXPECT_EQ(ms->low % 1000, 123);
  EXPECT_EQ(ms->high - ms->low, 1);
}

TEST(DateRange, TimeZonesShiftToUtc) {
  EXPECT_EQ(at("2024-03-05T10:00:00+02:00"), at("2024-03-05T08:00:00Z"));
  EXPECT_EQ(at("2024-03-05T10:00:00-05:30"), at("2024-03-05T15:30:00Z"));
}

TEST(DateRange, RejectsWhatIsNotADate) {
  for (const char* bad : {"", "24", "2024-13", "2024-02-30", "2024-01-01T25:00:00Z", "2024-01-01T10:61Z",
                          "2024-01-01 10:00", "yesterday", "2024-01-01T10:00:00+15:00", "2024-1-1"})
    EXPECT_FALSE(parseDateRange(bad)) << bad;
}

TEST(Instant, FormatsAndParsesHttpDates) {
  int64_t t = at("2026-11-22T03:55:00.123Z");
  EXPECT_EQ(formatInstant(t), "2026-11-22T03:55:00.123Z");
  EXPECT_EQ(formatHttpDate(t), "Sun, 22 Nov 2026 03:55:00 GMT");
  EXPECT_EQ(parseHttpDate("Sun, 22 Nov 2026 03:55:00 GMT"), t - 123);
  EXPECT_FALSE(parseHttpDate("22 Nov 2026"));
}
