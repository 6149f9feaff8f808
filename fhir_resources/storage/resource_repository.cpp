#include "fhir_resources/storage/resource_repository.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/db/bytea_text.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/index/dated_tokens.h"
#include "fhir_resources/search/index/param_aliases.h"
#include "fhir_resources/storage/bulk_batch.h"
#include "fhir_resources/storage/index_rows_sql.h"
#include "fhir_resources/storage/param_key.h"
#include "fhir_resources/storage/resource_number.h"
#include "fhir_resources/storage/stored_content.h"
#include "fhir_resources/storage/target_id.h"

namespace flint::fhir {
namespace {

// `sizeOnly`: the sixth column is the JSON's length instead of its stored form.
ResourceRow rowFrom(const pqxx::row& r, const instances::ContentDictionaries& dictionaries, bool withMethod,
                    bool sizeOnly = false) {
  ResourceRow out;
  out.type = r[0].as<std::string>();
  out.id = r[1].as<std::string>();
  out.versionId = r[2].as<int64_t>();
  out.lastUpdated = r[3].as<int64_t>();
  if (withMethod) {
    out.method = r[4].as<std::string>();
    out.deleted = out.method == "DELETE";
  } else {
    out.deleted = r[4].as<bool>();
  }
  if (r[5].is_null()) return out;
  if (sizeOnly)
    out.contentBytes = r[5].as<int64_t>();
  else
    out.content = unpackContent(db::byteaFromText({r[5].c_str(), r[5].size()}), dictionaries);
  return out;
}

// Appends `value` to the statement's parameters and names its placeholder.
std::string bind(std::vector<std::string>& params, std::string value) {
  params.push_back(std::move(value));
  return "$" + std::to_string(params.size());
}

// The comparison a resource_type column must pass to be one of `types`.
std::string typeMatch(std::vector<std::string>& params, const std::vector<std::string>& types) {
  if (types.size() == 1) return " = " + bind(params, types.front());
  return " = ANY(" + bind(params, pgTextArray(types)) + "::text[])";
}

// The comparison a param_key column must pass to name one of `keys` (none: no row passes).
std::string keyMatch(std::vector<std::string>& params, const std::vector<int32_t>& keys) {
  if (keys.empty()) return " IS NULL";
  std::string list;
  for (int32_t key : keys) list += (list.empty() ? "" : ", ") + bind(params, std::to_string(key));
  return keys.size() == 1 ? " = " + list : " IN (" + list + ")";
}

// The predicate selecting index rows `x` of some parameters of some types (a type without such
// a parameter simply has no entries under its key). A typed reference parameter's entries are
// those of the parameter it narrows that point at its target type (param_aliases.h).
std::string entriesOf(std::vector<std::string>& params, const std::vector<std::string>& types,
                      const std::vector<std::string>& names, bool references) {
  std::vector<int32_t> keys;
  std::map<std::string, std::vector<int32_t>> keysByTarget;
  for (const auto& type : types)
    for (const auto& name : names) {
      auto typed = references ? typedReferencesOf(type, name) : std::nullopt;
      const int32_t key = paramKey(type, typed ? typed->param : name);
      if (typed) keysByTarget[typed->targetType].push_back(key);
      else keys.push_back(key);
    }
  if (keysByTarget.empty()) return "x.param_key" + keyMatch(params, keys);
  std::string any = keys.empty() ? "" : "x.param_key" + keyMatch(params, keys);
  for (const auto& [target, typedKeys] : keysByTarget)
    any += (any.empty() ? "" : " OR ") + std::string("(x.param_key") + keyMatch(params, typedKeys) +
           " AND x.target_type = " + bind(params, target) + ")";
  return keys.empty() && keysByTarget.size() == 1 ? any : "(" + any + ")";
}

// The stored parameter and target type that hold `type`'s references of `param` to
// `targetType` (any when empty); nothing when the parameter's references never point there.
std::optional<std::pair<std::string, std::string>> storedReferences(const std::string& type, const std::string& param,
                                                                    const std::string& targetType) {
  auto typed = typedReferencesOf(type, param);
  if (!typed) return std::make_pair(param, targetType);
  if (!targetType.empty() && targetType != typed->targetType) return std::nullopt;
  return std::make_pair(typed->param, typed->targetType);
}

// A resource's search index entries are written by one statement with the version itself: $1
// and $2 are the resource's type and id, $3 to $29 the entries' columns as arrays (pgIndexArrays);
// CTE n gives the resource's number.
const std::string kIndexInserts =
    " i1 AS (INSERT INTO {s}.search_token (rid, param_key, system_key, code, text_norm)"
    "  SELECT (SELECT rid FROM n), p, s, c, t FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[]) AS u(p, s, c, t)),"
    " i2 AS (INSERT INTO {s}.search_string (rid, param_key, value_norm, value)"
    "  SELECT (SELECT rid FROM n), p, v, x FROM unnest($7::int[], $8::text[], $9::text[]) AS u(p, v, x)),"
    " i3 AS (INSERT INTO {s}.search_reference (rid, param_key, target_type, target_id, url)"
    "  SELECT (SELECT rid FROM n), p, t, i, x FROM unnest($10::int[], $11::text[], $12::bytea[], $13::text[])"
    "  AS u(p, t, i, x)),"
    " i4 AS (INSERT INTO {s}.search_date (rid, param_key, low, high)"
    "  SELECT (SELECT rid FROM n), p, l, h FROM unnest($14::int[], $15::bigint[], $16::bigint[]) AS u(p, l, h)),"
    " i5 AS (INSERT INTO {s}.search_number (rid, param_key, value, system_key, code)"
    "  SELECT (SELECT rid FROM n), p, v, s, c FROM unnest($17::int[], $18::numeric[], $19::bigint[], $20::text[])"
    "  AS u(p, v, s, c)),"
    " i6 AS (INSERT INTO {s}.search_composite (rid, param_key, key_system_key, key_code, system_key, code, value,"
    "  value_norm, low, high) SELECT (SELECT rid FROM n), p, ks, kc, s, c, v, x, l, h FROM unnest($21::int[],"
    "  $22::bigint[], $23::text[], $24::bigint[], $25::text[], $26::numeric[], $27::text[], $28::bigint[], $29::bigint[])"
    "  AS u(p, ks, kc, s, c, v, x, l, h))";
// An earlier version's entries go first (a first version has none, so its plan skips this). Every
// CTE reads the tables as they were before the statement, so these leave the new entries alone.
std::string indexDeletes() {
  std::string sql;
  int n = 0;
  for (const char* table : {"search_token", "search_string", "search_reference", "search_date", "search_number",
                            "search_composite"})
    sql += " d" + std::to_string(++n) + " AS (DELETE FROM {s}." + table + " WHERE rid = (SELECT rid FROM n)),";
  return sql;
}
// A first version: the current row only ($30 to $34 are its version, time, deleted flag,
// stored content and method; $35 the patient part of its number, resource_number.h; $36 the
// JSON's length; a deleted version passes no content and length 0). A concurrent first
// write of the same id fails on the primary key and is retried by the service, which then sees
// this one.
const std::string kFirstVersion =
    " n AS (INSERT INTO {s}.resources (resource_type, id, version_id, last_updated, deleted, content, method,"
    "  content_bytes, rid) VALUES ($1, $2, $30, $31, $32, nullif($33, ''::bytea), $34, nullif($36, 0), $35::bigint << " +
    std::to_string(kResourceNumberSequenceBits) +
    " | nextval('{s}.resource_rid')) RETURNING rid),";
// A later version (its resource locked by the write): the version it supersedes moves to the
// history, and the current row becomes the new one, keeping its number ($35: the JSON's length).
// Every CTE reads the rows as they were before the statement, so the history gets the old current row.
const std::string kNextVersion =
    " k AS (INSERT INTO {s}.resource_history (resource_type, id, version_id, last_updated, method, content)"
    "  SELECT resource_type, id, version_id, last_updated, method, content FROM {s}.resources"
    "  WHERE resource_type = $1 AND id = $2),"
    " n AS (UPDATE {s}.resources SET version_id = $30, last_updated = $31, deleted = $32,"
    "  content = nullif($33, ''::bytea), method = $34, content_bytes = nullif($35, 0) WHERE resource_type = $1 AND id = $2"
    "  RETURNING rid),";
// Reindexing rewrites the entries alone.
const std::string kIndexReplace = "WITH n AS (SELECT rid FROM {s}.resources WHERE resource_type = $1 AND id = $2)," +
                                  indexDeletes() + kIndexInserts + " SELECT 1";
const std::string kPutFirst = "WITH" + kFirstVersion + kIndexInserts + " SELECT 1";
const std::string kPutNext = "WITH" + kNextVersion + indexDeletes() + kIndexInserts + " SELECT 1";
// A version's content: the current row's, or its history row's.
const std::string kVersionContent =
    " LEFT JOIN {s}.resources c ON h.current AND c.resource_type = h.resource_type AND c.id = h.id"
    " LEFT JOIN {s}.resource_history o ON NOT h.current AND o.resource_type = h.resource_type AND o.id = h.id"
    " AND o.version_id = h.version_id";

// Every version of the resources `filter` selects, current ones from `resources` and superseded
// ones from `resource_history`, with a marker of which; each side ordered and cut by
// `orderAndLimit`. `schema` may be "{s}" for a statement prepared per schema.
std::string versions(const std::string& filter, const std::string& schema, const std::string& orderAndLimit = "") {
  auto side = [&](const char* table, const char* current) {
    return "(SELECT resource_type, id, version_id, last_updated, method, " + std::string(current) + " AS current FROM " +
           schema + "." + table + " WHERE " + filter + orderAndLimit + ")";
  };
  return side("resources", "true") + " UNION ALL " + side("resource_history", "false");
}

}  // namespace

ResourceRepository::ResourceRepository(db::Session& session, const instances::Instance& instance)
    : session_(session),
      schema_(instance.schema),
      quotedSchema_(db::quoteIdentifier(instance.schema)),
      searchIndexVersion_(instance.searchIndexVersion),
      dictionaries_(instance.contentDictionaries) {}

const std::string& ResourceRepository::statement(const char* name, const char* sqlTemplate) {
  return session_.preparedIn(schema_, name, sqlTemplate);
}

db::Statement ResourceRepository::currentRowsStatement(const instances::Instance& instance,
                                                       const std::vector<RowKey>& keys) {
  // Each key is looked up on its own through the primary key (the lateral subquery cannot be
  // flattened into a join), whatever number of keys a generic plan assumes.
  static const std::string sql =
      "SELECT r.*, u.n FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(t, i, n) CROSS JOIN LATERAL"
      " (SELECT resource_type, id, version_id, last_updated, deleted, content FROM {s}.resources"
      " WHERE resource_type = u.t AND id = u.i OFFSET 0) r";
  std::vector<std::string> types, ids;
  for (const auto& key : keys) {
    types.push_back(key.type);
    ids.push_back(key.id);
  }
  return {"current_rows " + instance.schema, db::expandSchema(sql, db::quoteIdentifier(instance.schema)),
          {pgTextArray(types), pgTextArray(ids)}};
}

std::vector<std::optional<ResourceRow>> ResourceRepository::currentRowsFrom(const db::StatementResult& result,
                                                                             size_t count,
                                                                             const instances::Instance& instance) {
  const auto& dictionaries = *instance.contentDictionaries;
  std::vector<std::optional<ResourceRow>> rows(count);
  for (int i = 0; i < result.rows(); ++i) {
    ResourceRow row;
    row.type = result.text(i, 0);
    row.id = result.text(i, 1);
    row.versionId = std::stoll(std::string(result.text(i, 2)));
    row.lastUpdated = std::stoll(std::string(result.text(i, 3)));
    row.deleted = result.text(i, 4) == "t";
    if (!result.isNull(i, 5)) row.content = unpackContent(db::byteaFromText(result.text(i, 5)), dictionaries);
    const size_t position = std::stoul(std::string(result.text(i, 6)));
    if (position >= 1 && position <= count) rows[position - 1] = std::move(row);
  }
  return rows;
}

namespace {

// Whether `c` matches a few resources whatever its values: a reference, a string (a name
// prefix), an identifier, or a chain to resources that such a condition finds.
bool anchors(const IndexCondition& c) {
  if (c.negate || c.reverse) return false;
  if (!c.linked.empty())
    return std::all_of(c.linked.begin(), c.linked.end(), [](const std::shared_ptr<ResourceQuery>& q) {
      return !q->ids.empty() || std::any_of(q->conditions.begin(), q->conditions.end(), anchors);
    });
  if (c.anyOf.empty()) return false;
  const bool identifiers = std::all_of(c.params.begin(), c.params.end(), [](const std::string& p) {
    return p == "identifier" || p.find(':') != std::string::npos;
  });
  return c.table == IndexCondition::Table::Reference || c.table == IndexCondition::Table::String ||
         (c.table == IndexCondition::Table::Token && identifiers);
}

// Whether a plan made once for any values (db::Session's default) serves this search. Such a
// plan assumes each condition matches a few rows, as it cannot see the value. That holds for a
// condition naming one resource (a reference, an _id), an identifier or a name prefix, from
// whose few rows the page is found; without one (Observation?status=final, which may match
// most Observations) a generic plan hashes every match before it can stop at the page, so the
// search is planned for its values, which costs a millisecond or two. So is a chain to resources
// that no condition anchors: how selective each side is decides its plan. A chain to anchored
// resources (Observation?patient.identifier=X&category=laboratory) anchors the search itself:
// planning it for its values took 1.1 of its 1.4 ms at ten million, and the plan made once
// starts from the identifier too. A _has is planned once as well when a condition of the
// search's own anchors it, and is then checked for each anchored resource alone, its linked
// resources probed one by one (whereClause, conditionSubquery): a generic plan of the _has as a
// join hashed every linked resource (Patient?_has:Condition:patient:category=health-concern
// &identifier=X, 24 ms at ten million), and planning it for its values took 1.4 of its 1.5 ms.
bool genericPlanFits(const ResourceQuery& query) {
  bool anchored = query.conditions.empty() || !query.ids.empty() || query.referencedFrom.has_value();
  for (const auto& c : query.conditions) {
    const bool chain = !c.linked.empty() && !c.reverse;
    if (chain && !anchors(c)) return false;
    if ((chain || c.linked.empty()) && anchors(c)) anchored = true;
  }
  return anchored;
}

}  // namespace

pqxx::result ResourceRepository::execute(const std::string& sql, const std::vector<std::string>& params,
                                         bool generic) {
  return session_.run([&](pqxx::transaction_base& tx) {
    if (generic) return tx.exec_prepared(session_.preparedText(sql), pqxx::prepare::make_dynamic_params(params));
    // Sessions default to generic plans (db::Session), which PostgreSQL applies to unnamed
    // statements too; this one is planned for its values.
    tx.exec0("SET plan_cache_mode = force_custom_plan");
    try {
      auto r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
      tx.exec0("SET plan_cache_mode = force_generic_plan");
      return r;
    } catch (const pqxx::sql_error&) {
      if (session_.ambient() == nullptr) tx.exec0("SET plan_cache_mode = force_generic_plan");
      throw;
    }
  });
}

std::vector<ResourceRow> ResourceRepository::rows(const std::string& sql, const std::vector<std::string>& params,
                                                  bool history) {
  auto r = execute(sql, params, true);
  std::vector<ResourceRow> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(rowFrom(row, *dictionaries_, history));
  return out;
}

std::optional<ResourceRow> ResourceRepository::current(const std::string& type, const std::string& id) {
  const auto& name = statement("current",
                               "SELECT resource_type, id, version_id, last_updated, deleted, content FROM {s}.resources"
                               " WHERE resource_type = $1 AND id = $2");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, type, id); });
  if (r.empty()) return std::nullopt;
  return rowFrom(r[0], *dictionaries_, false);
}

