// One PostgreSQL connection, used by one thread at a time, with statements prepared on first use.
// Threads borrow them from the process's SessionPool (core/db/session_pool.h).
#pragma once

#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace flint::db {

class Session {
 public:
  explicit Session(const std::string& url);

  pqxx::connection& connection() { return *conn_; }
  const std::string& url() const { return url_; }

  // Prepares `name` on this connection the first time it is asked for; `sql` is only called then.
  const std::string& prepared(const std::string& name, const std::function<std::string()>& sql);
  // Prepares `sqlTemplate` with every "{s}" replaced by the quoted `schema` (an instance's), once
  // per schema and connection.
  const std::string& preparedIn(const std::string& schema, const char* name, const char* sqlTemplate);
  // Prepares a statement built at run time (a search), keyed by its text, so that repeated
  // shapes skip parsing and, once PostgreSQL settles on a generic plan, planning. The least
  // recently prepared are deallocated beyond a bound.
  std::string preparedText(const std::string& sql);

  // Runs `f(tx)` in the ambient transaction if there is one, else in a transaction-less read.
  template <typename F>
  auto run(F&& f) {
    if (ambient_ != nullptr) return f(static_cast<pqxx::transaction_base&>(*ambient_));
    pqxx::nontransaction tx(*conn_);
    return f(static_cast<pqxx::transaction_base&>(tx));
  }

  // The calling thread's session on `url`, borrowed from the process's SessionPool on first use
  // within the thread's SessionScope (one per database it uses), replaced after it broke.
  static Session& forThisThread(const std::string& url);

  // The settings every connection of Flint's starts with, as SQL.
  static std::vector<std::string> setupStatements();

  // A statement running longer is cancelled (SQLSTATE 57014) on sessions opened afterwards;
  // 0 means no limit. Set once at start-up.
  static void setStatementTimeout(int milliseconds);

  // The transaction a Transaction scope has open on this session, if any. Repositories run
  // their statements inside it, so several operations commit or roll back together.
  pqxx::work* ambient() const { return ambient_; }

 private:
  friend class Transaction;
  pqxx::work* ambient_ = nullptr;
  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unordered_set<std::string> prepared_;
  std::unordered_map<std::string, std::string> byText_;  // statement text -> name
  std::deque<std::string> textOrder_;                    // texts, oldest first
  uint64_t nextTextStatement_ = 0;
};

// Opens one database transaction on a session for everything run on it until commit(); rolled
// back if the scope ends without commit(). Inside another Transaction it simply joins that one
// (and its commit is left to the outer scope).
class Transaction {
 public:
  explicit Transaction(Session& session);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Session& session_;
  std::unique_ptr<pqxx::work> own_;
};

// libpq's quoting of an SQL identifier, without needing a connection.
std::string quoteIdentifier(const std::string& name);

// `sqlTemplate` with each "{s}" replaced by `quotedSchema` (an instance's quoted schema name).
std::string expandSchema(const std::string& sqlTemplate, const std::string& quotedSchema);

}  // namespace flint::db
