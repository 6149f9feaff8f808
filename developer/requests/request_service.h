// A developer's own access requests: submitting one (checked, with the Terms of Use in force
// recorded), and reading back those of the signed-in account only.
#pragma once

#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/json/json_value.h"
#include "developer/accounts/account_service.h"
#include "developer/calendar/business_calendar.h"
#include "developer/requests/request_store.h"

namespace flint::developer {

// The Terms of Use in force: the text and the version a request must say it accepted.
struct TermsOfUse {
  std::string text;
  std::string version;
};

class RequestService {
 public:
  RequestService(db::Session& session, const TermsOfUse& terms, const BusinessCalendar& calendar)
      : session_(session), terms_(terms), calendar_(calendar) {}

  // DeveloperError 403 unconfirmed for an account whose address is not confirmed, 422 listing
  // each field's problem. Mails the account the receipt with the verification due date.
  RequestRow submit(const Account& account, const json::Value& body);
  std::vector<RequestRow> mine(const Account& account);
  // DeveloperError 404 unless the request is the account's own.
  RequestRow mineById(const Account& account, long long id);

 private:
  db::Session& session_;
  const TermsOfUse& terms_;
  const BusinessCalendar& calendar_;
};

}  // namespace flint::developer