std::optional<ResourceRow> ResourceRepository::version(const std::string& type, const std::string& id,
                                                       int64_t versionId) {
  static const std::string sql =
      "SELECT h.resource_type, h.id, h.version_id, h.last_updated, h.method, coalesce(c.content, o.content) FROM (" +
      versions("resource_type = $1 AND id = $2 AND version_id = $3", "{s}") + ") h" + kVersionContent;
  const auto& name = statement("version", sql.c_str());
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, type, id, versionId); });
  if (r.empty()) return std::nullopt;
  return rowFrom(r[0], *dictionaries_, true);
}

std::optional<ResourceRow> ResourceRepository::versionAt(const std::string& type, const std::string& id,
                                                         int64_t atMillis) {
  static const char* sql =
      "SELECT resource_type, id, version_id, last_updated, method, content FROM {s}.resource_history"
      " WHERE resource_type = $1 AND id = $2 AND last_updated <= $3 ORDER BY version_id DESC LIMIT 1";
  const auto& name = statement("versionAt", sql);
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, type, id, atMillis); });
  if (r.empty()) return std::nullopt;
  return rowFrom(r[0], *dictionaries_, true);
}

namespace {

// The value a resource sorts by for one key, and the SQL type it compares as. `entries` select
// the key's index rows for the searched types (a resource's rows are its type's).
std::pair<std::string, const char*> sortExpression(const SortKey& k, const std::string& schema,
                                                   const std::string& entries) {
  const char* agg = k.descending ? "max" : "min";
  auto fromIndex = [&](const char* table, const std::string& column) {
    return std::string("(SELECT ") + agg + "(" + column + ") FROM " + schema + "." + table +
           " x WHERE x.rid = r.rid AND " + entries + ")";
  };
  switch (k.source) {
    case SortKey::Source::LastUpdated: return {"r.last_updated", "bigint"};
    case SortKey::Source::Id: return {"r.id", "text"};
    case SortKey::Source::Date: return {fromIndex("search_date", k.descending ? "x.high" : "x.low"), "bigint"};
    case SortKey::Source::Number: return {fromIndex("search_number", "x.value"), "numeric"};
    case SortKey::Source::Token: return {fromIndex("search_token", "x.code"), "text"};
    case SortKey::Source::String: return {fromIndex("search_string", "x.value_norm"), "text"};
    case SortKey::Source::Reference: return {fromIndex("search_reference", targetIdSql("x.target_id")), "text"};
  }
  return {"NULL", "text"};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ResourceRepository::referencedBy(
    const std::string& type, const std::vector<std::string>& ids, const std::vector<std::string>& targetTypes) {
  static const std::string sql = "SELECT DISTINCT x.target_type, " + targetIdSql("x.target_id") +
                                 " FROM {s}.resources r JOIN {s}.search_reference x ON x.rid = r.rid"
                                 " WHERE r.resource_type = $1 AND r.id = ANY($2::text[]) AND x.target_type = ANY($3::text[])";
  const auto& name = statement("referencedBy", sql.c_str());
  auto r = session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_prepared(name, type, pgTextArray(ids), pgTextArray(targetTypes));
  });
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(r.size());
  for (const auto& row : r) out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
  return out;
}

