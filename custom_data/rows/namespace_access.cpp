#include "custom_data/rows/namespace_access.h"

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/db/session.h"
#include "core/json/json_parser.h"
#include "custom_data/manifest/plugin_manifest.h"
#include "custom_data/rows/field_values.h"

namespace flint::custom_data {

void NamespaceAccess::requireWrite() const {
  if (level != "read_write")
    throw RowError(403, "NamespaceWriteDenied",
                   "Write operation denied: namespace '" + ns +
                       "' is read-only. Plugin must declare 'read_write' access to perform write operations.");
}

const ModelDefinition& NamespaceAccess::model(const std::string& name) const {
  if (const ModelDefinition* m = models.model(name)) return *m;
  throw RowError(404, "DoesNotExist", "namespace '" + ns + "' declares no model '" + name + "'");
}

NamespaceAccess authorizeNamespace(pqxx::transaction_base& tx, const instances::Instance& instance, const std::string& ns,
                                   std::string_view authorization) {
  const std::string_view scheme = "Namespace ";
  if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme)
    throw RowError(401, "NamespaceAccessError", "a namespace key is required: Authorization: Namespace <key>");
  const std::string hash = crypto::hexEncode(crypto::sha256(authorization.substr(scheme.size())));
  if (!isValidNamespace(ns)) throw RowError(401, "NamespaceAccessError", "the key does not open namespace '" + ns + "'");
  auto found = tx.exec_params("SELECT schema_name FROM " + db::quoteIdentifier(instance.schema) +
                                  ".custom_data_namespaces WHERE name = $1",
                              ns);
  NamespaceAccess access;
  access.ns = ns;
  if (!found.empty()) {
    access.schema = found[0][0].as<std::string>();
    for (const auto& r : tx.exec("SELECT key_hash, access_level FROM " + db::quoteIdentifier(access.schema) + ".namespace_auth"))
      if (crypto::constantTimeEquals(r[0].as<std::string>(), hash)) access.level = r[1].as<std::string>();
  }
  if (access.level.empty()) throw RowError(401, "NamespaceAccessError", "the key does not open namespace '" + ns + "'");
  json::Value declared = json::Value::object();
  json::Value list = json::Value::array();
  for (const auto& r : tx.exec("SELECT definition::text FROM " + db::quoteIdentifier(access.schema) + ".custom_models ORDER BY name"))
    list.push(json::parse(r[0].as<std::string>()));
  declared.set("models", std::move(list));
  access.models = parseModels(declared, "");
  return access;
}

}  // namespace flint::custom_data
