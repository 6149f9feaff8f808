#include "developer/mail/mail_outbox.h"

namespace flint::developer {

void queueMail(pqxx::transaction_base& tx, const Mail& mail) {
  tx.exec_params0("INSERT INTO flint.mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)", mail.to, mail.subject,
                  mail.body);
}

std::vector<OutboxEntry> outbox(pqxx::transaction_base& tx, int limit, const std::string& recipient) {
  std::vector<OutboxEntry> out;
  for (const auto& r : tx.exec_params("SELECT id, recipient, subject, body, extract(epoch FROM created_at)::bigint,"
                                      " extract(epoch FROM sent_at)::bigint, attempts, coalesce(last_error, '') FROM flint.mail_outbox"
                                      " WHERE $2 = '' OR lower(recipient) = lower($2) ORDER BY id DESC LIMIT $1",
                                      limit, recipient)) {
    OutboxEntry e;
    e.id = r[0].as<long long>();
    e.mail = {r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()};
    e.createdAt = r[4].as<int64_t>();
    if (!r[5].is_null()) e.sentAt = r[5].as<int64_t>();
    e.attempts = r[6].as<int>();
    e.lastError = r[7].as<std::string>();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace flint::developer