std::vector<std::string> ResourceRepository::deletedIds(const std::string& type, const std::string& afterId,
                                                        int64_t after, int64_t until, int limit) {
  // The primary key holds last_updated and deleted: the type's key range alone answers this.
  static const char* sql =
      "SELECT id FROM {s}.resources WHERE resource_type = $1 AND id > $2 AND deleted"
      " AND last_updated > $3 AND last_updated <= $4 ORDER BY id LIMIT $5";
  const auto& name = statement("deletedIds", sql);
  auto r = session_.run(
      [&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, type, afterId, after, until, limit); });
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

std::vector<ResourceRow> ResourceRepository::currentOf(const std::string& type, const std::vector<std::string>& ids,
                                                       ListedContent listed) {
  // A bitmap of the keys reads the table's pages in their physical order, each once; sorting the
  // rows back into the order asked for costs less than visiting pages in id order.
  static const char* full =
      "SELECT resource_type, id, version_id, last_updated, deleted, content FROM {s}.resources"
      " WHERE resource_type = $1 AND id = ANY($2::text[])";
  // Everything the primary key holds, and no version: an index-only scan.
  static const char* sized =
      "SELECT resource_type, id, 0, last_updated, deleted, content_bytes FROM {s}.resources"
      " WHERE resource_type = $1 AND id = ANY($2::text[])";
  const bool size = listed == ListedContent::Size;
  const auto& name = size ? statement("currentSizesOf", sized) : statement("currentOf", full);
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, type, pgTextArray(ids)); });
  std::unordered_map<std::string_view, size_t> position;
  position.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) position.emplace(ids[i], i);
  std::vector<std::optional<ResourceRow>> ordered(ids.size());
  for (const auto& row : r) {
    auto at = position.find(std::string_view(row[1].c_str(), row[1].size()));
    if (at != position.end()) ordered[at->second] = rowFrom(row, *dictionaries_, false, size);
  }
  std::vector<ResourceRow> out;
  out.reserve(r.size());
  for (auto& row : ordered)
    if (row) out.push_back(std::move(*row));
  return out;
}

