// A request's deadlines on the business-day clock: verification within 10 business days of its
// receipt, enablement within 5 business days of its verification; which one runs, and whether it
// is overdue or due within two business days.
#pragma once

#include <optional>
#include <string>

#include "developer/calendar/business_calendar.h"
#include "developer/requests/request_store.h"

namespace flint::developer {

inline constexpr int kVerificationBusinessDays = 10;
inline constexpr int kEnablementBusinessDays = 5;

struct Deadlines {
  Day received;
  Day verificationDue;
  std::optional<Day> verified;
  std::optional<Day> enablementDue;
  std::optional<Day> enabled;
  // The deadline still running: verification (received), enablement (verified), or none.
  std::string running;
  // overdue (today is past the running deadline), due-soon (it falls within two business days
  // from today) or empty.
  std::string flag;
  // Whether each finished step met its deadline.
  std::optional<bool> verifiedOnTime, enabledOnTime;
};

Deadlines deadlinesOf(const RequestRow& request, const BusinessCalendar& calendar, Day today);

}  // namespace flint::developer
