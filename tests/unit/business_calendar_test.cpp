// The programme's business-day clock: federal holidays on their observed dates (Saturday → the
// Friday before, even across a year end; Sunday → the Monday after), deadlines across weekends,
// holidays and year ends, the operator's extra holidays, and the flags of the review queue.
#include <gtest/gtest.h>

#include "developer/calendar/business_calendar.h"
#include "developer/review/deadlines.h"

using namespace flint::developer;

namespace {

Day day(const char* text) {
  auto d = parseDay(text);
  EXPECT_TRUE(d) << text;
  return d.value_or(Day{});
}

std::vector<std::string> holidays(int year) {
  std::vector<std::string> out;
  for (const auto& [d, name] : BusinessCalendar::federalHolidays(year)) out.push_back(formatDay(d));
  return out;
}

int64_t epochOf(const char* dayText, int hour) {
  return std::chrono::duration_cast<std::chrono::seconds>(day(dayText).time_since_epoch()).count() + hour * 3600;
}

}  // namespace

TEST(BusinessCalendar, FederalHolidaysOnTheirObservedDates) {
  EXPECT_EQ(holidays(2021), (std::vector<std::string>{"2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31",
                                                      "2021-06-18", "2021-07-05", "2021-09-06", "2021-10-11",
                                                      "2021-11-11", "2021-11-25", "2021-12-24", "2021-12-31"}))
      << "2022's New Year's Day (a Saturday) is observed on 2021-12-31";
  EXPECT_EQ(holidays(2022), (std::vector<std::string>{"2022-01-17", "2022-02-21", "2022-05-30", "2022-06-20",
                                                      "2022-07-04", "2022-09-05", "2022-10-10", "2022-11-11",
                                                      "2022-11-24", "2022-12-26"}));
  EXPECT_EQ(holidays(2026), (std::vector<std::string>{"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25",
                                                      "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12",
                                                      "2026-11-11", "2026-11-26", "2026-12-25"}));
  EXPECT_EQ(holidays(2020).size(), 10u) << "Juneteenth is a federal holiday from 2021";
  EXPECT_EQ(BusinessCalendar::federalHolidays(2023).front().second, "New Year's Day");
  EXPECT_EQ(formatDay(BusinessCalendar::federalHolidays(2023).front().first), "2023-01-02");
}

TEST(BusinessCalendar, DeadlinesSkipWeekendsHolidaysAndYearEnds) {
  const BusinessCalendar calendar;
  EXPECT_FALSE(calendar.isBusinessDay(day("2026-12-19")));  // Saturday
  EXPECT_FALSE(calendar.isBusinessDay(day("2026-12-25")));
  EXPECT_TRUE(calendar.isBusinessDay(day("2026-12-24")));
  // Christmas and New Year's Day inside the ten days.
  EXPECT_EQ(formatDay(calendar.addBusinessDays(day("2026-12-18"), 10)), "2027-01-05");
  // Both observed on Fridays of the old year.
  EXPECT_EQ(formatDay(calendar.addBusinessDays(day("2021-12-17"), 10)), "2022-01-04");
  // Received on a Saturday: counting starts on Monday; Martin Luther King Day skipped.
  EXPECT_EQ(formatDay(calendar.addBusinessDays(day("2026-01-10"), 10)), "2026-01-26");
  // Independence Day 2026 falls on a Saturday: observed Friday the 3rd.
  EXPECT_EQ(formatDay(calendar.addBusinessDays(day("2026-07-02"), 5)), "2026-07-10");
  EXPECT_EQ(calendar.businessDaysBetween(day("2026-12-18"), day("2027-01-05")), 10);
  EXPECT_EQ(calendar.businessDaysBetween(day("2027-01-05"), day("2026-12-18")), 0);

  const auto extra = BusinessCalendar::withHolidays({"2026-12-24"});
  EXPECT_EQ(formatDay(extra.addBusinessDays(day("2026-12-18"), 10)), "2027-01-06");
  EXPECT_THROW(BusinessCalendar::withHolidays({"2026-13-01"}), std::invalid_argument);
}

TEST(BusinessCalendar, DaysParseStrictly) {
  EXPECT_TRUE(parseDay("2024-02-29"));
  EXPECT_FALSE(parseDay("2023-02-29"));
  EXPECT_FALSE(parseDay("2023-2-28"));
  EXPECT_FALSE(parseDay("2023-02-28T00:00"));
  EXPECT_FALSE(parseDay("abcd-ef-gh"));
  EXPECT_EQ(formatDay(utcDay(epochOf("2026-12-05", 23))), "2026-12-05");
}

TEST(BusinessCalendar, QueueFlagsFollowTheRunningDeadline) {
  const BusinessCalendar calendar;
  RequestRow r;
  r.status = "received";
  r.receivedAt = epochOf("2026-12-18", 15);
  auto flagOn = [&](const char* today) { return deadlinesOf(r, calendar, day(today)).flag; };
  EXPECT_EQ(formatDay(deadlinesOf(r, calendar, day("2026-12-18")).verificationDue), "2027-01-05");
  EXPECT_EQ(deadlinesOf(r, calendar, day("2026-12-18")).running, "verification");
  EXPECT_EQ(flagOn("2026-12-30"), "");
  EXPECT_EQ(flagOn("2026-12-31"), "due-soon");
  EXPECT_EQ(flagOn("2027-01-05"), "due-soon");
  EXPECT_EQ(flagOn("2027-01-06"), "overdue");

  r.status = "verified";
  r.verifiedAt = epochOf("2027-01-04", 9);
  auto d = deadlinesOf(r, calendar, day("2027-01-07"));
  EXPECT_EQ(d.running, "enablement");
  EXPECT_EQ(*d.verifiedOnTime, true);
  EXPECT_EQ(formatDay(*d.enablementDue), "2027-01-11");
  EXPECT_EQ(d.flag, "due-soon");
  EXPECT_EQ(deadlinesOf(r, calendar, day("2027-01-12")).flag, "overdue");

  r.status = "enabled";
  r.enabledAt = epochOf("2027-01-12", 9);
  d = deadlinesOf(r, calendar, day("2027-02-01"));
  EXPECT_EQ(d.flag, "");
  EXPECT_EQ(d.running, "");
  EXPECT_EQ(*d.enabledOnTime, false);
}
