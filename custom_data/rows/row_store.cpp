#include "custom_data/rows/row_store.h"

#include <map>

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/db/session.h"
#include "custom_data/rows/field_values.h"

namespace flint::custom_data {
namespace {

std::string placeholder(std::vector<std::optional<std::string>>& params, std::optional<std::string> value,
                        const FieldDefinition& f) {
  params.push_back(std::move(value));
  return "$" + std::to_string(params.size()) + parameterCast(f);
}

// The column as text, as valueJson() reads it: instants in UTC with a Z.
std::string columnText(const FieldDefinition& f) {
  const std::string c = db::quoteIdentifier(f.column);
  if (f.type == "datetime") return utcInstantSql(c);
  return c + "::text";
}

// The primary key: the one-to-one field marked primary_key, else the bigserial dbid.
FieldDefinition keyField(const ModelDefinition& model) {
  for (const auto& f : model.fields)
    if (f.primaryKey) return f;
  FieldDefinition dbid;
  dbid.name = dbid.column = "dbid";
  dbid.type = dbid.sqlType = "bigint";
  return dbid;
}

std::string selectList(const ModelDefinition& model) {
  std::string out = model.primaryKeyColumn == "dbid" ? "dbid::text" : "";
  for (const auto& f : model.fields)
    if (!f.column.empty()) out += (out.empty() ? "" : ", ") + columnText(f);
  return out;
}

std::string keyCondition(const FieldDefinition& key, size_t parameter) {
  return db::quoteIdentifier(key.column) + " = $" + std::to_string(parameter) + parameterCast(key);
}

std::string getSql(const std::string& quotedTable, const ModelDefinition& model) {
  return "SELECT " + selectList(model) + " FROM " + quotedTable + " WHERE " + keyCondition(keyField(model), 1);
}

// A row of the select list as JSON; `cell(i)` gives the text of column i (nothing: NULL).
template <class Cell>
json::Value decodeRow(const ModelDefinition& model, const Cell& cell) {
  json::Value row = json::Value::object();
  int i = 0;
  if (model.primaryKeyColumn == "dbid") row.set("dbid", json::Value::number(*cell(i++)));
  for (const auto& f : model.fields)
    if (!f.column.empty()) row.set(f.name, valueJson(f, cell(i++)));
  return row;
}

}  // namespace

RowStore::RowStore(db::Session& session, pqxx::transaction_base& tx, const std::string& schema, const ModelDefinition& model)
    : session_(session), tx_(tx), model_(model), schema_(db::quoteIdentifier(schema)),
      table_(schema_ + "." + db::quoteIdentifier(model.table)), key_(keyField(model)) {}

json::Value RowStore::rowJson(const pqxx::row& r) const {
  return decodeRow(model_, [&r](int i) {
    const auto& cell = r[static_cast<pqxx::row::size_type>(i)];
    return cell.is_null() ? std::nullopt : std::optional<std::string>(cell.as<std::string>());
  });
}

db::Statement RowStore::getStatement(const std::string& schema, const ModelDefinition& model, const std::string& key) {
  std::string sql = getSql(db::quoteIdentifier(schema) + "." + db::quoteIdentifier(model.table), model);
  // Named by its text: a model that gained columns reads through a statement of its own.
  std::string name = "custom_row " + crypto::hexEncode(crypto::sha256(sql)).substr(0, 32);
  return {std::move(name), std::move(sql), {key}};
}

json::Value RowStore::rowFrom(const ModelDefinition& model, const db::StatementResult& result, int row) {
  return decodeRow(model, [&result, row](int i) {
    return result.isNull(row, i) ? std::nullopt : std::optional<std::string>(result.text(row, i));
  });
}

pqxx::result RowStore::run(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  return tx_.exec_prepared(session_.preparedText(sql), pqxx::prepare::make_dynamic_params(params));
}

std::optional<json::Value> RowStore::get(const std::string& key) {
  auto r = run(getSql(table_, model_), {key});
  if (r.empty()) return std::nullopt;
  return rowJson(r[0]);
}

json::Value RowStore::insert(const std::vector<Assignment>& values) {
  std::vector<std::optional<std::string>> params;
  std::string columns, placeholders;
  for (const auto& [f, v] : values) {
    columns += (columns.empty() ? "" : ", ") + db::quoteIdentifier(f->column);
    placeholders += (placeholders.empty() ? "" : ", ") + placeholder(params, v, *f);
  }
  const std::string sql = values.empty() ? "INSERT INTO " + table_ + " DEFAULT VALUES RETURNING " + selectList(model_)
                                         : "INSERT INTO " + table_ + " (" + columns + ") VALUES (" + placeholders +
                                               ") RETURNING " + selectList(model_);
  return rowJson(run(sql, params)[0]);
}

std::optional<json::Value> RowStore::update(const std::string& key, const std::vector<Assignment>& values) {
  if (values.empty()) return get(key);
  std::vector<std::optional<std::string>> params;
  std::string sets;
  for (const auto& [f, v] : values) sets += (sets.empty() ? "" : ", ") + db::quoteIdentifier(f->column) + " = " + placeholder(params, v, *f);
  params.push_back(key);
  auto r = run("UPDATE " + table_ + " SET " + sets + " WHERE " + keyCondition(key_, params.size()) + " RETURNING " + selectList(model_), params);
  if (r.empty()) return std::nullopt;
  return rowJson(r[0]);
}

bool RowStore::remove(const std::string& key) {
  std::vector<std::optional<std::string>> params{key};
  return run("DELETE FROM " + table_ + " WHERE " + keyCondition(key_, params.size()), params).affected_rows() == 1;
}

std::string RowStore::where(const RowQuery& query, std::vector<std::optional<std::string>>& params, bool withCursor) const {
  std::vector<std::string> terms;
  for (const auto& c : query.conditions) {
    // A field across relations is compared inside EXISTS subqueries that follow each key.
    std::string alias = table_;
    std::string opening, closing;
    for (size_t i = 0; i < c.via.size(); ++i) {
      const auto& [relation, target] = c.via[i];
      const std::string inner = "r" + std::to_string(i);
      opening += "EXISTS (SELECT FROM " + schema_ + "." + db::quoteIdentifier(target->table) + " " + inner + " WHERE " + inner +
                 "." + db::quoteIdentifier(target->primaryKeyColumn) + " = " + alias + "." + db::quoteIdentifier(relation->column) +
                 " AND ";
      closing += ")";
      alias = inner;
    }
    FieldDefinition targetKey;
    if (c.field == nullptr && !c.via.empty()) {
      targetKey = key_;
      targetKey.column = c.via.back().second->primaryKeyColumn;
    }
    const FieldDefinition& f = c.field != nullptr ? *c.field : c.via.empty() ? key_ : targetKey;
    const std::string col = (c.via.empty() ? std::string() : alias + ".") + db::quoteIdentifier(f.column);
    std::string term;
    if (c.lookup == "isnull") {
      term = col + (*c.values[0] == "true" ? " IS NULL" : " IS NOT NULL");
    } else if (c.lookup == "in") {
      std::string list;
      for (const auto& v : c.values) list += (list.empty() ? "" : ", ") + placeholder(params, v, f);
      term = col + " IN (" + list + ")";
    } else if (c.lookup == "range") {
      term = col + " BETWEEN " + placeholder(params, c.values[0], f) + " AND " + placeholder(params, c.values[1], f);
    } else {
      const std::string p = placeholder(params, c.values[0], f);
      static const std::map<std::string, std::string> compare = {{"exact", "="}, {"gt", ">"}, {"gte", ">="}, {"lt", "<"}, {"lte", "<="}};
      if (auto op = compare.find(c.lookup); op != compare.end()) term = col + " " + op->second + " " + p;
      else if (c.lookup == "iexact") term = "lower(" + col + ") = lower(" + p + ")";
      else if (c.lookup == "contains") term = "strpos(" + col + ", " + p + ") > 0";
      else if (c.lookup == "icontains") term = "strpos(lower(" + col + "), lower(" + p + ")) > 0";
      else if (c.lookup == "startswith") term = "starts_with(" + col + ", " + p + ")";
      else term = "starts_with(lower(" + col + "), lower(" + p + "))";
    }
    term = opening + term + closing;
    // exclude(): the rows the condition does not select, NULLs included, as Django's NOT does.
    terms.push_back(c.exclude ? "NOT coalesce((" + term + "), false)" : term);
  }
  if (withCursor && query.after) {
    // Keyset: rows after the last one in (key1, ..., primary key) order. NULLs sort as
    // PostgreSQL's default puts them (last ascending, first descending), so that an index on the
    // keys serves the order either way.
    std::string any;
    std::string equalPrefix;
    for (size_t i = 0; i < query.order.size(); ++i) {
      const SortKey& k = query.order[i];
      const FieldDefinition& f = k.field != nullptr ? *k.field : key_;
      const std::string col = db::quoteIdentifier(f.column);
      const auto& last = (*query.after)[i];
      std::string after, equal;
      if (last) {
        const std::string p = placeholder(params, last, f);
        after = k.descending ? col + " < " + p : "(" + col + " > " + p + " OR " + col + " IS NULL)";
        equal = col + " = " + p;
      } else {
        after = k.descending ? col + " IS NOT NULL" : "false";
        equal = col + " IS NULL";
      }
      any += (any.empty() ? "" : " OR ") + std::string("(") + (equalPrefix.empty() ? "" : equalPrefix + " AND ") + after + ")";
      equalPrefix += (equalPrefix.empty() ? "" : " AND ") + equal;
    }
    terms.push_back("(" + any + ")");
  }
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? " WHERE " : " AND ") + t;
  return out;
}

