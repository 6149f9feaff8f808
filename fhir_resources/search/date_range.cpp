#include "fhir_resources/search/date_range.h"

#include <ctime>
#include <regex>
#include <string>

namespace flint::fhir {
namespace {

int64_t epochMillis(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

int daysInMonth(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

}  // namespace

std::optional<DateRange> parseDateRange(std::string_view text) {
  // The longest FHIR dateTime is about 35 characters; never hand megabytes to std::regex.
  if (text.size() > 64) return std::nullopt;
  static const std::regex pattern(
      R"(^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, pattern)) return std::nullopt;
  auto num = [&](int i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
  int year = num(1);
  if (!m[2].matched) return DateRange{epochMillis(year, 1, 1, 0, 0, 0), epochMillis(year + 1, 1, 1, 0, 0, 0)};
  int month = num(2);
  if (month < 1 || month > 12) return std::nullopt;
  if (!m[3].matched) {
    int64_t low = epochMillis(year, month, 1, 0, 0, 0);
    return DateRange{low, low + int64_t(daysInMonth(year, month)) * 86400000};
  }
  int day = num(3);
  if (day < 1 || day > daysInMonth(year, month)) return std::nullopt;
  if (!m[4].matched) {
    int64_t low = epochMillis(year, month, day, 0, 0, 0);
    return DateRange{low, low + 86400000};
  }
  int hour = num(4), minute = num(5), second = num(6);
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t offset = 0;
  if (m[8].matched && m[8].str() != "Z") {
    std::string tz = m[8].str();
    int tzMinutes = std::stoi(tz.substr(1, 2)) * 60 + std::stoi(tz.substr(4, 2));
    if (tzMinutes > 14 * 60) return std::nullopt;
    offset = int64_t(tz[0] == '-' ? -tzMinutes : tzMinutes) * 60000;
  }
  int64_t low = epochMillis(year, month, day, hour, minute, second) - offset;
  if (!m[6].matched) return DateRange{low, low + 60000};
  if (!m[7].matched) return DateRange{low, low + 1000};
  std::string fraction = m[7].str();
  // Milliseconds are the finest precision stored; finer digits narrow nothing further.
  int64_t step = 1;
  std::string ms = fraction.substr(0, 3);
  if (fraction.size() == 1) step = 100;
  else if (fraction.size() == 2) step = 10;
  while (ms.size() < 3) ms += '0';
  low += std::stoi(ms);
  return DateRange{low, low + step};
}

}  // namespace flint::fhir
