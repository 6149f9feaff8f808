// Developer accounts: sign-up with an e-mail address and a password (scrypt, as users'), the
// address confirmed by a one-time code mailed to it, sign-in (locked for a while after repeated
// failures) to a session whose token is shown once and stored as a hash.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/db/session.h"

namespace flint::developer {

struct Account {
  long long id = 0;
  std::string email;
  bool confirmed = false;
  // A staff member of the programme, who may decide on others' requests (granted by an admin).
  bool reviewer = false;
};

class AccountService {
 public:
  explicit AccountService(db::Session& session) : session_(session) {}

  // Mails a one-time code to `email`. An address that already has an account gets a notice
  // instead, and the answer is the same, so sign-up never tells who has an account.
  // DeveloperError 422 for a malformed address or a weak password.
  void signUp(const std::string& email, const std::string& password);
  // DeveloperError 400 invalid_code for a wrong, used-up (5 tries) or expired (30 minutes) code.
  void confirm(const std::string& email, const std::string& code);
  // A fresh code for an unconfirmed account; nothing (and the same answer) for any other address.
  void resendCode(const std::string& email);
  // A session token for 12 hours. DeveloperError 401 for a wrong address or password, 403
  // unconfirmed for an address not yet confirmed, 429 while locked (5 failures: 15 minutes).
  std::string signIn(const std::string& email, const std::string& password);
  // The account of a live session token; nullopt otherwise.
  std::optional<Account> fromSession(const std::string& token);
  void signOut(const std::string& token);
  // Makes the confirmed account with `email` one of the programme's reviewers, or no longer one;
  // false when there is no such account.
  bool setReviewer(const std::string& email, bool reviewer);
  std::vector<std::string> reviewers();

 private:
  db::Session& session_;
};

}  // namespace flint::developer
