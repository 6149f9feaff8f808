#include "fhir_resources/storage/target_id.h"

#include "fhir_resources/storage/index_rows_sql.h"

namespace flint::fhir {
namespace {

constexpr size_t kUuidBytes = 16;

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Whether `id` is a UUID as 8-4-4-4-12 lower-case hex digits (upper case would not survive the
// trip through 16 bytes and back).
bool isLowerCaseUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : hexDigit(id[i]) < 0) return false;
  }
  return true;
}

}  // namespace

std::string storedTargetId(std::string_view id) {
  if (!isLowerCaseUuid(id)) {
    std::string out(id);
    if (out.size() == kUuidBytes) out += '\0';
    return out;
  }
  std::string out;
  out.reserve(kUuidBytes);
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '-') continue;
    out += static_cast<char>(hexDigit(id[i]) << 4 | hexDigit(id[i + 1]));
    ++i;
  }
  return out;
}

std::string storedTargetIdParam(std::string_view id) {
  static const char* digits = "0123456789abcdef";
  std::string out = "\\x";
  for (unsigned char c : storedTargetId(id)) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string storedTargetIdsParam(const std::vector<std::string>& ids) {
  std::vector<std::string> stored;
  stored.reserve(ids.size());
  for (const auto& id : ids) stored.push_back(storedTargetIdParam(id));
  return pgTextArray(stored);
}

std::string storedTargetIdSql(const std::string& id) {
  return "(CASE WHEN " + id + " ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
         " THEN decode(replace(" + id + ", '-', ''), 'hex') WHEN octet_length(" + id + ") = 16"
         " THEN convert_to(" + id + ", 'UTF8') || '\\x00'::bytea ELSE convert_to(" + id + ", 'UTF8') END)";
}

std::string targetIdSql(const std::string& stored) {
  return "(CASE WHEN length(" + stored + ") = 16 THEN encode(" + stored + ", 'hex')::uuid::text"
         " WHEN length(" + stored + ") = 0 THEN '' WHEN get_byte(" + stored + ", length(" + stored + ") - 1) = 0"
         " THEN convert_from(substring(" + stored + " FROM 1 FOR 16), 'UTF8') ELSE convert_from(" + stored + ", 'UTF8') END"
         " COLLATE \"C\")";
}

}  // namespace flint::fhir
