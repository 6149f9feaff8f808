// A plain libpq connection for what libpqxx 6 does not offer: replication-protocol commands
// (a slot with an exported snapshot) and COPY streamed from one database straight into another.
#pragma once

#include <libpq-fe.h>

#include "core/db/pg_result.h"

#include <memory>
#include <string>
#include <vector>

namespace flint::db {

class RawConnection {
 public:
  // `replication`: a logical replication connection to the database (replication=database).
  explicit RawConnection(const std::string& url, bool replication = false);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Runs `sql` (one or several statements, no parameters); throws std::runtime_error with the
  // server's message on failure. Returns the last statement's result.
  PgResult exec(const std::string& sql);
  // `value` as an SQL string literal for this connection.
  std::string literal(const std::string& value) const;
  PGconn* handle() const { return conn_; }

 private:
  PGconn* conn_ = nullptr;
};

// Runs `copyOut` (COPY ... TO STDOUT) on `from` and `copyIn` (COPY ... FROM STDIN) on `to`,
// passing the data through as it arrives (bounded memory); both must use the same format.
// Returns the bytes copied.
long long streamCopy(RawConnection& from, const std::string& copyOut, RawConnection& to, const std::string& copyIn);

}  // namespace flint::db
