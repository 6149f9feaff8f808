#include "developer/calendar/business_calendar.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace flint::developer {
namespace {

using namespace std::chrono;

Day nthWeekday(int year, unsigned monthNumber, weekday w, unsigned n) {
  return sys_days(year_month_weekday(std::chrono::year(year) / month(monthNumber) / w[n]));
}

Day lastWeekday(int year, unsigned monthNumber, weekday w) {
  return sys_days(year_month_weekday_last(std::chrono::year(year) / month(monthNumber) / w[last]));
}

Day observed(Day day) {
  const weekday w(day);
  if (w == Saturday) return day - days(1);
  if (w == Sunday) return day + days(1);
  return day;
}

// The holidays of `year` as the statute dates them, observed, wherever that moves them.
std::vector<std::pair<Day, std::string>> holidaysOf(int year) {
  auto fixed = [year](unsigned m, unsigned d) {
    return observed(sys_days(std::chrono::year(year) / month(m) / day(d)));
  };
  std::vector<std::pair<Day, std::string>> out = {
      {fixed(1, 1), "New Year's Day"},
      {nthWeekday(year, 1, Monday, 3), "Birthday of Martin Luther King, Jr."},
      {nthWeekday(year, 2, Monday, 3), "Washington's Birthday"},
      {lastWeekday(year, 5, Monday), "Memorial Day"},
      {fixed(7, 4), "Independence Day"},
      {nthWeekday(year, 9, Monday, 1), "Labor Day"},
      {nthWeekday(year, 10, Monday, 2), "Columbus Day"},
      {fixed(11, 11), "Veterans Day"},
      {nthWeekday(year, 11, Thursday, 4), "Thanksgiving Day"},
      {fixed(12, 25), "Christmas Day"},
  };
  if (year >= 2021) out.emplace_back(fixed(6, 19), "Juneteenth National Independence Day");
  return out;
}

}  // namespace

std::vector<std::pair<Day, std::string>> BusinessCalendar::federalHolidays(int year) {
  std::vector<std::pair<Day, std::string>> out;
  for (int y : {year, year + 1})
    for (auto& holiday : holidaysOf(y))
      if (int(year_month_day(holiday.first).year()) == year) out.push_back(std::move(holiday));
  std::sort(out.begin(), out.end());
  return out;
}

BusinessCalendar::BusinessCalendar(std::vector<Day> extraHolidays) : extraHolidays_(std::move(extraHolidays)) {
  std::sort(extraHolidays_.begin(), extraHolidays_.end());
}

BusinessCalendar BusinessCalendar::withHolidays(const std::vector<std::string>& extraHolidays) {
  std::vector<Day> days;
  for (const auto& text : extraHolidays) {
    auto day = parseDay(text);
    if (!day) throw std::invalid_argument("'" + text + "' is not a day (YYYY-MM-DD)");
    days.push_back(*day);
  }
  return BusinessCalendar(std::move(days));
}

bool BusinessCalendar::isBusinessDay(Day day) const {
  const weekday w(day);
  if (w == Saturday || w == Sunday) return false;
  if (std::binary_search(extraHolidays_.begin(), extraHolidays_.end(), day)) return false;
  const int year = int(year_month_day(day).year());
  for (const auto& [holiday, name] : federalHolidays(year))
    if (holiday == day) return false;
  return true;
}

Day BusinessCalendar::addBusinessDays(Day from, int n) const {
  Day day = from;
  while (n > 0) {
    day += days(1);
    if (isBusinessDay(day)) --n;
  }
  return day;
}

int BusinessCalendar::businessDaysBetween(Day from, Day to) const {
  int count = 0;
  for (Day day = from + days(1); day <= to; day += days(1))
    if (isBusinessDay(day)) ++count;
  return count;
}

std::optional<Day> parseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  auto number = [&text](size_t at, size_t length) {
    int n = 0;
    for (size_t i = at; i < at + length; ++i) n = n * 10 + (text[i] - '0');
    return n;
  };
  const year_month_day date(std::chrono::year(number(0, 4)), month(unsigned(number(5, 2))), day(unsigned(number(8, 2))));
  if (!date.ok()) return std::nullopt;
  return sys_days(date);
}

std::string formatDay(Day day) {
  const year_month_day date(day);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", int(date.year()), unsigned(date.month()), unsigned(date.day()));
  return out;
}

Day utcDay(int64_t epochSeconds) { return floor<days>(sys_seconds(seconds(epochSeconds))); }

}  // namespace flint::developer
