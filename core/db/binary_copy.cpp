#include "core/db/binary_copy.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "core/db/session.h"

namespace flint::db {
namespace {

void appendBigEndian(std::string& out, uint64_t value, int bytes) {
  char buffer[8];
  for (int i = 0; i < bytes; ++i) buffer[i] = static_cast<char>((value >> (8 * (bytes - 1 - i))) & 0xff);
  out.append(buffer, static_cast<size_t>(bytes));
}

// numeric's send/recv form: a count of base-10000 digits, the weight of the first (its power of
// 10000), a sign word and the display scale (digits after the decimal point), then the digits.
constexpr uint16_t kPositive = 0x0000, kNegative = 0x4000, kNaN = 0xC000, kPlusInfinity = 0xD000,
                   kMinusInfinity = 0xF000;
constexpr int kMaxExponent = 1000;  // numeric_in refuses larger exponents
constexpr int kMaxDisplayScale = 0x3FFF;

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == y;
         });
}

// Floor division by 4: which base-10000 digit holds the decimal digit of power 10^e.
long groupOf(long e) { return e >= 0 ? e / 4 : -((3 - e) / 4); }

// The field's length and numeric's header; the digits follow.
void appendNumericHeader(std::string& out, long groups, long weight, uint16_t sign, long displayScale) {
  appendBigEndian(out, 8 + 2 * static_cast<uint64_t>(groups), 4);
  appendBigEndian(out, static_cast<uint64_t>(groups), 2);
  appendBigEndian(out, static_cast<uint16_t>(static_cast<int16_t>(weight)), 2);
  appendBigEndian(out, sign, 2);
  appendBigEndian(out, static_cast<uint64_t>(displayScale), 2);
}

void appendNumeric(std::string& out, std::string_view text) {
  auto special = [&](uint16_t sign) { appendNumericHeader(out, 0, 0, sign, 0); };
  std::string_view body = text;
  const bool negative = !body.empty() && body.front() == '-';
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) body.remove_prefix(1);
  if (equalsIgnoringCase(body, "infinity") || equalsIgnoringCase(body, "inf"))
    return special(negative ? kMinusInfinity : kPlusInfinity);
  if (equalsIgnoringCase(text, "nan")) return special(kNaN);

  std::string digits;
  size_t i = 0;
  long integerDigits = 0, fractionDigits = 0, exponent = 0;
  for (; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i, ++integerDigits) digits += body[i];
  if (i < body.size() && body[i] == '.')
    for (++i; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i, ++fractionDigits) digits += body[i];
  if (digits.empty()) throw std::invalid_argument("not a number");
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    const bool negativeExponent = i < body.size() && body[i] == '-';
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    if (i == body.size()) throw std::invalid_argument("not a number");
    for (; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i) {
      exponent = exponent * 10 + (body[i] - '0');
      if (exponent > kMaxExponent) throw std::out_of_range("numeric exponent out of range");
    }
    if (negativeExponent) exponent = -exponent;
  }
  if (i != body.size()) throw std::invalid_argument("not a number");

  const long displayScale = std::max(0L, fractionDigits - exponent);
  if (displayScale > kMaxDisplayScale) throw std::out_of_range("numeric scale out of range");
  // The digits' decimal point sits after `point` of them (negative: zeros come between).
  long point = integerDigits + exponent;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) digits.clear();
  else {
    digits.erase(0, first);
    point -= static_cast<long>(first);
    digits.erase(digits.find_last_not_of('0') + 1);
  }
  if (digits.empty()) return appendNumericHeader(out, 0, 0, kPositive, displayScale);
  const long weight = groupOf(point - 1);
  const long groups = weight - groupOf(point - static_cast<long>(digits.size())) + 1;
  if (weight > INT16_MAX || weight < INT16_MIN || groups > INT16_MAX) throw std::out_of_range("numeric out of range");
  static constexpr uint16_t kPower[] = {1, 10, 100, 1000};
  std::vector<uint16_t> base10000(static_cast<size_t>(groups), 0);
  for (size_t k = 0; k < digits.size(); ++k) {
    const long e = point - 1 - static_cast<long>(k);
    const long group = groupOf(e);
    base10000[static_cast<size_t>(weight - group)] += static_cast<uint16_t>((digits[k] - '0') * kPower[e - 4 * group]);
  }
  appendNumericHeader(out, groups, weight, negative ? kNegative : kPositive, displayScale);
  for (uint16_t d : base10000) appendBigEndian(out, d, 2);
}