namespace {

// `m` as SQL on index rows `x` of `types`, its values appended to `params`.
std::string matchPredicate(const IndexMatch& m, const std::vector<std::string>& types, std::vector<std::string>& params,
                           bool references) {
  std::string predicate = m.params.empty() ? "" : entriesOf(params, types, m.params, references) + " AND ";
  size_t next = 0;
  for (char ch : m.sql) {
    if (ch == '?') predicate += bind(params, m.values.at(next++));
    else predicate += ch;
  }
  return predicate;
}

// Whether a search can be driven from `c`'s index entries (fromClause).
bool canDrive(const IndexCondition& c) {
  return c.onlyForType.empty() && !c.negate && !c.reverse && (!c.anyOf.empty() || !c.linked.empty());
}

// Whether a search is worth trying as a walk of its type's resources by number that probes
// each for its _has: without anything to drive it, a _has joins every linked resource's target
// before it can stop at the page (Patient?_has:Condition:patient:category=health-concern read
// all 10,000 Conditions for a page of 10 Patients), while probing finds a page after a few
// resources when most qualify. Whether most do, neither the estimates of a semi-join over a
// join nor the linked count can say (10,000 Conditions may belong to 10 patients or 10,000).
bool probesFirst(const ResourceQuery& query) {
  return query.sort.empty() && !(query.cursor && query.cursor->before) &&
         std::none_of(query.conditions.begin(), query.conditions.end(), canDrive) &&
         std::any_of(query.conditions.begin(), query.conditions.end(), [](const IndexCondition& c) { return c.reverse; });
}

// The condition of a search for one code of a dated token (dated_tokens.h) sorted newest first
// by that token's date, with nothing more selective: Observation?category=laboratory&_sort=-date
// otherwise reads every laboratory result's date before it can take the newest. Its entries
// name the match's system and code as the composite key's.
std::optional<std::pair<const IndexCondition*, IndexMatch>> datedWalk(const ResourceQuery& query) {
  if (query.sort.size() != 1 || query.types.size() != 1 || !query.ids.empty() || query.referencedFrom) return std::nullopt;
  const SortKey& key = query.sort[0];
  if (key.source != SortKey::Source::Date || !key.descending || key.params.size() != 1) return std::nullopt;
  if (query.cursor && (query.cursor->before || !query.cursor->sortValues[0])) return std::nullopt;
  if (std::any_of(query.conditions.begin(), query.conditions.end(), anchors)) return std::nullopt;
  for (const auto& c : query.conditions) {
    if (c.table != IndexCondition::Table::Token || !canDrive(c) || !c.linked.empty() || c.params.size() != 1 ||
        c.anyOf.size() != 1 || !c.anyOf[0].params.empty())
      continue;
    const DatedToken* pair = datedToken(query.types[0], c.params[0], key.params[0]);
    const std::string& sql = c.anyOf[0].sql;
    std::string keyed;
    if (sql == "x.code = ?") keyed = "x.key_code = ?";
    else if (sql == "x.system_key IS NULL AND x.code = ?") keyed = "x.key_system_key IS NULL AND x.key_code = ?";
    else if (sql == "x.system_key = ?::bigint AND x.code = ?") keyed = "x.key_system_key = ?::bigint AND x.key_code = ?";
    if (pair != nullptr && !keyed.empty()) return std::make_pair(&c, IndexMatch{keyed, c.anyOf[0].values, {pair->entry}});
  }
  return std::nullopt;
}

// The condition of a search by one string prefix and nothing else (Patient?name=davis). A
// prefix's entries are ordered by value, then number, so a page in number order read every match
// first (9,771 for a family name at 10 M resources, against 977 at 1 M); walked value by value
// instead, each value's entries from the cursor on up to a page, the page costs at most a page
// per value. Only alone: another condition could reject a value's first entries and leave later
// ones, past the walk, that belong on the page.
const IndexCondition* prefixWalk(const ResourceQuery& query) {
  if (query.conditions.size() != 1 || !query.sort.empty() || (query.cursor && query.cursor->before) ||
      !query.ids.empty() || !query.lastUpdated.empty() || query.referencedFrom || query.matchesNothing)
    return nullptr;
  const IndexCondition& c = query.conditions[0];
  const bool prefix = c.table == IndexCondition::Table::String && canDrive(c) && c.linked.empty() &&
                      c.anyOf.size() == 1 && c.anyOf[0].params.empty() &&
                      c.anyOf[0].sql == "x.value_norm >= ? AND x.value_norm < ? AND x.value_norm LIKE ?";
  return prefix ? &c : nullptr;
}

}  // namespace

std::vector<ResourceRow> ResourceRepository::list(const ResourceQuery& query, ListedContent listed) {
  // Each walk reads a bounded part of the search's order; when that does not fill the page (the
  // qualifying resources are few, or some have no value for the sort), the whole search runs.
  // Both give the same order, so the page is the same either way.
  if (probesFirst(query)) {
    auto rows = page(query, listed, [&](std::vector<std::string>& params, bool generic) {
      return Walk{walkClause(query, params, generic, 5 * query.limit), ""};
    });
    if (rows.size() >= static_cast<size_t>(query.limit)) return rows;
  }
  if (const IndexCondition* prefix = prefixWalk(query)) {
    auto rows = page(query, listed, [&](std::vector<std::string>& params, bool generic) {
      return Walk{prefixClause(query, *prefix, params, generic), ""};
    });
    if (rows.size() >= static_cast<size_t>(query.limit)) return rows;
  }
  if (auto walk = searchIndexVersion_ >= kDatedTokenEntriesSince ? datedWalk(query) : std::nullopt) {
    auto rows = page(query, listed, [&](std::vector<std::string>& params, bool generic) {
      return datedClause(query, *walk->first, walk->second, params, generic);
    });
    // A resource with the code twice (in two systems) has an entry for each, one after the other.
    rows.erase(std::unique(rows.begin(), rows.end(),
                           [](const ResourceRow& a, const ResourceRow& b) { return a.number == b.number; }),
               rows.end());
    if (rows.size() >= static_cast<size_t>(query.limit)) return rows;
  }
  return page(query, listed, nullptr);
}

std::vector<ResourceRow> ResourceRepository::page(const ResourceQuery& query, ListedContent listed,
                                                  const WalkBuilder& walker) {
  std::vector<std::string> params;
  const bool generic = genericPlanFits(query);
  const Walk walk = walker ? walker(params, generic) : Walk{fromClause(query, params, generic), ""};
  const std::string& from = walk.from;
  auto param = [&](std::string value) { return bind(params, std::move(value)); };
  // A `before` cursor walks the order backwards: every direction flips, nulls come first.
  const bool backwards = query.cursor && query.cursor->before;
  std::string columns, order;
  std::vector<const char*> casts;
  for (size_t i = 0; i < query.sort.size(); ++i) {
    const SortKey& k = query.sort[i];
    auto [expression, cast] =
        i == 0 && !walk.sorted.empty()
            ? std::pair<std::string, const char*>{walk.sorted, "bigint"}
            : sortExpression(k, quotedSchema_,
                             entriesOf(params, query.types, k.params, k.source == SortKey::Source::Reference));
    casts.push_back(cast);
    const std::string n = std::to_string(i);
    columns += ", (" + expression + ")::text AS t" + n + ", " + expression + " AS k" + n;
    order += "s.k" + n + ((k.descending != backwards) ? " DESC" : " ASC") + (backwards ? " NULLS FIRST, " : " NULLS LAST, ");
  }
  order += std::string("s.rid") + (backwards ? " DESC" : " ASC");
  // Keys first, content last: the page's keys come from indexes alone, and only the rows on the
  // page are read from the table. By number, a broad search's conditions (their entries ordered
  // by number under each value) merge with each other and stop at the page's end.
  std::string sql = "SELECT * FROM (SELECT r.rid" + columns + from + ") s";
  if (const auto& c = query.cursor) {
    if (c->sortValues.size() != query.sort.size()) throw std::invalid_argument("cursor does not fit the sort keys");
    // Strictly past the cursor in this walk's order: for some key i, equal on every key before
    // it and past it on key i; or equal on all keys and past it in number.
    std::string equalSoFar, past;
    for (size_t i = 0; i < query.sort.size(); ++i) {
      const std::string k = "s.k" + std::to_string(i);
      const bool descending = query.sort[i].descending != backwards;
      const auto& v = c->sortValues[i];
      std::string value = v ? param(*v) + "::" + casts[i] : "";
      std::string beyond = !v ? (backwards ? k + " IS NOT NULL" : "false")
                              : "(" + k + (descending ? " < " : " > ") + value + (backwards ? ")" : " OR " + k + " IS NULL)");
      past += (past.empty() ? "(" : " OR (") + equalSoFar + beyond + ")";
      equalSoFar += (v ? k + " = " + value : k + " IS NULL") + " AND ";
    }
    past += (past.empty() ? "(" : " OR (") + equalSoFar + "s.rid " + (backwards ? "< " : "> ") +
            param(std::to_string(c->number)) + "::bigint)";
    sql += " WHERE " + past;
  }
  sql += " ORDER BY " + order + " LIMIT " + std::to_string(query.limit);
  std::string sortColumns;
  for (size_t i = 0; i < query.sort.size(); ++i) sortColumns += ", s.t" + std::to_string(i) + ", s.k" + std::to_string(i);
  std::vector<ResourceRow> out;
  // The page's resources by number: their type and id from the number's index alone.
  if (listed == ListedContent::Keys) {
    sql = "SELECT c.resource_type, c.id, s.rid FROM (" + sql + ") s JOIN " + quotedSchema_ +
          ".resources c ON c.rid = s.rid ORDER BY " + order;
    auto r = execute(sql, params, generic);
    out.reserve(r.size());
    for (const auto& row : r) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
      out.back().number = row[2].as<int64_t>();
    }
    return out;
  }
  sql = "SELECT c.resource_type, c.id, c.version_id, c.last_updated, c.deleted, c.content, s.rid" + sortColumns +
        " FROM (" + sql + ") s JOIN " + quotedSchema_ + ".resources c ON c.rid = s.rid ORDER BY " + order;
  auto r = execute(sql, params, generic);
  out.reserve(r.size());
  for (const auto& row : r) {
    out.push_back(rowFrom(row, *dictionaries_, false));
    out.back().number = row[6].as<int64_t>();
    for (size_t i = 0; i < query.sort.size(); ++i) {
      const auto& field = row[static_cast<int>(7 + 2 * i)];
      out.back().sortValues.push_back(field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>()));
    }
  }
  return out;
}

