// Bulk loading in PostgreSQL's binary COPY format: rows of length-prefixed values that the
// server stores without scanning them for delimiters and escapes or parsing numbers from text.
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flint::db {

// The tuples of one COPY, built value by value in the column order the COPY names.
class BinaryCopyRows {
 public:
  // Starts a tuple of `fields` values.
  BinaryCopyRows& row(int16_t fields);
  BinaryCopyRows& text(std::string_view value);
  // A bytea value: in the binary format, its bytes as they are, like text's.
  BinaryCopyRows& bytes(std::string_view value) { return text(value); }
  BinaryCopyRows& null();
  // `value` as text, or NULL when empty.
  BinaryCopyRows& textOrNull(std::string_view value) { return value.empty() ? null() : text(value); }
  BinaryCopyRows& int4(int32_t value);
  BinaryCopyRows& int8(int64_t value);
  BinaryCopyRows& boolean(bool value);
  // A numeric written as numeric_in reads it (a JSON number, or NaN/Infinity): same value, same
  // display scale. Throws std::invalid_argument for other text and std::out_of_range beyond
  // what the format holds.
  BinaryCopyRows& numeric(std::string_view decimal);

  void reserve(size_t bytes) { tuples_.reserve(bytes); }
  bool empty() const { return tuples_.empty(); }
  const std::string& tuples() const { return tuples_; }

 private:
  std::string tuples_;
};

// Runs COPY `table` (`columns`) FROM STDIN in binary on `tx`'s connection and sends `rows`.
// `table` must be quoted already; a failure throws pqxx::sql_error and leaves `tx` aborted.
void copyBinary(pqxx::dbtransaction& tx, const std::string& table, const std::vector<std::string>& columns,
                const BinaryCopyRows& rows);

}  // namespace flint::db
