// Delivery of the outbox over SMTP (when --smtp-url is set): a thread of its own takes unsent
// messages a few at a time, locked so that servers side by side never send one twice, and marks
// each sent, or backs it off (doubling, up to an hour) with the error kept for admins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/db/session.h"
#include "developer/mail/smtp_mailer.h"

namespace flint::developer {

// One pass: delivers what is due. Returns how many were sent.
int relayDueMail(db::Session& session, const SmtpSettings& settings);

class MailRelay {
 public:
  MailRelay(std::string databaseUrl, SmtpSettings settings, std::chrono::milliseconds interval);
  ~MailRelay();
  MailRelay(const MailRelay&) = delete;
  MailRelay& operator=(const MailRelay&) = delete;

 private:
  void run();

  std::string databaseUrl_;
  SmtpSettings settings_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flint::developer
