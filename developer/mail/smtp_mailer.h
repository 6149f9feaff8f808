// Sending one message over SMTP (libcurl: smtp:// upgraded with STARTTLS, required unless the
// relay is on loopback, or smtps://; user and password from the URL), as a plain-text UTF-8 mail.
#pragma once

#include <stdexcept>
#include <string>

#include "developer/mail/mail_outbox.h"

namespace flint::developer {

struct SmtpSettings {
  std::string url;   // --smtp-url: smtp[s]://[user:password@]host[:port]
  std::string from;  // --mail-from
};

class SmtpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The message as sent: RFC 5322 headers (CR and LF stripped from their values) and the body
// with CRLF line ends.
std::string formatMessage(const Mail& mail, const std::string& from, int64_t epochSeconds, const std::string& messageId);

// Throws SmtpError with the server's (or the connection's) complaint; never logs the URL, which
// may hold a password.
void sendMail(const SmtpSettings& settings, const Mail& mail);

}  // namespace flint::developer
