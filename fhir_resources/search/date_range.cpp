#include "fhir_resources/search/date_range.h"

#include <cstdint>

namespace flint::fhir {
namespace {

// Days from 1970-01-01 to a proleptic Gregorian date, by counting 400-year eras from March 1
// (so that the leap day ends a year); plain arithmetic, valid for every four-digit year.
int64_t daysFromEpoch(int year, int month, int day) {
  const int y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yearOfEra = y - era * 400;
  const int64_t dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

int64_t epochMillis(int year, int month, int day, int hour, int minute, int second) {
  return ((daysFromEpoch(year, month, day) * 24 + hour) * 60 + minute) * 60000 + int64_t(second) * 1000;
}

int daysInMonth(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

// Reads the dateTime grammar left to right: YYYY[-MM[-DD[Thh:mm[:ss[.fff]][Z|(+|-)hh:mm]]]].
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool atEnd() const { return at_ == text_.size(); }
  bool take(char c) {
    if (atEnd() || text_[at_] != c) return false;
    ++at_;
    return true;
  }
  // Exactly `count` ASCII digits.
  bool number(size_t count, int& out) {
    if (text_.size() - at_ < count) return false;
    int value = 0;
    for (size_t i = 0; i < count; ++i) {
      const char c = text_[at_ + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    at_ += count;
    out = value;
    return true;
  }
  // One to nine digits of a fraction: its milliseconds, and the step its last digit stands for.
  bool fraction(int64_t& millis, int64_t& step) {
    size_t digits = 0;
    int64_t value = 0;
    while (!atEnd() && text_[at_] >= '0' && text_[at_] <= '9') {
      if (digits < 3) value = value * 10 + (text_[at_] - '0');
      ++digits;
      ++at_;
    }
    if (digits == 0 || digits > 9) return false;
    // Milliseconds are the finest precision stored; finer digits narrow nothing further.
    step = digits == 1 ? 100 : digits == 2 ? 10 : 1;
    millis = value * step;
    return true;
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

std::optional<DateRange> parseDateRange(std::string_view text) {
  Cursor in(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!in.number(4, year)) return std::nullopt;
  if (in.atEnd()) return DateRange{epochMillis(year, 1, 1, 0, 0, 0), epochMillis(year + 1, 1, 1, 0, 0, 0)};
  if (!in.take('-') || !in.number(2, month) || month < 1 || month > 12) return std::nullopt;
  if (in.atEnd()) {
    int64_t low = epochMillis(year, month, 1, 0, 0, 0);
    return DateRange{low, low + int64_t(daysInMonth(year, month)) * 86400000};
  }
  if (!in.take('-') || !in.number(2, day) || day < 1 || day > daysInMonth(year, month)) return std::nullopt;
  if (in.atEnd()) {
    int64_t low = epochMillis(year, month, day, 0, 0, 0);
    return DateRange{low, low + 86400000};
  }
  if (!in.take('T') || !in.number(2, hour) || !in.take(':') || !in.number(2, minute)) return std::nullopt;
  const bool seconds = in.take(':');
  if (seconds && !in.number(2, second)) return std::nullopt;
  int64_t millis = 0, step = seconds ? 1000 : 60000;
  if (seconds && in.take('.') && !in.fraction(millis, step)) return std::nullopt;
  int64_t offset = 0;
  if (!in.take('Z') && !in.atEnd()) {
    const bool west = in.take('-');
    int tzHours = 0, tzMinutes = 0;
    if ((!west && !in.take('+')) || !in.number(2, tzHours) || !in.take(':') || !in.number(2, tzMinutes))
      return std::nullopt;
    if (tzHours * 60 + tzMinutes > 14 * 60) return std::nullopt;
    offset = int64_t(west ? -(tzHours * 60 + tzMinutes) : tzHours * 60 + tzMinutes) * 60000;
  }
  if (!in.atEnd() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const int64_t low = epochMillis(year, month, day, hour, minute, second) - offset + millis;
  return DateRange{low, low + step};
}

}  // namespace flint::fhir