int64_t ResourceRepository::count(const ResourceQuery& query) {
  std::vector<std::string> params;
  const bool generic = genericPlanFits(query);
  std::string sql = "SELECT count(*)" + fromClause(query, params, generic);
  auto r = execute(sql, params, generic);
  return r[0][0].as<int64_t>();
}

std::string ResourceRepository::fromClause(const ResourceQuery& query, std::vector<std::string>& params, bool generic,
                                           bool unique) {
  // A search with a condition on index entries is driven from one (one that anchors it, if
  // any): entries exist only for live resources, and those of a value are ordered by number, so
  // a broad search merges its conditions' entries and stops at the page's end, and an anchored
  // one starts from its few. What only the resources table says (ids, _lastUpdated, a
  // compartment, _has, a condition on one of several types) is checked by looking each resource up by
  // number (the lateral subquery cannot be flattened, so no estimate turns it into a walk of all
  // the type's resources). Without such a condition, the type's live resources are walked by number.
  const IndexCondition* driver = nullptr;
  for (const auto& c : query.conditions)
    if (canDrive(c) && (driver == nullptr || (anchors(c) && !anchors(*driver)))) driver = &c;
  if (driver == nullptr) return " FROM " + quotedSchema_ + ".resources r" + whereClause(query, params, "r", generic);
  const std::string numbers = std::string(" FROM (SELECT ") + (unique ? "DISTINCT " : "") + "d.rid FROM (" +
                              conditionSubquery(*driver, query.types, params, generic) + ") d)";
  return fromNumbers(query, params, generic, numbers, driver);
}

std::string ResourceRepository::fromNumbers(const ResourceQuery& query, std::vector<std::string>& params, bool generic,
                                            const std::string& numbers, const IndexCondition* driver,
                                            std::string* numbersAlias) {
  const bool needsResources =
      !query.ids.empty() || !query.lastUpdated.empty() || query.referencedFrom.has_value() ||
      std::any_of(query.sort.begin(), query.sort.end(),
                  [](const SortKey& k) { return k.source == SortKey::Source::LastUpdated || k.source == SortKey::Source::Id; }) ||
      std::any_of(query.conditions.begin(), query.conditions.end(),
                  [](const IndexCondition& c) { return !c.onlyForType.empty() || c.reverse; });
  if (numbersAlias != nullptr) *numbersAlias = needsResources ? "dr" : "r";
  if (!needsResources) return numbers + " r" + whereClause(query, params, "r", generic, driver, false);
  return numbers + " dr CROSS JOIN LATERAL (SELECT * FROM " + quotedSchema_ +
         ".resources l WHERE l.rid = dr.rid OFFSET 0) r" + whereClause(query, params, "r", generic, driver, true, generic);
}

ResourceRepository::Walk ResourceRepository::datedClause(const ResourceQuery& query, const IndexCondition& condition,
                                                         const IndexMatch& entries, std::vector<std::string>& params,
                                                         bool generic) {
  // The entries' latest ends (the resources' -date values), from the cursor's on; the page's
  // condition on the cursor then skips those at it already listed.
  std::string walked = "SELECT x.rid, x.high AS sorted FROM " + quotedSchema_ + ".search_composite x WHERE " +
                       matchPredicate(entries, query.types, params, false) + " AND x.high IS NOT NULL";
  if (query.cursor) walked += " AND x.high <= " + bind(params, *query.cursor->sortValues[0]) + "::bigint";
  std::string alias;
  std::string from = fromNumbers(query, params, generic, " FROM (" + walked + ")", &condition, &alias);
  return {std::move(from), alias + ".sorted"};
}

std::string ResourceRepository::prefixClause(const ResourceQuery& query, const IndexCondition& condition,
                                             std::vector<std::string>& params, bool generic) {
  // The prefix's values one by one, each the least after the one before (a B-tree probe each),
  // up to one past the cap; then, per value, its first page of numbers after the cursor.
  constexpr int kMostValues = 64;
  const std::vector<std::string>& bounds = condition.anyOf[0].values;
  const std::string table = quotedSchema_ + ".search_string x WHERE ";
  const std::string keys = entriesOf(params, query.types, condition.params, false);
  const std::string low = bind(params, bounds[0]), high = bind(params, bounds[1]), like = bind(params, bounds[2]);
  const std::string after = query.cursor ? " AND x.rid > " + bind(params, std::to_string(query.cursor->number)) + "::bigint" : "";
  std::string walked =
      "WITH RECURSIVE v(val, n) AS (SELECT (SELECT min(x.value_norm) FROM " + table + keys + " AND x.value_norm >= " +
      low + " AND x.value_norm < " + high + "), 1 UNION ALL SELECT (SELECT min(x.value_norm) FROM " + table + keys +
      " AND x.value_norm > v.val AND x.value_norm < " + high + "), v.n + 1 FROM v WHERE v.val IS NOT NULL AND v.n <= " +
      std::to_string(kMostValues) + ") SELECT DISTINCT e.rid FROM v CROSS JOIN LATERAL (SELECT DISTINCT x.rid FROM " +
      table + keys + " AND x.value_norm = v.val" + after + " ORDER BY x.rid LIMIT " + std::to_string(query.limit) +
      ") e WHERE v.val LIKE " + like + " AND NOT EXISTS (SELECT 1 FROM v WHERE v.n > " + std::to_string(kMostValues) +
      " AND v.val IS NOT NULL)";
  return fromNumbers(query, params, generic, " FROM (" + walked + ")", &condition);
}

