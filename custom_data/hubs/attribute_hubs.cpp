#include "custom_data/hubs/attribute_hubs.h"

#include <map>
#include <regex>

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "custom_data/rows/field_values.h"
#include "custom_data/rows/namespace_access.h"
#include "custom_data/rows/row_query.h"

namespace flint::custom_data {
namespace {

using json::Value;

// The typed columns in the reference getter's order, and the SQL type of each.
const std::vector<std::pair<std::string, std::string>>& valueColumns() {
  static const std::vector<std::pair<std::string, std::string>> columns = {
      {"text_value", "text"},         {"date_value", "date"}, {"timestamp_value", "timestamptz"},
      {"int_value", "int"},           {"decimal_value", "numeric"}, {"bool_value", "boolean"},
      {"json_value", "jsonb"}};
  return columns;
}

[[noreturn]] void bad(const std::string& message) { throw RowError(400, "ValidationError", message); }

// The column and parameter text a JSON value is stored as.
std::pair<std::string, std::string> typedValue(const std::string& name, const Value& v) {
  if (v.isString()) {
    if (v.text().size() > kMaxFieldSize) throw RowError(400, "FieldValueTooLarge", "attribute '" + name + "' is larger than 1 MiB");
    return {"text_value", v.text()};
  }
  if (v.isBool()) return {"bool_value", v.asBool() ? "true" : "false"};
  if (v.isNumber()) {
    static const std::regex integer("-?[0-9]+");
    if (std::regex_match(v.text(), integer)) {
      if (v.text().size() > 11 || std::stoll(v.text()) < -2147483648LL || std::stoll(v.text()) > 2147483647LL)
        bad("attribute '" + name + "': integers are stored as int (32 bits)");
      return {"int_value", v.text()};
    }
    return {"decimal_value", v.text()};
  }
  if (v.isObject() && v.members().size() == 1 && v.members().front().second.isString()) {
    const auto& [kind, text] = v.members().front();
    if (kind == "date") {
      if (!std::regex_match(text.text(), std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}"))) bad("attribute '" + name + "': a date is YYYY-MM-DD");
      return {"date_value", text.text()};
    }
    if (kind == "timestamp") {
      if (!std::regex_match(text.text(), std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})")))
        bad("attribute '" + name + "': a timestamp carries its zone");
      return {"timestamp_value", text.text()};
    }
  }
  if (v.isObject() || v.isArray()) {
    std::string text = json::write(v);
    if (text.size() > kMaxFieldSize) throw RowError(400, "FieldValueTooLarge", "attribute '" + name + "' is larger than 1 MiB");
    return {"json_value", text};
  }
  bad("attribute '" + name + "': null is not a value; delete the attribute instead");
}

// The JSON of a stored attribute: the first non-null typed column.
Value attributeJson(const pqxx::row& r, pqxx::row::size_type first) {
  const auto& columns = valueColumns();
  for (pqxx::row::size_type i = 0; i < columns.size(); ++i) {
    const auto& cell = r[first + i];
    if (cell.is_null()) continue;
    const std::string text = cell.as<std::string>();
    const std::string& column = columns[i].first;
    if (column == "text_value") return Value::string(text);
    if (column == "int_value" || column == "decimal_value") return Value::number(text);
    if (column == "bool_value") return Value::boolean(text == "t" || text == "true");
    if (column == "json_value") return json::parse(text);
    Value typed = Value::object();
    typed.set(column == "date_value" ? "date" : "timestamp", Value::string(text));
    return typed;
  }
  return Value::null();
}

std::string selectValues(const std::string& alias) {
  std::string out;
  for (const auto& [column, type] : valueColumns())
    out += ", " + (column == "timestamp_value" ? utcInstantSql(alias + "." + column)
                                                : alias + "." + column + "::text");
  return out;
}

void checkHubKey(const std::string& type, const std::string& id) {
  if (type.empty() || type.size() > 100 || id.empty() || id.size() > 100) bad("a hub's type and id are 1 to 100 characters");
}

class Hubs {
 public:
  Hubs(pqxx::work& tx, const NamespaceAccess& access)
      : tx_(tx), access_(access), s_(db::quoteIdentifier(access.schema) + ".") {}

  std::optional<long long> hubId(const std::string& type, const std::string& id) {
    auto r = tx_.exec_params("SELECT dbid FROM " + s_ + "attribute_hub WHERE type = $1 AND id = $2", type, id);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<long long>();
  }

  Value hub(const std::string& type, const std::string& id, const std::optional<std::string>& withOnly) {
    auto dbid = hubId(type, id);
    if (!dbid) throw RowError(404, "DoesNotExist", "there is no hub " + type + "/" + id);
    Value attributes = Value::object();
    const std::vector<std::string> only = withOnly ? splitList(*withOnly) : std::vector<std::string>{};
    auto r = withOnly ? tx_.exec_params("SELECT a.name" + selectValues("a") + " FROM " + s_ +
                                            "custom_attribute a WHERE a.hub_id = $1 AND a.name = ANY($2::text[]) ORDER BY a.name",
                                        *dbid, textArray(only))
                      : tx_.exec_params("SELECT a.name" + selectValues("a") + " FROM " + s_ +
                                            "custom_attribute a WHERE a.hub_id = $1 ORDER BY a.name",
                                        *dbid);
    for (const auto& row : r) attributes.set(row[0].as<std::string>(), attributeJson(row, 1));
    Value out = Value::object();
    out.set("type", Value::string(type));
    out.set("id", Value::string(id));
    out.set("attributes", std::move(attributes));
    return out;
  }

  // set_attributes: the hub made when missing, each attribute upserted with all other columns cleared.
  void set(const std::string& type, const std::string& id, const Value& attributes) {
    access_.requireWrite();
    if (!attributes.isObject()) bad("attributes must be an object of name → value");
    tx_.exec_params0("INSERT INTO " + s_ + "attribute_hub (type, id) VALUES ($1, $2) ON CONFLICT (type, id) DO NOTHING", type, id);
    const long long dbid = *hubId(type, id);
    for (const auto& [name, value] : attributes.members()) {
      if (name.empty() || name.size() > 255) bad("an attribute's name is 1 to 255 characters");
      auto [column, text] = typedValue(name, value);
      std::string columns, values, updates;
      for (const auto& [c, t] : valueColumns()) {
        columns += ", " + c;
        values += c == column ? ", $3::" + t : ", NULL";
        updates += std::string(updates.empty() ? "" : ", ") + c + " = excluded." + c;
      }
      tx_.exec_params0("INSERT INTO " + s_ + "custom_attribute (hub_id, name" + columns + ") VALUES ($1, $2" + values +
                           ") ON CONFLICT (hub_id, name) DO UPDATE SET " + updates,
                       dbid, name, text);
    }
  }

  bool removeAttribute(const std::string& type, const std::string& id, const std::string& name) {
    access_.requireWrite();
    auto dbid = hubId(type, id);
    return dbid && tx_.exec_params("DELETE FROM " + s_ + "custom_attribute WHERE hub_id = $1 AND name = $2", *dbid, name)
                           .affected_rows() == 1;
  }

  bool removeHub(const std::string& type, const std::string& id) {
    access_.requireWrite();
    auto dbid = hubId(type, id);
    if (!dbid) return false;
    tx_.exec_params0("DELETE FROM " + s_ + "custom_attribute WHERE hub_id = $1", *dbid);
    tx_.exec_params0("DELETE FROM " + s_ + "attribute_hub WHERE dbid = $1", *dbid);
    return true;
  }

  // Hubs of `type` with attribute `attribute` whose value passes every typed lookup given:
  // text, int, decimal, bool, date, timestamp with exact/gt/gte/lt/lte/in, and json__contains,
  // json__has_key, isnull.
  Value filter(const std::vector<std::pair<std::string, std::string>>& params) {
    std::vector<std::string> values;
    std::string where, type, attribute;
    int limit = 100;
    auto param = [&](std::string v) {
      values.push_back(std::move(v));
      return "$" + std::to_string(values.size());
    };
    for (const auto& [name, value] : params) {
      if (name == "type") type = value;
      else if (name == "attribute") attribute = value;
      else if (name == "limit") limit = std::regex_match(value, std::regex("[0-9]{1,4}")) ? std::min(std::stoi(value), 1000) : 0;
    }
    if (type.empty() || attribute.empty()) bad("filtering hubs needs type= and attribute=");
    if (limit < 1) bad("limit must be 1 to 1000");
    const std::string typeParam = param(type), attributeParam = param(attribute);
    static const std::map<std::string, std::pair<std::string, std::string>> kinds = {
        {"text", {"text_value", "text"}},  {"int", {"int_value", "int"}},      {"decimal", {"decimal_value", "numeric"}},
        {"bool", {"bool_value", "boolean"}}, {"date", {"date_value", "date"}}, {"timestamp", {"timestamp_value", "timestamptz"}}};
    static const std::map<std::string, std::string> ops = {{"", "="}, {"exact", "="}, {"gt", ">"}, {"gte", ">="}, {"lt", "<"}, {"lte", "<="}};
    for (const auto& [name, value] : params) {
      if (name == "type" || name == "attribute" || name == "limit") continue;
      const size_t sep = name.find("__");
      const std::string kind = name.substr(0, sep);
      const std::string op = sep == std::string::npos ? "" : name.substr(sep + 2);
      if (kind == "json") {
        if (op == "contains") {
          try {
            json::parse(value);
          } catch (const json::ParseError&) {
            bad("json__contains needs JSON");
          }
          where += " AND a.json_value @> " + param(value) + "::jsonb";
        } else if (op == "has_key") {
          where += " AND a.json_value ? " + param(value);
        } else {
          bad("json takes __contains or __has_key");
        }
        continue;
      }
      if (name == "isnull") {
        if (value != "true" && value != "false") bad("isnull needs true or false");
        std::string anyValue;
        for (const auto& [c, t] : valueColumns()) anyValue += std::string(anyValue.empty() ? "" : " OR ") + "a." + c + " IS NOT NULL";
        where += value == "true" ? " AND NOT (" + anyValue + ")" : " AND (" + anyValue + ")";
        continue;
      }
      auto k = kinds.find(kind);
      if (k == kinds.end()) bad("'" + name + "' is not a hub filter (text, int, decimal, bool, date, timestamp, json, isnull)");
      const auto& [column, sqlType] = k->second;
      if (op == "in") {
        std::string list;
        for (const auto& item : splitList(value)) {
          checkLiteral(kind, item, name);
          list += (list.empty() ? "" : ", ") + param(item) + "::" + sqlType;
        }
        where += " AND a." + column + " IN (" + list + ")";
        continue;
      }
      auto o = ops.find(op);
      if (o == ops.end()) bad("'" + name + "': the lookups are exact, gt, gte, lt, lte and in");
      checkLiteral(kind, value, name);
      where += " AND a." + column + " " + o->second + " " + param(value) + "::" + sqlType;
    }
    auto r = tx_.exec_params("SELECT h.type, h.id FROM " + s_ + "attribute_hub h JOIN " + s_ +
                                 "custom_attribute a ON a.hub_id = h.dbid WHERE h.type = " + typeParam + " AND a.name = " +
                                 attributeParam + where + " ORDER BY h.id LIMIT " + std::to_string(limit),
                             pqxx::prepare::make_dynamic_params(values));
    Value hubs = Value::array();
    for (const auto& row : r) hubs.push(hub(row[0].as<std::string>(), row[1].as<std::string>(), std::nullopt));
    Value out = Value::object();
    out.set("results", std::move(hubs));
    return out;
  }

 private:
  static void checkLiteral(const std::string& kind, const std::string& value, const std::string& name) {
    static const std::map<std::string, std::regex> formats = {
        {"int", std::regex("-?[0-9]{1,10}")},
        {"decimal", std::regex("-?[0-9]+(\\.[0-9]+)?")},
        {"bool", std::regex("true|false")},
        {"date", std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}")},
        {"timestamp", std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})")}};
    auto f = formats.find(kind);
    if (f != formats.end() && !std::regex_match(value, f->second)) bad("'" + name + "' does not take '" + value + "'");
  }
  static std::string textArray(const std::vector<std::string>& items) {
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
      out += i ? ",\"" : "\"";
      for (char c : items[i]) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    }
    return out + "}";
  }

  pqxx::work& tx_;
  const NamespaceAccess& access_;
  std::string s_;
};

}  // namespace

RowResponse handleHubs(db::Session& session, const instances::Instance& instance, const RowRequest& request) {
  db::Transaction tx(session);
  pqxx::work& work = *session.ambient();
  const auto granted = authorizeNamespace(work, instance, request.ns, request.authorization);
  const NamespaceAccess& access = *granted;
  Hubs hubs(work, access);
  RowResponse response;
  auto answer = [&](int status, const Value& body) {
    tx.commit();
    response.status = status;
    response.body = json::write(body);
    return response;
  };
  // "", "{type}/{id}" or "{type}/{id}/attributes/{name}"
  const std::vector<std::string> path = request.key.empty() ? std::vector<std::string>{} : splitList(request.key, '/');
  const std::string& m = request.method;
  if (path.empty()) {
    if (m != "GET") throw RowError(405, "MethodNotAllowed", "use GET to filter hubs");
    return answer(200, hubs.filter(request.params));
  }
  if (path.size() == 2) {
    checkHubKey(path[0], path[1]);
    std::optional<std::string> withOnly;
    for (const auto& [name, value] : request.params)
      if (name == "with_only") withOnly = value;
    if (m == "GET") return answer(200, hubs.hub(path[0], path[1], withOnly));
    if (m == "PATCH" || m == "PUT") {
      Value body;
      try {
        body = json::parse(request.body);
      } catch (const json::ParseError& e) {
        bad(std::string("the body is not JSON: ") + e.what());
      }
      const Value* attributes = body.isObject() ? body.find("attributes") : nullptr;
      if (attributes == nullptr) bad("the body is {\"attributes\": {name: value, ...}}");
      hubs.set(path[0], path[1], *attributes);
      return answer(200, hubs.hub(path[0], path[1], std::nullopt));
    }
    if (m == "DELETE") {
      if (!hubs.removeHub(path[0], path[1])) throw RowError(404, "DoesNotExist", "there is no hub " + path[0] + "/" + path[1]);
      tx.commit();
      response.status = 204;
      return response;
    }
    throw RowError(405, "MethodNotAllowed", "use GET, PATCH or DELETE on a hub");
  }
  if (path.size() == 4 && path[2] == "attributes") {
    checkHubKey(path[0], path[1]);
    if (m == "GET") {
      Value hub = hubs.hub(path[0], path[1], path[3]);
      const Value* value = hub.find("attributes")->find(path[3]);
      if (value == nullptr) throw RowError(404, "DoesNotExist", "hub " + path[0] + "/" + path[1] + " has no attribute " + path[3]);
      return answer(200, *value);
    }
    if (m == "DELETE") {
      if (!hubs.removeAttribute(path[0], path[1], path[3]))
        throw RowError(404, "DoesNotExist", "hub " + path[0] + "/" + path[1] + " has no attribute " + path[3]);
      tx.commit();
      response.status = 204;
      return response;
    }
    throw RowError(405, "MethodNotAllowed", "use GET or DELETE on an attribute");
  }
  throw RowError(404, "DoesNotExist", "hubs are at hubs/{type}/{id}[/attributes/{name}]");
}

}  // namespace flint::custom_data