RowPage RowStore::list(const RowQuery& query) {
  std::vector<std::optional<std::string>> params;
  std::string order, sortColumns;
  for (const auto& k : query.order) {
    const FieldDefinition& f = k.field != nullptr ? *k.field : key_;
    // Qualified: a bare name would order by the selected text of the column, not its values.
    order += (order.empty() ? "" : ", ") + table_ + "." + db::quoteIdentifier(f.column) + (k.descending ? " DESC" : " ASC");
    sortColumns += ", " + db::quoteIdentifier(f.column) + "::text";
  }
  auto r = run("SELECT " + selectList(model_) + sortColumns + " FROM " + table_ + where(query, params, true) + " ORDER BY " +
                   order + " LIMIT " + std::to_string(query.limit + 1),
               params);
  RowPage page;
  const size_t width = r.columns() - query.order.size();
  for (pqxx::result::size_type i = 0; i < r.size() && i < static_cast<size_t>(query.limit); ++i) page.rows.push_back(rowJson(r[i]));
  if (r.size() > static_cast<size_t>(query.limit)) {
    std::vector<std::optional<std::string>> after;
    const auto& last = r[static_cast<pqxx::result::size_type>(query.limit - 1)];
    for (auto c = static_cast<pqxx::row::size_type>(width); c < static_cast<pqxx::row::size_type>(r.columns()); ++c)
      after.push_back(last[c].is_null() ? std::nullopt : std::optional<std::string>(last[c].as<std::string>()));
    page.nextAfter = std::move(after);
  }
  return page;
}