// libpqxx 6 keeps its connection's libpq handle to itself and its large objects; COPY in binary
// needs it, and this is the way in that libpqxx offers.
struct RawConnection : pqxx::largeobject {
  static PGconn* of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

void throwFailure(PGconn* conn, const PGresult* result, const std::string& sql) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  if (state == nullptr) throw pqxx::broken_connection(message);
  throw pqxx::sql_error(message, sql, state);
}

// Everything after the last result, so that the connection is ready for the next statement.
void drainResults(PGconn* conn) {
  while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
}

}  // namespace

BinaryCopyRows& BinaryCopyRows::row(int16_t fields) {
  appendBigEndian(tuples_, static_cast<uint16_t>(fields), 2);
  return *this;
}

BinaryCopyRows& BinaryCopyRows::text(std::string_view value) {
  if (value.size() > INT32_MAX) throw std::out_of_range("value too long for COPY");
  appendBigEndian(tuples_, value.size(), 4);
  tuples_.append(value);
  return *this;
}

BinaryCopyRows& BinaryCopyRows::null() {
  appendBigEndian(tuples_, 0xFFFFFFFFu, 4);
  return *this;
}

BinaryCopyRows& BinaryCopyRows::int4(int32_t value) {
  appendBigEndian(tuples_, 4, 4);
  appendBigEndian(tuples_, static_cast<uint32_t>(value), 4);
  return *this;
}

BinaryCopyRows& BinaryCopyRows::int8(int64_t value) {
  appendBigEndian(tuples_, 8, 4);
  appendBigEndian(tuples_, static_cast<uint64_t>(value), 8);
  return *this;
}

BinaryCopyRows& BinaryCopyRows::boolean(bool value) {
  appendBigEndian(tuples_, 1, 4);
  tuples_ += value ? '\1' : '\0';
  return *this;
}

BinaryCopyRows& BinaryCopyRows::numeric(std::string_view decimal) {
  appendNumeric(tuples_, decimal);
  return *this;
}

void copyBinary(pqxx::dbtransaction& tx, const std::string& table, const std::vector<std::string>& columns,
                const BinaryCopyRows& rows) {
  std::string sql = "COPY " + table + " (";
  for (size_t i = 0; i < columns.size(); ++i) sql += (i == 0 ? "" : ", ") + quoteIdentifier(columns[i]);
  sql += ") FROM STDIN (FORMAT binary)";
  PGconn* conn = RawConnection::of(tx);
  Result started(PQexec(conn, sql.c_str()), PQclear);
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
    drainResults(conn);
    throwFailure(conn, started.get(), sql);
  }
  // Signature, flags and header extension length (all zero), then the tuples and the trailer.
  static constexpr char kHeader[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};
  static constexpr char kTrailer[2] = {'\377', '\377'};
  // libpq copies what it is given into its own buffer: pieces of a MiB keep that buffer small.
  constexpr size_t kPiece = 1 << 20;
  bool sent = PQputCopyData(conn, kHeader, sizeof kHeader) == 1;
  const std::string& data = rows.tuples();
  for (size_t at = 0; sent && at < data.size(); at += kPiece)
    sent = PQputCopyData(conn, data.data() + at, static_cast<int>(std::min(kPiece, data.size() - at))) == 1;
  sent = sent && PQputCopyData(conn, kTrailer, sizeof kTrailer) == 1 && PQputCopyEnd(conn, nullptr) == 1;
  if (!sent) throw pqxx::broken_connection(PQerrorMessage(conn));
  Result finished(PQgetResult(conn), PQclear);
  drainResults(conn);
  if (PQresultStatus(finished.get()) != PGRES_COMMAND_OK) throwFailure(conn, finished.get(), sql);
}

}  // namespace flint::db
