#include "developer/review/deadlines.h"

namespace flint::developer {

Deadlines deadlinesOf(const RequestRow& request, const BusinessCalendar& calendar, Day today) {
  Deadlines d;
  d.received = utcDay(request.receivedAt);
  d.verificationDue = calendar.addBusinessDays(d.received, kVerificationBusinessDays);
  if (request.verifiedAt) {
    d.verified = utcDay(*request.verifiedAt);
    d.verifiedOnTime = *d.verified <= d.verificationDue;
    d.enablementDue = calendar.addBusinessDays(*d.verified, kEnablementBusinessDays);
  }
  if (request.enabledAt) {
    d.enabled = utcDay(*request.enabledAt);
    d.enabledOnTime = d.enablementDue && *d.enabled <= *d.enablementDue;
  }
  std::optional<Day> due;
  if (request.status == "received") {
    d.running = "verification";
    due = d.verificationDue;
  } else if (request.status == "verified") {
    d.running = "enablement";
    due = d.enablementDue;
  }
  if (due) {
    if (today > *due) d.flag = "overdue";
    else if (calendar.businessDaysBetween(today, *due) <= 2) d.flag = "due-soon";
  }
  return d;
}

}  // namespace flint::developer
