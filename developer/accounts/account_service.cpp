#include "developer/accounts/account_service.h"

#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/crypto/password_hash.h"
#include "core/text/ascii_case.h"
#include "developer/accounts/account_store.h"
#include "developer/developer_error.h"
#include "developer/mail/mail_outbox.h"
#include "developer/requests/access_request.h"

namespace flint::developer {
namespace {

constexpr int64_t kCodeSeconds = 30 * 60;
constexpr int kCodeTries = 5;
constexpr int kSignInTries = 5;
constexpr int64_t kLockSeconds = 15 * 60;
constexpr int64_t kSessionSeconds = 12 * 3600;

std::string codeHash(const std::string& email, const std::string& code) {
  return crypto::hexEncode(crypto::sha256(text::asciiLower(email) + ":" + code));
}

std::string tokenHash(const std::string& token) { return crypto::hexEncode(crypto::sha256(token)); }

// Six random digits, and the mail that carries them.
void newCode(AccountStore& store, pqxx::transaction_base& tx, const AccountRow& account) {
  const std::string bytes = crypto::randomBytes(4);
  uint32_t n = 0;
  for (unsigned char c : bytes) n = n << 8 | c;
  std::string code = std::to_string(n % 1000000);
  code.insert(0, 6 - code.size(), '0');
  store.setCode(account.id, codeHash(account.email, code), epochSeconds() + kCodeSeconds);
  queueMail(tx, {account.email, "Your Flint developer confirmation code",
                 "Your confirmation code is " + code +
                     ".\n\nEnter it on the confirmation page within 30 minutes. If you did not sign up for a Flint "
                     "developer account, ignore this message."});
}

void checkSignUp(const std::string& email, const std::string& password) {
  std::vector<FieldProblem> problems;
  if (!isEmailAddress(email)) problems.push_back({"email", "must be an e-mail address"});
  if (password.size() < 10 || password.size() > 256)
    problems.push_back({"password", "must have 10 to 256 characters"});
  else if (text::asciiLower(password) == email)
    problems.push_back({"password", "must not be the e-mail address"});
  if (problems.empty()) return;
  std::string message = "cannot sign up:";
  for (const auto& p : problems) message += " " + p.field + " " + p.message + ";";
  message.pop_back();
  throw DeveloperError(422, "invalid_request", message, problems);
}

}  // namespace

void AccountService::signUp(const std::string& rawEmail, const std::string& password) {
  const std::string email = text::asciiLower(rawEmail);
  checkSignUp(email, password);
  const std::string hash = crypto::hashPassword(password);
  pqxx::work tx(session_.connection());
  AccountStore store(tx);
  // Serialises sign-ups of one address, so two at once cannot both create it.
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('developer account ' || $1, 0))", email);
  if (auto existing = store.byEmail(email)) {
    if (existing->confirmed)
      queueMail(tx, {email, "Your Flint developer account",
                     "Someone asked to sign up with this address, which already has an account. Sign in instead; "
                     "if it was not you, nothing needs to be done."});
    else
      newCode(store, tx, *existing);
  } else {
    AccountRow created;
    created.id = store.create(email, hash);
    created.email = email;
    newCode(store, tx, created);
  }
  tx.commit();
}

void AccountService::confirm(const std::string& email, const std::string& code) {
  pqxx::work tx(session_.connection());
  AccountStore store(tx);
  auto account = store.byEmail(email);
  const auto refuse = [] {
    return DeveloperError(400, "invalid_code", "the code is wrong or has expired; ask for a new one");
  };
  if (!account || account->confirmed) throw refuse();
  const bool live = !account->codeHash.empty() && account->codeExpires > epochSeconds() && account->codeAttempts < kCodeTries;
  if (!live || !crypto::constantTimeEquals(codeHash(account->email, code), account->codeHash)) {
    if (live) store.countCodeAttempt(account->id);
    tx.commit();
    throw refuse();
  }
  store.confirm(account->id);
  tx.commit();
}

void AccountService::resendCode(const std::string& email) {
  pqxx::work tx(session_.connection());
  AccountStore store(tx);
  if (auto account = store.byEmail(email); account && !account->confirmed) newCode(store, tx, *account);
  tx.commit();
}

std::string AccountService::signIn(const std::string& email, const std::string& password) {
  pqxx::work tx(session_.connection());
  AccountStore store(tx);
  auto account = store.byEmail(email);
  const int64_t now = epochSeconds();
  if (account && account->lockedUntil > now)
    throw DeveloperError(429, "locked", "too many failed sign-ins; try again in 15 minutes");
  // A missing account costs the same time as a wrong password, so timing tells no addresses.
  static const std::string decoy = crypto::hashPassword(crypto::randomToken(16));
  const bool matches = crypto::verifyPassword(password, account ? account->passwordHash : decoy) && account;
  if (!matches) {
    if (account) {
      const int failures = account->failedLogins + 1;
      store.recordSignIn(account->id, failures >= kSignInTries ? 0 : failures, failures >= kSignInTries ? now + kLockSeconds : 0);
      tx.commit();
    }
    throw DeveloperError(401, "invalid_credentials", "the e-mail address or the password is wrong");
  }
  if (!account->confirmed)
    throw DeveloperError(403, "unconfirmed", "confirm the e-mail address with the code mailed to it first");
  store.recordSignIn(account->id, 0, 0);
  const std::string token = crypto::randomToken(32);
  store.createSession(tokenHash(token), account->id, now + kSessionSeconds);
  tx.commit();
  return token;
}

std::optional<Account> AccountService::fromSession(const std::string& token) {
  if (token.empty()) return std::nullopt;
  pqxx::work tx(session_.connection());
  auto row = AccountStore(tx).bySession(tokenHash(token));
  tx.commit();
  if (!row) return std::nullopt;
  return Account{row->id, row->email, row->confirmed, row->reviewer};
}

bool AccountService::setReviewer(const std::string& email, bool reviewer) {
  pqxx::work tx(session_.connection());
  const bool found = AccountStore(tx).setReviewer(email, reviewer);
  tx.commit();
  return found;
}

std::vector<std::string> AccountService::reviewers() {
  pqxx::read_transaction tx(session_.connection());
  return AccountStore(tx).reviewers();
}

void AccountService::signOut(const std::string& token) {
  pqxx::work tx(session_.connection());
  AccountStore(tx).deleteSession(tokenHash(token));
  tx.commit();
}

}  // namespace flint::developer
