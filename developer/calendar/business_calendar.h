// The U.S. business-day clock the programme's deadlines run on (45 CFR 170.404's "business
// days"): weekends, federal holidays on their observed dates and the operator's extra holidays
// are not business days.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flint::developer {

using Day = std::chrono::sys_days;

class BusinessCalendar {
 public:
  explicit BusinessCalendar(std::vector<Day> extraHolidays = {});
  // Throws std::invalid_argument naming a day that is not YYYY-MM-DD.
  static BusinessCalendar withHolidays(const std::vector<std::string>& extraHolidays);

  bool isBusinessDay(Day day) const;
  // The `n`th business day after `from` (which itself never counts): a request received on a
  // Friday has its first business day on Monday.
  Day addBusinessDays(Day from, int n) const;
  // The business days after `from` up to and including `to`; 0 when `to` is not after `from`.
  int businessDaysBetween(Day from, Day to) const;

  // The federal holidays (5 U.S.C. 6103) observed in `year`, in date order, with their names: one
  // falling on a Saturday is observed the Friday before (New Year's Day then in the year before),
  // one on a Sunday the Monday after.
  static std::vector<std::pair<Day, std::string>> federalHolidays(int year);

 private:
  std::vector<Day> extraHolidays_;  // sorted
};

// YYYY-MM-DD; nullopt for anything else, or a date that does not exist.
std::optional<Day> parseDay(std::string_view text);
std::string formatDay(Day day);
// The UTC calendar day of an instant given in seconds since the epoch.
Day utcDay(int64_t epochSeconds);

}  // namespace flint::developer