std::string ResourceRepository::walkClause(const ResourceQuery& query, std::vector<std::string>& params, bool generic,
                                           int walk) {
  std::string walked = " FROM (SELECT * FROM " + quotedSchema_ + ".resources w WHERE w.resource_type" +
                       typeMatch(params, query.types) + " AND NOT w.deleted";
  if (query.cursor) walked += " AND w.rid > " + bind(params, std::to_string(query.cursor->number)) + "::bigint";
  walked += " ORDER BY w.rid LIMIT " + std::to_string(walk) + ") r";
  return walked + whereClause(query, params, "r", generic, nullptr, true, true);
}

std::string ResourceRepository::whereClause(const ResourceQuery& query, std::vector<std::string>& params,
                                            const std::string& alias, bool generic, const IndexCondition* driver,
                                            bool resources, bool probeReverse) {
  auto param = [&](std::string value) { return bind(params, std::move(value)); };
  const std::string& a = alias;
  // Whether the resource is [not] among condition c's numbers. In a plan made once for a search
  // an anchor drives, each anchored resource probes c's entries (OFFSET 0 keeps the EXISTS a
  // subplan run per row): such a plan cannot see how few the anchor gives, nor how many c's value
  // has, and once costed a merge with all of a common code's entries (44,271 laboratory results
  // at a million resources, 3.8 ms) below a few dozen probes (0.4 ms).
  const bool probe = generic && driver != nullptr && anchors(*driver);
  auto numbered = [&](const IndexCondition& c) {
    const std::string subquery = conditionSubquery(c, query.types, params, generic);
    if (probe)
      return std::string(c.negate ? "NOT " : "") + "EXISTS (SELECT 1 FROM (" + subquery + ") e WHERE e.rid = " + a +
             ".rid OFFSET 0)";
    return a + ".rid" + (c.negate ? " NOT IN (" : " IN (") + subquery + ")";
  };
  if (!resources) {
    std::string sql = query.matchesNothing ? " WHERE false" : " WHERE true";
    for (const auto& c : query.conditions)
      if (&c != driver) sql += " AND " + numbered(c);
    return sql;
  }
  // " = $n" for one type, so that the planner's statistics apply; " = ANY($n)" for several.
  const std::string types = typeMatch(params, query.types);
  std::string sql = " WHERE " + a + ".resource_type" + types;
  if (driver == nullptr) sql += " AND NOT " + a + ".deleted";
  if (query.matchesNothing) sql += " AND false";
  if (!query.ids.empty()) {
    std::string list;
    for (const auto& id : query.ids) list += (list.empty() ? "" : ",") + param(id);
    sql += " AND " + a + ".id IN (" + list + ")";
  }
  for (const auto& b : query.lastUpdated) {
    switch (b.op) {
      case InstantBound::Op::AtLeast:
        sql += " AND " + a + ".last_updated >= " + param(std::to_string(b.value)) + "::bigint";
        break;
      case InstantBound::Op::Before:
        sql += " AND " + a + ".last_updated < " + param(std::to_string(b.value)) + "::bigint";
        break;
      case InstantBound::Op::NotIn:
        sql += " AND NOT (" + a + ".last_updated >= " + param(std::to_string(b.value)) + "::bigint AND " + a +
               ".last_updated < " + param(std::to_string(b.valueHigh)) + "::bigint)";
        break;
    }
  }
  if (const auto& reach = query.referencedFrom) {
    // The patient's compartment: the resources whose membership parameters reference the
    // patient. What they and the patient reference are their reference rows.
    const std::string patient = param(reach->patientId);
    const std::string patientTarget = param(storedTargetIdParam(reach->patientId)) + "::bytea";
    std::vector<int32_t> memberKeys;
    for (const auto& [type, name] : reach->members)
      if (auto stored = storedReferences(type, name, "Patient")) memberKeys.push_back(paramKey(type, stored->first));
    const std::string members = "SELECT m.rid FROM " + quotedSchema_ + ".search_reference m WHERE m.param_key" +
                                keyMatch(params, memberKeys) + " AND m.target_id = " + patientTarget +
                                " AND m.target_type = 'Patient'";
    const std::string patientRow = a + ".resource_type = 'Patient' AND " + a + ".id = " + patient;
    const std::string referenced =
        "SELECT ref.target_type, " + targetIdSql("ref.target_id") + " FROM " + quotedSchema_ +
        ".search_reference ref WHERE ref.target_type" +
        types + " AND (ref.rid = (SELECT p.rid FROM " + quotedSchema_ +
        ".resources p WHERE p.resource_type = 'Patient' AND p.id = " + patient + ") OR ref.rid IN (" + members + "))";
    sql += " AND ((" + a + ".resource_type, " + a + ".id) IN (" + referenced + ")";
    if (reach->wholeRecord) sql += " OR (" + patientRow + ") OR " + a + ".rid IN (" + members + ")";
    sql += ")";
  }
  for (const auto& c : query.conditions) {
    if (&c == driver) continue;
    const std::string scope = c.onlyForType.empty() ? "" : a + ".resource_type <> " + param(c.onlyForType) + " OR ";
    if (c.reverse && probeReverse) {
      // OFFSET 0 keeps the EXISTS a subplan run per row, which looks up this resource's entries.
      sql += " AND (" + scope + (c.negate ? "NOT " : "") + "EXISTS (SELECT 1 FROM (" +
             conditionSubquery(c, query.types, params, generic) + ") h WHERE h.target_type = " + a +
             ".resource_type AND h.target_id = " + storedTargetIdSql(a + ".id") + " OFFSET 0))";
      continue;
    }
    if (!c.reverse) {
      sql += " AND (" + scope + numbered(c) + ")";
      continue;
    }
    sql += " AND (" + scope + "(" + a + ".resource_type, " + a + ".id)" + (c.negate ? " NOT IN (" : " IN (") +
           "SELECT h.target_type, " + targetIdSql("h.target_id") + " FROM (" +
           conditionSubquery(c, query.types, params, generic) + ") h))";
  }
  return sql;
}

std::string ResourceRepository::conditionSubquery(const IndexCondition& c, const std::vector<std::string>& types,
                                                  std::vector<std::string>& params, bool generic) {
  auto param = [&](std::string value) { return bind(params, std::move(value)); };
  if (!c.linked.empty()) {
    // Each linked query selects live resources of its own type, as a search of its own would
    // (so from its conditions' entries alone where it can, which the planner estimates far
    // better than those entries' share of all resources); their union is the other end, by
    // number where the rows at hand are theirs (_has), else by type and id (a chain's targets).
    std::string others;
    std::vector<std::string> linkedTypes;
    for (const auto& q : c.linked) {
      const std::string numbers = "SELECT r.rid" + fromClause(*q, params, generic, false);
      others += std::string(others.empty() ? "" : " UNION ALL ") +
                (c.reverse ? numbers
                           : "SELECT t.resource_type, " + storedTargetIdSql("t.id") + " FROM " + quotedSchema_ +
                                 ".resources t WHERE t.rid IN (" + numbers + ")");
      linkedTypes.insert(linkedTypes.end(), q->types.begin(), q->types.end());
    }
    const std::string table = quotedSchema_ + ".search_reference x";
    // In a plan made once for any values, each reference is probed for its linked resource (OFFSET
    // 0 keeps the EXISTS a subplan run per row) rather than all linked resources gathered first.
    if (c.reverse)
      return "SELECT x.target_type, x.target_id FROM " + table + " WHERE " +
             entriesOf(params, linkedTypes, c.params, true) + " AND x.target_type" + typeMatch(params, types) +
             (generic ? " AND EXISTS (SELECT 1 FROM (" + others + ") o WHERE o.rid = x.rid OFFSET 0)"
                      : " AND x.rid IN (" + others + ")");
    return "SELECT x.rid FROM " + table + " WHERE " + entriesOf(params, types, c.params, true) + " AND x.target_type" +
           typeMatch(params, linkedTypes) + " AND (x.target_type, x.target_id) IN (" + others + ")";
  }
  static const char* tables[] = {"search_token", "search_string", "search_reference", "search_date", "search_number",
                                 "search_composite"};
  const bool references = c.table == IndexCondition::Table::Reference;
  std::string sub = "SELECT x.rid FROM " + quotedSchema_ + "." + tables[static_cast<int>(c.table)] + " x WHERE " +
                    entriesOf(params, types, c.params, references);
  if (c.anyOf.empty()) return sub;
  std::string any;
  for (const auto& m : c.anyOf) any += (any.empty() ? "(" : " OR (") + matchPredicate(m, types, params, references) + ")";
  return sub + " AND (" + any + ")";
}

