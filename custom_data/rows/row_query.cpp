#include "custom_data/rows/row_query.h"

#include <regex>
#include <set>

#include "core/crypto/encoding.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "custom_data/rows/field_values.h"

namespace flint::custom_data {
namespace {

constexpr int kMaxLimit = 1000;
constexpr size_t kMaxInValues = 1000;

[[noreturn]] void bad(const std::string& message) { throw RowError(400, "ValidationError", message); }

bool isText(const FieldDefinition* f) { return f != nullptr && (f->type == "text" || f->type == "char"); }

// A query-string value as the JSON a field takes: numbers and booleans by the field's type.
json::Value asJson(const FieldDefinition& f, const std::string& text) {
  if (f.type == "integer" || f.type == "bigint" || f.type == "decimal" || f.type == "float" || f.target == TargetKind::Model) {
    static const std::regex number("-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
    if (!std::regex_match(text, number)) bad("'" + f.name + "' needs a number, not '" + text + "'");
    return json::Value::number(text);
  }
  if (f.type == "boolean") {
    if (text != "true" && text != "false") bad("'" + f.name + "' needs true or false");
    return json::Value::boolean(text == "true");
  }
  if (f.type == "json") bad("'" + f.name + "' is json: only __isnull applies to it here");
  return json::Value::string(text);
}

FieldDefinition primaryKeyField(const ModelDefinition& model) {
  FieldDefinition dbid;
  dbid.name = "dbid";
  dbid.column = "dbid";
  dbid.type = "bigint";
  dbid.sqlType = "bigint";
  for (const auto& f : model.fields)
    if (f.primaryKey) return f;
  return dbid;
}

}  // namespace

std::vector<std::string> splitList(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::string encodeCursor(const std::vector<std::optional<std::string>>& sortValues) {
  json::Value list = json::Value::array();
  for (const auto& v : sortValues) list.push(v ? json::Value::string(*v) : json::Value::null());
  return crypto::base64UrlEncode(json::write(list));
}

RowQuery parseRowQuery(const ModelDefinition& model, const ModelSet& models,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  static const std::set<std::string> lookups = {"exact", "iexact", "gt", "gte", "lt", "lte", "in", "contains",
                                                "icontains", "startswith", "istartswith", "isnull", "range"};
  static const FieldDefinition* const kPrimaryKey = nullptr;
  RowQuery query;
  std::string order, cursor;
  for (const auto& [name, value] : params) {
    if (name == "order_by") {
      order = value;
      continue;
    }
    if (name == "limit") {
      if (!std::regex_match(value, std::regex("[0-9]{1,4}")) || std::stoi(value) < 1) bad("limit must be 1 to 1000");
      query.limit = std::min(std::stoi(value), kMaxLimit);
      continue;
    }
    if (name == "after") {
      cursor = value;
      continue;
    }
    if (name == "count") {
      query.countOnly = value != "false";
      continue;
    }
    if (name == "expand") continue;
    // field__lookup, exclude__field__lookup: split on the double underscore.
    std::vector<std::string> path;
    size_t start = 0;
    while (true) {
      size_t at = name.find("__", start);
      path.push_back(name.substr(start, at == std::string::npos ? std::string::npos : at - start));
      if (at == std::string::npos) break;
      start = at + 2;
    }
    Condition c;
    if (path.size() > 1 && path.front() == "exclude") {
      c.exclude = true;
      path.erase(path.begin());
    }
    c.lookup = path.size() > 1 && lookups.count(path.back()) ? path.back() : "exact";
    if (path.size() > 1 && lookups.count(path.back())) path.pop_back();
    // Follow foreign keys to other models of the namespace: booking__room__name.
    const ModelDefinition* current = &model;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      const FieldDefinition* relation = current->field(path[i]);
      if (relation == nullptr || relation->target != TargetKind::Model || relation->column.empty())
        bad("'" + name + "': '" + path[i] + "' is not a relation of " + current->name + " to follow");
      current = models.model(relation->targetModel);
      if (current == nullptr) bad("'" + name + "': there is no model " + relation->targetModel);
      c.via.emplace_back(relation, current);
    }
    const std::string& last = path.back();
    const FieldDefinition* f = last == "dbid" || last == "pk" ? kPrimaryKey : current->field(last);
    if (f == nullptr && last != "dbid" && last != "pk") bad("'" + last + "' is not a field of " + current->name);
    if (f != nullptr && f->column.empty()) bad("'" + last + "' has no column to filter on");
    const FieldDefinition target = f != nullptr ? *f : primaryKeyField(*current);
    const FieldDefinition& field = target;
    c.field = f;
    if ((c.lookup == "iexact" || c.lookup == "contains" || c.lookup == "icontains" || c.lookup == "startswith" ||
         c.lookup == "istartswith") &&
        !isText(&field))
      bad("'" + name + "': " + c.lookup + " applies to text fields");
    if (c.lookup == "isnull") {
      if (value != "true" && value != "false") bad("'" + name + "' needs true or false");
      c.values.push_back(value);
    } else if (c.lookup == "in" || c.lookup == "range") {
      auto items = splitList(value);
      if (c.lookup == "range" && items.size() != 2) bad("'" + name + "' needs two values: low,high");
      if (items.size() > kMaxInValues) bad("'" + name + "' lists more than 1000 values");
      for (const auto& item : items) c.values.push_back(parameterText(field, asJson(field, item)));
    } else {
      c.values.push_back(parameterText(field, asJson(field, value)));
    }
    query.conditions.push_back(std::move(c));
  }
  if (!order.empty())
    for (std::string key : splitList(order)) {
      SortKey s;
      if (!key.empty() && key[0] == '-') {
        s.descending = true;
        key = key.substr(1);
      }
      if (key == "dbid" || key == "pk") break;
      s.field = model.field(key);
      if (s.field == nullptr || s.field->column.empty() || s.field->type == "json")
        bad("order_by: '" + key + "' is not a field of " + model.name + " that orders");
      query.order.push_back(s);
    }
  // The primary key breaks ties in the direction of the last key, so that an index on the keys
  // (whose entries PostgreSQL keeps in key order) is read in one direction.
  const bool pkDescending = order == "-dbid" || order == "-pk" || (!query.order.empty() && query.order.back().descending);
  query.order.push_back({kPrimaryKey, pkDescending});
  if (!cursor.empty()) {
    auto text = crypto::base64UrlDecode(cursor);
    json::Value values;
    try {
      if (text) values = json::parse(*text);
    } catch (const json::ParseError&) {
    }
    if (!values.isArray() || values.items().size() != query.order.size()) bad("'after' is not a cursor of this listing");
    std::vector<std::optional<std::string>> after;
    for (const auto& v : values.items()) {
      if (!v.isNull() && !v.isString()) bad("'after' is not a cursor of this listing");
      after.push_back(v.isNull() ? std::nullopt : std::optional<std::string>(v.text()));
    }
    query.after = std::move(after);
  }
  return query;
}

}  // namespace flint::custom_data
