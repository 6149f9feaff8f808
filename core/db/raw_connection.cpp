#include "core/db/raw_connection.h"

#include <stdexcept>

namespace flint::db {
namespace {

std::string lastError(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

PgResult checked(PGconn* conn, PGresult* result, ExecStatusType expected) {
  PgResult owned(result);
  const ExecStatusType status = PQresultStatus(result);
  if (status != expected && !(expected == PGRES_TUPLES_OK && status == PGRES_COMMAND_OK)) {
    std::string message = result != nullptr ? PQresultErrorMessage(result) : lastError(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error(message.empty() ? lastError(conn) : message);
  }
  return owned;
}

}  // namespace

RawConnection::RawConnection(const std::string& url, bool replication) {
  // dbname is expanded as a connection string or URL; the keywords after it override what it says.
  const char* keywords[] = {"dbname", "application_name", "replication", nullptr};
  const char* values[] = {url.c_str(), "flint-move", "database", nullptr};
  if (!replication) keywords[2] = nullptr;
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = lastError(conn_);
    PQfinish(conn_);
    throw std::runtime_error(message);
  }
  // Notices (a DROP ... CASCADE listing what it dropped) are not for the operator.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

RawConnection::~RawConnection() { PQfinish(conn_); }

PgResult RawConnection::exec(const std::string& sql) {
  PGresult* last = nullptr;
  if (PQsendQuery(conn_, sql.c_str()) == 0) throw std::runtime_error(lastError(conn_));
  std::string failure;
  while (PGresult* r = PQgetResult(conn_)) {
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_FATAL_ERROR && failure.empty()) failure = PQresultErrorMessage(r);
    if (last != nullptr) PQclear(last);
    last = r;
  }
  if (!failure.empty()) {
    PQclear(last);
    while (!failure.empty() && failure.back() == '\n') failure.pop_back();
    throw std::runtime_error(failure);
  }
  if (last == nullptr) return PgResult(PQmakeEmptyPGresult(conn_, PGRES_COMMAND_OK));
  return checked(conn_, last, PGRES_TUPLES_OK);
}

std::string RawConnection::literal(const std::string& value) const {
  char* escaped = PQescapeLiteral(conn_, value.data(), value.size());
  if (escaped == nullptr) throw std::runtime_error(lastError(conn_));
  std::string out(escaped);
  PQfreemem(escaped);
  return out;
}

long long streamCopy(RawConnection& from, const std::string& copyOut, RawConnection& to, const std::string& copyIn) {
  checked(from.handle(), PQexec(from.handle(), copyOut.c_str()), PGRES_COPY_OUT);
  try {
    checked(to.handle(), PQexec(to.handle(), copyIn.c_str()), PGRES_COPY_IN);
  } catch (...) {
    // Leave `from` usable: read the copy out to its end.
    char* buffer = nullptr;
    while (PQgetCopyData(from.handle(), &buffer, 0) > 0) PQfreemem(buffer);
    while (PGresult* r = PQgetResult(from.handle())) PQclear(r);
    throw;
  }
  long long bytes = 0;
  std::string failure;
  for (;;) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(from.handle(), &buffer, 0);
    if (n == -1) break;
    if (n < 0) {
      failure = lastError(from.handle());
      break;
    }
    if (failure.empty() && PQputCopyData(to.handle(), buffer, n) != 1) failure = lastError(to.handle());
    bytes += n;
    PQfreemem(buffer);
  }
  while (PGresult* r = PQgetResult(from.handle())) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && failure.empty()) failure = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQputCopyEnd(to.handle(), failure.empty() ? nullptr : "the source failed");
  while (PGresult* r = PQgetResult(to.handle())) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && failure.empty()) failure = PQresultErrorMessage(r);
    PQclear(r);
  }
  if (!failure.empty()) throw std::runtime_error(failure);
  return bytes;
}

}  // namespace flint::db
