#include "developer/mail/mail_relay.h"

#include <iostream>

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

MailRelay::MailRelay(std::string databaseUrl, SmtpSettings settings, std::chrono::milliseconds interval)
    : databaseUrl_(std::move(databaseUrl)), settings_(std::move(settings)), interval_(interval), thread_([this] { run(); }) {}

MailRelay::~MailRelay() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void MailRelay::run() {
  std::unique_ptr<db::Session> session;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      if (!session) session = std::make_unique<db::Session>(databaseUrl_);
      relayDueMail(*session, settings_);
    } catch (const std::exception& e) {
      session.reset();
      std::cerr << "flint: mail relay: " << e.what() << std::endl;
    }
    lock.lock();
  }
}

}  // namespace flint::developer
