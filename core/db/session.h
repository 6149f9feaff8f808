// One PostgreSQL connection owned by one thread, with statements prepared on first use. Worker
// threads each keep one (the pool is sized to the workers), so no request waits for a connection.
#pragma once

#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <unordered_set>

namespace flint::db {

class Session {
 public:
  explicit Session(const std::string& url);

  pqxx::connection& connection() { return *conn_; }

  // Prepares `name` on this connection the first time it is asked for; `sql` is only called then.
  const std::string& prepared(const std::string& name, const std::function<std::string()>& sql);

  // The calling thread's session on `url`, reconnecting after a broken connection.
  static Session& forThisThread(const std::string& url);

 private:
  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unordered_set<std::string> prepared_;
};

// libpq's quoting of an SQL identifier, without needing a connection.
std::string quoteIdentifier(const std::string& name);

}  // namespace flint::db
