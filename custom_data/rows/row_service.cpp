#include "custom_data/rows/row_service.h"

#include <map>

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "custom_data/rows/field_values.h"
#include "custom_data/rows/namespace_access.h"
#include "custom_data/rows/row_store.h"
#include "fhir_resources/rest/url_encoding.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::custom_data {
namespace {

const char* clinicalType(TargetKind kind) {
  switch (kind) {
    case TargetKind::Patient:
      return "Patient";
    case TargetKind::Practitioner:
      return "Practitioner";
    case TargetKind::Encounter:
      return "Encounter";
    default:
      return nullptr;
  }
}

json::Value bodyObject(const std::string& body) {
  json::Value v;
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    throw RowError(400, "ValidationError", std::string("the body is not JSON: ") + e.what());
  }
  if (!v.isObject()) throw RowError(400, "ValidationError", "the body must be a JSON object of field values");
  return v;
}

// The columns a body sets. A link to the clinical record must name a resource this instance has.
std::vector<Assignment> assignments(db::Session& session, const instances::Instance& instance, const ModelDefinition& model,
                                    const json::Value& body, bool creating) {
  std::vector<Assignment> out;
  for (const auto& [name, value] : body.members()) {
    if (name == "dbid") throw RowError(400, "ValidationError", "dbid is assigned by the database and never changes");
    const FieldDefinition* f = model.field(name);
    if (f == nullptr || f->column.empty())
      throw RowError(400, "ValidationError", "'" + name + "' is not a field of " + model.name);
    if (f->primaryKey && !creating) throw RowError(400, "ValidationError", "'" + name + "' is the key and never changes");
    auto text = parameterText(*f, value);
    if (const char* type = clinicalType(f->target); type != nullptr && text) {
      fhir::ResourceRepository repo(session, instance);
      auto current = repo.current(type, *text);
      if (!current || current->deleted)
        throw RowError(400, "ValidationError", "'" + name + "': there is no " + std::string(type) + "/" + *text);
    }
    out.emplace_back(f, std::move(text));
  }
  if (creating)
    for (const auto& f : model.fields)
      if (f.primaryKey && body.find(f.name) == nullptr)
        throw RowError(400, "ValidationError", "'" + f.name + "' is the key: a row needs it");
  return out;
}

// A lookup object ({"field": value, ...}) as exact conditions (null: isnull).
RowQuery exactQuery(const ModelDefinition& model, const json::Value& lookup) {
  RowQuery query;
  for (const auto& [name, value] : lookup.members()) {
    const FieldDefinition* f = model.field(name);
    if (f == nullptr || f->column.empty()) throw RowError(400, "ValidationError", "'" + name + "' is not a field of " + model.name);
    Condition c;
    c.field = f;
    if (value.isNull()) {
      c.lookup = "isnull";
      c.values.push_back("true");
    } else {
      c.lookup = "exact";
      c.values.push_back(parameterText(*f, value));
    }
    query.conditions.push_back(std::move(c));
  }
  query.order.push_back({nullptr, false});
  query.limit = 2;
  return query;
}

const json::Value& member(const json::Value& body, const char* name) {
  static const json::Value empty = json::Value::object();
  const json::Value* v = body.find(name);
  if (v == nullptr) return empty;
  if (!v->isObject()) throw RowError(400, "ValidationError", std::string(name) + " must be an object of field values");
  return *v;
}

const json::Value& list(const json::Value& body, const char* name) {
  const json::Value* v = body.find(name);
  if (v == nullptr || !v->isArray()) throw RowError(400, "ValidationError", std::string(name) + " must be an array");
  if (v->items().size() > kMaxBulkSize)
    throw RowError(400, "BulkOperationTooLarge", std::to_string(v->items().size()) + " items; at most " +
                                                     std::to_string(kMaxBulkSize) + " in one bulk operation");
  return *v;
}

std::string keyText(const json::Value& key) {
  if (key.isString() || key.isNumber()) return key.text();
  throw RowError(400, "ValidationError", "a row's key must be its dbid (or its one-to-one key)");
}

// The operations on one model, inside the request's transaction.
class Operations {
 public:
  Operations(db::Session& session, pqxx::transaction_base& tx, const instances::Instance& instance,
             const NamespaceAccess& access, const ModelDefinition& model)
      : session_(session), instance_(instance), access_(access), model_(model), store_(session, tx, access.schema, model) {}

