#include "developer/requests/request_service.h"

#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "developer/developer_error.h"
#include "developer/mail/mail_outbox.h"
#include "developer/requests/access_request.h"
#include "developer/review/deadlines.h"

namespace flint::developer {

RequestRow RequestService::submit(const Account& account, const json::Value& body) {
  if (!account.confirmed)
    throw DeveloperError(403, "unconfirmed", "confirm the e-mail address with the code mailed to it first");
  const AccessRequest request = parseAccessRequest(body, terms_.version);
  pqxx::work tx(session_.connection());
  RequestStore store(tx);
  const std::string termsSha = crypto::hexEncode(crypto::sha256(terms_.text));
  store.keepTerms(termsSha, terms_.version, terms_.text);
  const long long id =
      store.insert(account.id, request.accessModel, request.details, termsSha, "flint-verification=" + crypto::randomToken(24));
  RequestRow row = *store.byId(id);
  const Deadlines deadlines = deadlinesOf(row, calendar_, utcDay(epochSeconds()));
  queueMail(tx, {account.email, "Flint developer access request " + std::to_string(id) + " received",
                 "We received your request for " + request.details.find("application")->stringAt("name").value_or("") +
                     " (" + request.accessModel + " access) on " + formatDay(deadlines.received) +
                     ".\n\nWe will complete the verification of your organisation's identity by " +
                     formatDay(deadlines.verificationDue) +
                     " (ten business days), and enable the application for production within five business days "
                     "after that. There is no fee.\n"});
  tx.commit();
  return row;
}

std::vector<RequestRow> RequestService::mine(const Account& account) {
  pqxx::read_transaction tx(session_.connection());
  return RequestStore(tx).forAccount(account.id);
}

RequestRow RequestService::mineById(const Account& account, long long id) {
  pqxx::read_transaction tx(session_.connection());
  auto row = RequestStore(tx).byId(id);
  // Another account's request answers as one that does not exist.
  if (!row || row->accountId != account.id) throw DeveloperError(404, "not_found", "there is no such request of yours");
  return *row;
}

}  // namespace flint::developer