std::vector<ResourceRow> ResourceRepository::history(const HistoryQuery& query) {
  std::string filter = "true";
  std::vector<std::string> params;
  auto param = [&](std::string value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  if (query.type) filter += " AND resource_type = " + param(*query.type);
  if (query.id) filter += " AND id = " + param(*query.id);
  if (query.since) filter += " AND last_updated >= " + param(std::to_string(*query.since)) + "::bigint";
  if (query.before) {
    const auto& c = *query.before;
    filter += " AND (last_updated, resource_type, id, version_id) < (" + param(std::to_string(c.lastUpdated)) +
              "::bigint, " + param(c.type) + ", " + param(c.id) + ", " + param(std::to_string(c.versionId)) + "::bigint)";
  }
  // The page's keys first (each table's newest, then together), then the content of those.
  const std::string order = " ORDER BY last_updated DESC, resource_type DESC, id DESC, version_id DESC";
  const std::string limit = " LIMIT " + std::to_string(query.limit);
  const std::string sql =
      "SELECT h.resource_type, h.id, h.version_id, h.last_updated, h.method, coalesce(c.content, o.content) FROM (" +
      versions(filter, quotedSchema_, order + limit) + order + limit + ") h" +
      db::expandSchema(kVersionContent, quotedSchema_) +
      " ORDER BY h.last_updated DESC, h.resource_type DESC, h.id DESC, h.version_id DESC";
  return rows(sql, params, true);
}

void ResourceRepository::bulkInsert(const BulkBatch& batch) {
  WriteTx write(*this);
  for (const auto& table : batch.tables())
    if (!table.rows.empty()) db::copyBinary(write.transaction(), quotedSchema_ + "." + table.name, table.columns, table.rows);
  write.commit();
}

std::vector<ResourceRow> ResourceRepository::referencedBy(const std::string& type, const std::vector<std::string>& ids,
                                                          const std::string& param, const std::string& targetType,
                                                          int limit) {
  auto stored = storedReferences(type, param, targetType);
  if (!stored) return {};
  std::string sql = db::expandSchema(
      "SELECT r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content FROM {s}.resources r"
      " WHERE NOT r.deleted AND (r.resource_type, r.id) IN (SELECT x.target_type, " + targetIdSql("x.target_id") + " FROM"
      " {s}.resources s JOIN {s}.search_reference x ON x.rid = s.rid WHERE s.resource_type = $4"
      " AND s.id = ANY($1::text[]) AND x.param_key = $2 AND x.target_type IS NOT NULL"
      " AND ($3 = '' OR x.target_type = $3)) ORDER BY r.resource_type, r.id LIMIT ",
      quotedSchema_);
  return rows(sql + std::to_string(limit),
              {pgTextArray(ids), std::to_string(paramKey(type, stored->first)), stored->second, type}, false);
}

std::vector<ResourceRow> ResourceRepository::referencing(const std::string& sourceType, const std::string& param,
                                                         const std::string& targetType,
                                                         const std::vector<std::string>& ids, int limit) {
  auto stored = storedReferences(sourceType, param, targetType);
  if (!stored) return {};
  std::string sql = db::expandSchema(
      "SELECT r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content FROM {s}.resources r"
      " WHERE r.resource_type = $1 AND NOT r.deleted AND r.rid IN (SELECT x.rid FROM {s}.search_reference x"
      " WHERE x.param_key = $2 AND x.target_type = $3 AND x.target_id = ANY($4::bytea[]))"
      " ORDER BY r.id LIMIT ",
      quotedSchema_);
  return rows(sql + std::to_string(limit),
              {sourceType, std::to_string(paramKey(sourceType, stored->first)), stored->second, storedTargetIdsParam(ids)},
              false);
}

std::vector<std::string> ResourceRepository::referencingIds(const std::string& sourceType, const std::string& param,
                                                            const std::string& targetType,
                                                            const std::vector<std::string>& ids,
                                                            bool latestPerTarget) {
  auto stored = storedReferences(sourceType, param, targetType);
  if (!stored) return {};
  static const char* all =
      "SELECT DISTINCT r.id FROM {s}.search_reference x JOIN {s}.resources r ON r.rid = x.rid"
      " WHERE x.param_key = $1 AND x.target_type = $2 AND x.target_id = ANY($3::bytea[])";
  static const char* latest =
      "SELECT DISTINCT id FROM (SELECT DISTINCT ON (x.target_id) r.id FROM {s}.search_reference x"
      " JOIN {s}.resources r ON r.rid = x.rid"
      " WHERE x.param_key = $1 AND x.target_type = $2 AND x.target_id = ANY($3::bytea[])"
      " ORDER BY x.target_id, r.last_updated DESC, r.id DESC) l";
  const int key = paramKey(sourceType, stored->first);
  auto r = session_.run([&](pqxx::transaction_base& tx) {
    if (latestPerTarget)
      return tx.exec_prepared(statement("latestReferencingIds", latest), key, stored->second, storedTargetIdsParam(ids));
    return tx.exec_prepared(statement("referencingIds", all), key, stored->second, storedTargetIdsParam(ids));
  });
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

void ResourceRepository::lockConditionalWrites(const std::string& type) {
  pqxx::work* tx = session_.ambient();
  if (tx == nullptr) throw std::logic_error("lockConditionalWrites needs a db::Transaction");
  tx->exec_params("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", schema_, type);
}

std::vector<ResourceRow> ResourceRepository::scan(const std::string& type, const std::string& afterType,
                                                  const std::string& afterId, int limit) {
  std::vector<std::string> params{afterType, afterId};
  std::string sql = db::expandSchema(
      "SELECT resource_type, id, version_id, last_updated, deleted, content FROM {s}.resources"
      " WHERE NOT deleted AND (resource_type, id) > ($1, $2)",
      quotedSchema_);
  if (!type.empty()) {
    params.push_back(type);
    sql += " AND resource_type = $3";
  }
  sql += " ORDER BY resource_type, id LIMIT " + std::to_string(limit);
  return rows(sql, params, false);
}

std::vector<std::string> ResourceRepository::sampleContent(int count) {
  auto r = session_.run([&](pqxx::transaction_base& tx) {
    const double rows = tx.exec(db::expandSchema("SELECT reltuples FROM pg_class WHERE oid = '{s}.resources'::regclass",
                                                 quotedSchema_))[0][0]
                            .as<double>();
    // Twice the share asked for: pages hold deleted rows too, and the sample's size varies.
    const double percent = std::clamp(200.0 * count / std::max(rows, 1.0), 0.0001, 100.0);
    return tx.exec_params(db::expandSchema("SELECT content FROM {s}.resources TABLESAMPLE SYSTEM ($1)"
                                           " WHERE NOT deleted LIMIT $2",
                                           quotedSchema_),
                          percent, count);
  });
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(unpackContent(db::byteaFromText({row[0].c_str(), row[0].size()}), *dictionaries_));
  return out;
}

std::vector<ResourceRow> ResourceRepository::scanHistory(const std::string& afterType, const std::string& afterId,
                                                         int64_t afterVersion, int limit) {
  const std::string sql = db::expandSchema(
      "SELECT resource_type, id, version_id, last_updated, method, content FROM {s}.resource_history"
      " WHERE (resource_type, id, version_id) > ($1, $2, $3::bigint) AND content IS NOT NULL"
      " ORDER BY resource_type, id, version_id LIMIT " + std::to_string(limit),
      quotedSchema_);
  return rows(sql, {afterType, afterId, std::to_string(afterVersion)}, true);
}

void ResourceRepository::repack(const std::vector<ResourceRow>& rows, bool history) {
  auto sql = [](const char* table) {
    return std::string("UPDATE {s}.") + table +
           " r SET content = u.c FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[])"
           " AS u(t, i, v, c) WHERE r.resource_type = u.t AND r.id = u.i AND r.version_id = u.v";
  };
  static const std::string current = sql("resources"), superseded = sql("resource_history");
  std::vector<std::string> types, ids, versions, contents;
  for (const auto& row : rows) {
    types.push_back(row.type);
    ids.push_back(row.id);
    versions.push_back(std::to_string(row.versionId));
    contents.push_back(db::byteaText(packContent(row.content, *dictionaries_)));
  }
  const auto& name =
      history ? statement("repack_history", superseded.c_str()) : statement("repack", current.c_str());
  session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_prepared(name, pgTextArray(types), pgTextArray(ids), pgTextArray(versions), pgTextArray(contents));
  });
}