  json::Value create(const json::Value& row) {
    access_.requireWrite();
    return store_.insert(assignments(session_, instance_, model_, row, true));
  }
  json::Value get(const std::string& key) {
    checkRowKey(model_, key);
    auto row = store_.get(key);
    if (!row) throw noSuchRow(model_, key);
    return *row;
  }
  json::Value update(const std::string& key, const json::Value& changes) {
    access_.requireWrite();
    checkRowKey(model_, key);
    auto row = store_.update(key, assignments(session_, instance_, model_, changes, false));
    if (!row) throw noSuchRow(model_, key);
    return *row;
  }
  void remove(const std::string& key) {
    access_.requireWrite();
    checkRowKey(model_, key);
    if (!store_.remove(key)) throw noSuchRow(model_, key);
  }
  // get_or_create / update_or_create: {"lookup": {...}, "defaults": {...}} → {"created", "row"}.
  json::Value getOrCreate(const json::Value& body, bool updating) {
    access_.requireWrite();
    const json::Value& lookup = member(body, "lookup");
    const json::Value& defaults = member(body, "defaults");
    RowQuery query = exactQuery(model_, lookup);
    store_.lockLookup(json::write(lookup));
    RowPage found = store_.list(query);
    if (found.rows.size() > 1)
      throw RowError(400, "MultipleObjectsReturned", "the lookup matches more than one " + model_.name);
    json::Value out = json::Value::object();
    if (!found.rows.empty()) {
      json::Value row = std::move(found.rows.front());
      if (updating) {
        const json::Value* key = row.find(keyName());
        row = update(keyText(*key), defaults);
      }
      out.set("created", json::Value::boolean(false));
      out.set("row", std::move(row));
      return out;
    }
    json::Value values = lookup;
    for (const auto& [name, value] : defaults.members()) values.set(name, value);
    out.set("created", json::Value::boolean(true));
    out.set("row", create(values));
    return out;
  }
  json::Value bulkCreate(const json::Value& body) {
    access_.requireWrite();
    json::Value rows = json::Value::array();
    for (const auto& row : list(body, "rows").items()) {
      if (!row.isObject()) throw RowError(400, "ValidationError", "each row must be an object of field values");
      rows.push(create(row));
    }
    json::Value out = json::Value::object();
    out.set("rows", std::move(rows));
    return out;
  }
  // bulk_update: {"rows": [{"dbid": ..., field: value, ...}]}, each row's fields set by its key.
  json::Value bulkUpdate(const json::Value& body) {
    access_.requireWrite();
    long long updated = 0;
    for (const auto& row : list(body, "rows").items()) {
      const json::Value* key = row.isObject() ? row.find(keyName()) : nullptr;
      if (key == nullptr) throw RowError(400, "ValidationError", "each row to update needs its " + keyName());
      json::Value changes = row;
      changes.erase(keyName());
      update(keyText(*key), changes);
      ++updated;
    }
    json::Value out = json::Value::object();
    out.set("updated", json::Value::number(updated));
    return out;
  }
  // bulk_delete: {"keys": [...]}.
  json::Value bulkDelete(const json::Value& body) {
    access_.requireWrite();
    long long deleted = 0;
    for (const auto& key : list(body, "keys").items()) {
      remove(keyText(key));
      ++deleted;
    }
    json::Value out = json::Value::object();
    out.set("deleted", json::Value::number(deleted));
    return out;
  }
  // Aggregates from count=, sum=, avg=, min=, max= (repeatable) and group_by=a,b; the other
  // parameters select the rows as a list's do.
  json::Value aggregate(const std::vector<std::pair<std::string, std::string>>& params) {
    std::vector<Aggregate> aggregates;
    std::vector<const FieldDefinition*> groupBy;
    std::vector<std::pair<std::string, std::string>> filters;
    auto fieldOf = [&](const std::string& name) -> const FieldDefinition* {
      if (name == "dbid" || name == "pk") return nullptr;
      const FieldDefinition* f = model_.field(name);
      if (f == nullptr || f->column.empty()) throw RowError(400, "ValidationError", "'" + name + "' is not a field of " + model_.name);
      return f;
    };
    for (const auto& [name, value] : params) {
      if (name == "count" || name == "sum" || name == "avg" || name == "min" || name == "max") {
        const FieldDefinition* f = fieldOf(value);
        const std::string type = f == nullptr ? "bigint" : f->type;
        const bool numeric = type == "integer" || type == "bigint" || type == "decimal" || type == "float";
        const bool ordered = numeric || type == "text" || type == "char" || type == "date" || type == "datetime";
        if ((name == "sum" || name == "avg") && !numeric) throw RowError(400, "ValidationError", name + " needs a number field");
        if ((name == "min" || name == "max") && !ordered) throw RowError(400, "ValidationError", name + " needs an ordered field");
        aggregates.push_back({name, f});
      } else if (name == "group_by") {
        for (const auto& field : splitList(value)) {
          const FieldDefinition* f = fieldOf(field);
          if (f == nullptr || f->type == "json") throw RowError(400, "ValidationError", "group_by needs fields with values to group");
          groupBy.push_back(f);
        }
      } else {
        filters.emplace_back(name, value);
      }
    }
    if (aggregates.empty()) throw RowError(400, "ValidationError", "name an aggregate: count, sum, avg, min or max");
    auto groups = store_.aggregate(parseRowQuery(model_, access_.models, filters), aggregates, groupBy);
    if (groupBy.empty()) return std::move(groups.front());
    json::Value out = json::Value::object();
    json::Value results = json::Value::array();
    for (auto& g : groups) results.push(std::move(g));
    out.set("results", std::move(results));
    return out;
  }
  RowStore& store() { return store_; }

