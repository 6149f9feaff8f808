#include "developer/mail/mail_relay.h"

namespace flint::developer {

int relayDueMail(db::Session& session, const SmtpSettings& settings) {
  pqxx::work tx(session.connection());
  int sent = 0;
  for (const auto& r : tx.exec("SELECT id, recipient, subject, body FROM flint.mail_outbox"
                               " WHERE sent_at IS NULL AND attempts < 20 AND next_attempt_at <= now()"
                               " ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED")) {
    const long long id = r[0].as<long long>();
    try {
      sendMail(settings, {r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()});
      tx.exec_params0("UPDATE flint.mail_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL"
                      " WHERE id = $1", id);
      ++sent;
    } catch (const SmtpError& e) {
      tx.exec_params0("UPDATE flint.mail_outbox SET attempts = attempts + 1, last_error = $2,"
                      " next_attempt_at = now() + make_interval(secs => least(3600, 2 ^ attempts * 5)) WHERE id = $1",
                      id, std::string(e.what()).substr(0, 500));
    }
  }
  tx.commit();
  return sent;
}

}  // namespace flint::developer