long long RowStore::count(const RowQuery& query) {
  std::vector<std::optional<std::string>> params;
  return run("SELECT count(*) FROM " + table_ + where(query, params, false), params)[0][0].as<long long>();
}

std::vector<json::Value> RowStore::aggregate(const RowQuery& query, const std::vector<Aggregate>& aggregates,
                                             const std::vector<const FieldDefinition*>& groupBy) {
  std::vector<std::optional<std::string>> params;
  std::string select, group;
  for (const FieldDefinition* f : groupBy) {
    select += (select.empty() ? "" : ", ") + columnText(*f);
    group += (group.empty() ? "" : ", ") + db::quoteIdentifier(f->column);
  }
  for (const auto& a : aggregates) {
    const FieldDefinition& f = a.field != nullptr ? *a.field : key_;
    const std::string col = db::quoteIdentifier(f.column);
    std::string expression = a.function + "(" + col + ")";
    if (a.function == "min" || a.function == "max") {
      expression = f.type == "datetime" ? utcInstantSql(a.function + "(" + col + ")")
                                        : a.function + "(" + col + ")::text";
    }
    select += (select.empty() ? "" : ", ") + expression + (a.function == "min" || a.function == "max" ? "" : "::text");
  }
  auto r = run("SELECT " + select + " FROM " + table_ + where(query, params, false) +
                   (group.empty() ? "" : " GROUP BY " + group + " ORDER BY " + group),
               params);
  std::vector<json::Value> out;
  for (const auto& row : r) {
    json::Value v = json::Value::object();
    pqxx::row::size_type i = 0;
    auto text = [&](const pqxx::field& cell) {
      return cell.is_null() ? std::nullopt : std::optional<std::string>(cell.as<std::string>());
    };
    for (const FieldDefinition* f : groupBy) v.set(f->name, valueJson(*f, text(row[i++])));
    for (const auto& a : aggregates) {
      const FieldDefinition& f = a.field != nullptr ? *a.field : key_;
      auto value = text(row[i++]);
      json::Value result = !value ? json::Value::null()
                           : a.function == "min" || a.function == "max" ? valueJson(f, value)
                                                                         : json::Value::number(*value);
      v.set((a.field != nullptr ? f.name : std::string("dbid")) + "__" + a.function, std::move(result));
    }
    out.push_back(std::move(v));
  }
  return out;
}

long long RowStore::removeWhere(const RowQuery& query) {
  std::vector<std::optional<std::string>> params;
  return run("DELETE FROM " + table_ + where(query, params, false), params).affected_rows();
}

void RowStore::lockLookup(const std::string& lookup) {
  run("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {table_ + " " + lookup});
}

}  // namespace flint::custom_data