 private:
  std::string keyName() const {
    for (const auto& f : model_.fields)
      if (f.primaryKey) return f.name;
    return "dbid";
  }

  db::Session& session_;
  const instances::Instance& instance_;
  const NamespaceAccess& access_;
  const ModelDefinition& model_;
  RowStore store_;
};

// ?expand=patient,staff: each named link to the clinical record, read from the instance and put
// beside the row under "expanded"; a link whose resource is gone (deleted, or never there) is
// null there and named in "dangling". The namespace key is all it takes: the plugin is trusted
// with the instance.
class Expander {
 public:
  Expander(db::Session& session, const instances::Instance& instance, const ModelDefinition& model,
           const std::vector<std::pair<std::string, std::string>>& params)
      : session_(session), instance_(instance) {
    for (const auto& [name, value] : params) {
      if (name != "expand") continue;
      for (const auto& field : splitList(value)) {
        const FieldDefinition* f = model.field(field);
        if (f == nullptr || clinicalType(f->target) == nullptr || f->type == "many_to_many")
          throw RowError(400, "ValidationError", "expand: '" + field + "' is not a link to Patient, Practitioner or Encounter");
        fields_.push_back(f);
      }
    }
  }
  // Expands every row of a page with one read per linked resource type, not one per link.
  void operator()(std::vector<json::Value>& rows) {
    if (fields_.empty()) return;
    std::map<std::string, std::map<std::string, std::optional<json::Value>>> found;  // type → id → resource
    for (const auto& row : rows)
      for (const FieldDefinition* f : fields_)
        if (const json::Value* id = row.find(f->name); id != nullptr && id->isString())
          found[clinicalType(f->target)][id->text()];
    fhir::ResourceRepository repo(session_, instance_);
    for (auto& [type, byId] : found) {
      std::vector<std::string> ids;
      for (const auto& [id, resource] : byId) ids.push_back(id);
      for (const auto& current : repo.currentOf(type, ids))
        if (!current.deleted) byId[current.id] = json::parse(current.content);
    }
    for (auto& row : rows) {
      json::Value expanded = json::Value::object(), dangling = json::Value::array();
      for (const FieldDefinition* f : fields_) {
        const json::Value* id = row.find(f->name);
        if (id == nullptr || !id->isString()) continue;
        const auto& resource = found[clinicalType(f->target)][id->text()];
        expanded.set(f->name, resource ? *resource : json::Value::null());
        if (!resource) dangling.push(json::Value::string(f->name));
      }
      row.set("expanded", std::move(expanded));
      if (!dangling.items().empty()) row.set("dangling", std::move(dangling));
    }
  }

 private:
  db::Session& session_;
  const instances::Instance& instance_;
  std::vector<const FieldDefinition*> fields_;
};

json::Value listRows(Operations& ops, const NamespaceAccess& access, const ModelDefinition& model, const RowRequest& request,
                     Expander& expand) {
  RowQuery query = parseRowQuery(model, access.models, request.params);
  json::Value out = json::Value::object();
  if (query.countOnly) {
    out.set("count", json::Value::number(ops.store().count(query)));
    return out;
  }
  RowPage page = ops.store().list(query);
  expand(page.rows);
  json::Value rows = json::Value::array();
  for (auto& r : page.rows) rows.push(std::move(r));
  out.set("results", std::move(rows));
  if (page.nextAfter) {
    fhir::Params params;
    for (const auto& p : request.params)
      if (p.first != "after") params.push_back(p);
    params.emplace_back("after", encodeCursor(*page.nextAfter));
    out.set("next", json::Value::string(request.collectionUrl + "?" + fhir::encodeQuery(params)));
  }
  return out;
}

