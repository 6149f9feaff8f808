// The programme's mail: every message is written to flint.mail_outbox in the transaction of the
// change it tells about, so a code or notice goes out exactly when that change commits (the relay,
// mail_relay.h, sends it over SMTP). Without SMTP the outbox is the mailbox admins read
// (/admin/developer/outbox), so the flow works on a laptop.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace flint::developer {

struct Mail {
  std::string to;
  std::string subject;
  std::string body;
};

struct OutboxEntry {
  long long id = 0;
  Mail mail;
  int64_t createdAt = 0;
  std::optional<int64_t> sentAt;
  int attempts = 0;       // SMTP deliveries tried (mail_relay.h)
  std::string lastError;  // the last one's failure
};

void queueMail(pqxx::transaction_base& tx, const Mail& mail);
// The newest `limit` messages, to `recipient` only when it is not empty.
std::vector<OutboxEntry> outbox(pqxx::transaction_base& tx, int limit, const std::string& recipient = "");

}  // namespace flint::developer
