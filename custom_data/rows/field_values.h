// A model field's values between JSON and PostgreSQL text: checked against the field's type on
// the way in (bound as parameters, never spliced), and exactly as stored on the way out.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "core/json/json_value.h"
#include "custom_data/models/model_definition.h"

namespace flint::custom_data {

// The reference product's MAX_FIELD_SIZE: 1 MiB per text or json value.
inline constexpr size_t kMaxFieldSize = 1048576;
// The reference product's MAX_BULK_SIZE.
inline constexpr size_t kMaxBulkSize = 10000;

// A request about rows that cannot be carried out: the HTTP status, the reference product's
// exception name where it has one (NamespaceWriteDenied, FieldValueTooLarge, ...) and a message.
class RowError : public std::runtime_error {
 public:
  RowError(int status, std::string kind, const std::string& message)
      : std::runtime_error(message), status_(status), kind_(std::move(kind)) {}
  int status() const { return status_; }
  const std::string& kind() const { return kind_; }

 private:
  int status_;
  std::string kind_;
};

// RowError 404 DoesNotExist for the row of `model` with that key.
RowError noSuchRow(const ModelDefinition& model, const std::string& key);
// Throws noSuchRow unless `key` (from a URL) is of the model's key type: a dbid, or the
// one-to-one's target id.
void checkRowKey(const ModelDefinition& model, const std::string& key);

// The parameter text for `value` of field `f` (nothing for null); RowError 400 when it does not fit.
std::optional<std::string> parameterText(const FieldDefinition& f, const json::Value& value);
// The SQL cast a parameter of `f` takes, e.g. "::numeric(20, 10)".
std::string parameterCast(const FieldDefinition& f);
// SQL giving a timestamptz `expression` as ISO 8601 text in UTC with a Z, as instants are returned.
std::string utcInstantSql(const std::string& expression);
// The JSON of a column's text as PostgreSQL returns it (nothing: null).
json::Value valueJson(const FieldDefinition& f, const std::optional<std::string>& text);

}  // namespace flint::custom_data
