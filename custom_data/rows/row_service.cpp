#include "custom_data/rows/row_service.h"

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

// A row's key from the URL must be of the key's type: a dbid, or the one-to-one's target id.
void checkKey(const ModelDefinition& model, const std::string& key) {
  for (const auto& f : model.fields)
    if (f.primaryKey) {
      parameterText(f, f.target == TargetKind::Model ? json::Value::number(key) : json::Value::string(key));
      return;
    }
  if (key.empty() || key.size() > 18 || key.find_first_not_of("0123456789") != std::string::npos)
    throw RowError(404, "DoesNotExist", model.name + " " + key + " does not exist");
}

}  // namespace

RowResponse handleRows(db::Session& session, const instances::Instance& instance, const RowRequest& request) {
  db::Transaction tx(session);
  pqxx::work& work = *session.ambient();
  const NamespaceAccess access = authorizeNamespace(work, instance, request.ns, request.authorization);
  const ModelDefinition& model = access.model(request.model);
  RowStore store(work, access.schema, model);
  RowResponse response;
  const bool write = request.method != "GET";
  if (write) access.requireWrite();
  if (request.key.empty()) {
    if (request.method == "POST") {
      json::Value row = store.insert(assignments(session, instance, model, bodyObject(request.body), true));
      tx.commit();
      response.status = 201;
      response.body = json::write(row);
      return response;
    }
    if (request.method != "GET") throw RowError(405, "MethodNotAllowed", "use GET or POST on a model's rows");
    RowQuery query = parseRowQuery(model, request.params);
    json::Value out = json::Value::object();
    if (query.countOnly) {
      out.set("count", json::Value::number(store.count(query)));
    } else {
      RowPage page = store.list(query);
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
    }
    response.body = json::write(out);
    return response;
  }
  checkKey(model, request.key);
  if (request.method == "GET") {
    auto row = store.get(request.key);
    if (!row) throw RowError(404, "DoesNotExist", model.name + " " + request.key + " does not exist");
    response.body = json::write(*row);
    return response;
  }
  if (request.method == "PATCH") {
    auto row = store.update(request.key, assignments(session, instance, model, bodyObject(request.body), false));
    if (!row) throw RowError(404, "DoesNotExist", model.name + " " + request.key + " does not exist");
    tx.commit();
    response.body = json::write(*row);
    return response;
  }
  if (request.method == "DELETE") {
    if (!store.remove(request.key)) throw RowError(404, "DoesNotExist", model.name + " " + request.key + " does not exist");
    tx.commit();
    response.status = 204;
    return response;
  }
  throw RowError(405, "MethodNotAllowed", "use GET, PATCH or DELETE on a row");
}

}  // namespace flint::custom_data