// One operation of an atomic request: {"op": create|update|delete|get_or_create|update_or_create,
// "model": ..., "key": ..., "row": {...}, "lookup": {...}, "defaults": {...}}.
json::Value atomicOperation(db::Session& session, const instances::Instance& instance, const NamespaceAccess& access,
                            const json::Value& op) {
  if (!op.isObject()) throw RowError(400, "ValidationError", "each operation must be an object");
  const ModelDefinition& model = access.model(op.stringAt("model").value_or(""));
  Operations ops(session, *session.ambient(), instance, access, model);
  const std::string kind = op.stringAt("op").value_or("");
  const json::Value* key = op.find("key");
  if (kind == "create") return ops.create(member(op, "row"));
  if (kind == "update" && key != nullptr) return ops.update(keyText(*key), member(op, "row"));
  if (kind == "delete" && key != nullptr) {
    ops.remove(keyText(*key));
    return json::Value::object();
  }
  if (kind == "get_or_create" || kind == "update_or_create") return ops.getOrCreate(op, kind == "update_or_create");
  throw RowError(400, "ValidationError", "an operation is create, update (with key), delete (with key), get_or_create or update_or_create");
}

// A read of one model's rows, with nothing to expand: one statement, no transaction around it.
bool plainRead(const RowRequest& request) {
  if (request.method != "GET" || request.model.empty()) return false;
  for (const auto& p : request.params)
    if (p.first == "expand") return false;
  return true;
}

RowResponse readRows(db::Session& session, const instances::Instance& instance, const RowRequest& request) {
  pqxx::nontransaction tx(session.connection());
  const auto granted = authorizeNamespace(tx, instance, request.ns, request.authorization);
  const ModelDefinition& model = granted->model(request.model);
  Operations ops(session, tx, instance, *granted, model);
  Expander none(session, instance, model, {});
  RowResponse response;
  if (request.key.empty()) {
    response.body = json::write(listRows(ops, *granted, model, request, none));
  } else if (request.key == "_aggregate") {
    response.body = json::write(ops.aggregate(request.params));
  } else if (request.key[0] == '_') {
    throw RowError(405, "MethodNotAllowed", "use POST for " + request.key);
  } else {
    response.body = json::write(ops.get(request.key));
  }
  return response;
}

}  // namespace

RowResponse handleRows(db::Session& session, const instances::Instance& instance, const RowRequest& request) {
  if (plainRead(request)) return readRows(session, instance, request);
  db::Transaction tx(session);
  const auto granted = authorizeNamespace(*session.ambient(), instance, request.ns, request.authorization);
  const NamespaceAccess& access = *granted;
  RowResponse response;
  auto answer = [&](int status, const json::Value& body) {
    tx.commit();
    response.status = status;
    response.body = json::write(body);
    return response;
  };
  if (request.model.empty()) {  // POST .../{namespace}/atomic
    if (request.method != "POST") throw RowError(405, "MethodNotAllowed", "use POST for an atomic request");
    const json::Value body = bodyObject(request.body);
    const json::Value& operations = list(body, "operations");
    json::Value results = json::Value::array();
    for (size_t i = 0; i < operations.items().size(); ++i) {
      try {
        results.push(atomicOperation(session, instance, access, operations.items()[i]));
      } catch (const RowError& e) {
        throw RowError(e.status(), e.kind(), "operation " + std::to_string(i) + ": " + e.what() + " (nothing was written)");
      }
    }
    json::Value out = json::Value::object();
    out.set("results", std::move(results));
    return answer(200, out);
  }
  const ModelDefinition& model = access.model(request.model);
  Operations ops(session, *session.ambient(), instance, access, model);
  Expander expand(session, instance, model, request.params);
  const std::string& m = request.method;
  if (request.key.empty()) {
    if (m == "POST") return answer(201, ops.create(bodyObject(request.body)));
    if (m == "GET") return answer(200, listRows(ops, access, model, request, expand));
    throw RowError(405, "MethodNotAllowed", "use GET or POST on a model's rows");
  }
  if (request.key[0] == '_') {  // actions: FHIR ids and dbids never start with '_'
    const std::string& action = request.key;
    if (action == "_aggregate" && m == "GET") return answer(200, ops.aggregate(request.params));
    if (m != "POST") throw RowError(405, "MethodNotAllowed", "use POST for " + action);
    const json::Value body = bodyObject(request.body);
    if (action == "_get_or_create") return answer(200, ops.getOrCreate(body, false));
    if (action == "_update_or_create") return answer(200, ops.getOrCreate(body, true));
    if (action == "_bulk_create") return answer(201, ops.bulkCreate(body));
    if (action == "_bulk_update") return answer(200, ops.bulkUpdate(body));
    if (action == "_bulk_delete") return answer(200, ops.bulkDelete(body));
    throw RowError(404, "DoesNotExist", "there is no action " + action);
  }
  if (m == "GET") {
    std::vector<json::Value> row{ops.get(request.key)};
    expand(row);
    return answer(200, row.front());
  }
  if (m == "PATCH") return answer(200, ops.update(request.key, bodyObject(request.body)));
  if (m == "DELETE") {
    ops.remove(request.key);
    tx.commit();
    response.status = 204;
    return response;
  }
  throw RowError(405, "MethodNotAllowed", "use GET, PATCH or DELETE on a row");
}

}  // namespace flint::custom_data
