// Delivery of the outbox over SMTP (with --smtp-url; the server runs it every second): unsent
// messages are taken a few at a time, locked so that servers side by side never send one twice,
// and each is marked sent, or backed off (doubling, up to an hour; 20 tries) with its error kept
// for admins.
#pragma once

#include "core/db/session.h"
#include "developer/mail/smtp_mailer.h"

namespace flint::developer {

// One pass: delivers what is due. Returns how many were sent.
int relayDueMail(db::Session& session, const SmtpSettings& settings);

}  // namespace flint::developer