void ResourceRepository::reindex(const std::vector<ResourceRow>& rows, const std::vector<IndexRows>& index) {
  pqxx::work tx(session_.connection());
  for (size_t i = 0; i < rows.size(); ++i)
    tx.exec_prepared(statement("index_replace", kIndexReplace.c_str()), rows[i].type, rows[i].id,
                     pqxx::prepare::make_dynamic_params(pgIndexArrays(rows[i].type, index[i])));
  tx.commit();
}

namespace {
std::optional<pqxx::work> ownTransaction(db::Session& session) {
  if (session.ambient() != nullptr) return std::nullopt;
  return std::optional<pqxx::work>(std::in_place, session.connection());
}
}  // namespace

ResourceRepository::WriteTx::WriteTx(ResourceRepository& repo)
    : repo_(repo), own_(ownTransaction(repo.session_)), tx_(own_ ? *own_ : *repo.session_.ambient()) {}

std::optional<CurrentState> ResourceRepository::WriteTx::lockCurrent(const std::string& type, const std::string& id) {
  const auto& name = repo_.statement(
      "lock", "SELECT version_id, last_updated, deleted FROM {s}.resources WHERE resource_type = $1 AND id = $2 FOR UPDATE");
  auto r = tx_.exec_prepared(name, type, id);
  if (r.empty()) return std::nullopt;
  return CurrentState{r[0][0].as<int64_t>(), r[0][1].as<int64_t>(), r[0][2].as<bool>()};
}

std::optional<CurrentState> ResourceRepository::WriteTx::lockCurrent(const std::string& type, const std::string& id,
                                                                    std::string& content) {
  const auto& name = repo_.statement(
      "lock_content",
      "SELECT version_id, last_updated, deleted, content FROM {s}.resources WHERE resource_type = $1 AND id = $2"
      " FOR UPDATE");
  auto r = tx_.exec_prepared(name, type, id);
  if (r.empty()) return std::nullopt;
  content = r[0][3].is_null() ? std::string() : unpackContent(db::byteaFromText({r[0][3].c_str(), r[0][3].size()}), *repo_.dictionaries_);
  return CurrentState{r[0][0].as<int64_t>(), r[0][1].as<int64_t>(), r[0][2].as<bool>()};
}

namespace {
thread_local ResourceRepository::DeferredCreates* deferredCreates = nullptr;
}  // namespace

ResourceRepository::DeferredCreates::DeferredCreates(ResourceRepository& repo)
    : repo_(repo), batch_(std::make_unique<BulkBatch>(repo.dictionaries_)) {
  if (repo.session_.ambient() == nullptr) throw std::logic_error("DeferredCreates needs a db::Transaction");
  deferredCreates = this;
}

ResourceRepository::DeferredCreates::~DeferredCreates() {
  if (deferredCreates == this) deferredCreates = nullptr;
}

int64_t ResourceRepository::DeferredCreates::nextSequenceValue() {
  // A block at a time: one round trip per 64 creates rather than one each.
  if (numbers_.empty()) {
    const auto& name = repo_.statement("rid_block", "SELECT nextval('{s}.resource_rid') FROM generate_series(1, 64)");
    auto r = repo_.session_.ambient()->exec_prepared(name);
    for (auto it = r.rbegin(); it != r.rend(); ++it) numbers_.push_back((*it)[0].as<int64_t>());
  }
  const int64_t value = numbers_.back();
  numbers_.pop_back();
  return value;
}

void ResourceRepository::DeferredCreates::flush() {
  if (batch_->resources() > 0) repo_.bulkInsert(*batch_);
  batch_ = std::make_unique<BulkBatch>(repo_.dictionaries_);
}

void ResourceRepository::WriteTx::put(const ResourceRow& row, const IndexRows* index) {
  static const IndexRows nothing;
  const IndexRows& entries = index != nullptr ? *index : nothing;
  if (DeferredCreates* deferred = deferredCreates; deferred != nullptr && row.versionId == 1 && !row.deleted &&
      own_ == std::nullopt && &deferred->repo_.session_ == &repo_.session_ && deferred->repo_.schema_ == repo_.schema_) {
    deferred->batch_->add(row, entries, resourceNumber(patientPart(row.type, row.id, entries), deferred->nextSequenceValue()));
    return;
  }
  const auto arrays = pgIndexArrays(row.type, entries);
  const pqxx::binarystring content(row.deleted ? std::string() : packContent(row.content, *repo_.dictionaries_));
  const int64_t bytes = row.deleted ? 0 : static_cast<int64_t>(row.content.size());
  if (row.versionId == 1)
    tx_.exec_prepared(repo_.statement("put_first", kPutFirst.c_str()), row.type, row.id,
                      pqxx::prepare::make_dynamic_params(arrays), row.versionId, row.lastUpdated, row.deleted, content,
                      row.method, patientPart(row.type, row.id, entries), bytes);
  else
    tx_.exec_prepared(repo_.statement("put_next", kPutNext.c_str()), row.type, row.id,
                      pqxx::prepare::make_dynamic_params(arrays), row.versionId, row.lastUpdated, row.deleted, content,
                      row.method, bytes);
}

}  // namespace flint::fhir
