// A libpq result as Flint's own libpq wrappers (PipelinedConnection, RawConnection) return it:
// rows as text, or a failure and its SQLSTATE.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

namespace flint::db {

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, PQclear) {}
  // Rows came back (a statement that returns none is not ok).
  bool ok() const { return result_ && PQresultStatus(result_.get()) == PGRES_TUPLES_OK; }
  // SQLSTATE of a failure ("" when none is known, e.g. the connection broke).
  std::string sqlState() const {
    const char* state = result_ ? PQresultErrorField(result_.get(), PG_DIAG_SQLSTATE) : nullptr;
    return state ? state : "";
  }
  int rows() const { return PQntuples(result_.get()); }
  bool isNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view text(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column), static_cast<size_t>(PQgetlength(result_.get(), row, column))};
  }
  std::string value(int row, int column) const { return std::string(text(row, column)); }

 private:
  std::shared_ptr<PGresult> result_;
};

}  // namespace flint::db
