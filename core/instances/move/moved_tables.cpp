#include "core/instances/move/moved_tables.h"

#include <sstream>

#include "core/db/session.h"

namespace flint::instances::move {

std::string schemaArray(db::RawConnection& conn, const std::vector<std::string>& schemas) {
  std::string out = "ARRAY[";
  for (size_t i = 0; i < schemas.size(); ++i) out += (i ? "," : "") + conn.literal(schemas[i]);
  return out + "]::text[]";
}

std::vector<std::string> schemasOf(db::RawConnection& conn, const std::string& schema) {
  std::vector<std::string> out{schema};
  auto r = conn.exec("SELECT schema_name FROM " + db::quoteIdentifier(schema) +
                     ".custom_data_namespaces ORDER BY schema_name");
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.value(i, 0));
  return out;
}

std::vector<MovedTable> tablesOf(db::RawConnection& conn, const std::string& instanceSchema,
                                 const std::vector<std::string>& schemas) {
  auto r = conn.exec(
      "SELECT n.nspname, c.relname,"
      " EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'),"
      " (SELECT string_agg(quote_ident(a.attname), chr(31) ORDER BY a.attnum) FROM pg_attribute a"
      "  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')"
      " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE n.nspname = ANY (" + schemaArray(conn, schemas) + ") AND c.relkind = 'r' ORDER BY 1, 2");
  std::vector<MovedTable> out;
  for (int i = 0; i < r.rows(); ++i) {
    MovedTable t;
    t.schema = r.value(i, 0);
    t.name = r.value(i, 1);
    t.qualified = db::quoteIdentifier(t.schema) + "." + db::quoteIdentifier(t.name);
    t.hasPrimaryKey = r.value(i, 2) == "t";
    std::istringstream columns(r.value(i, 3));
    for (std::string column; std::getline(columns, column, '\x1f');) {
      t.columns += (t.columns.empty() ? "" : ",") + column;
      t.columnList.push_back(column);
    }
    t.derived = t.schema == instanceSchema && !t.hasPrimaryKey && t.name.rfind("search_", 0) == 0;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> sequencesOf(db::RawConnection& conn, const std::vector<std::string>& schemas) {
  auto r = conn.exec("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences"
                     " WHERE schemaname = ANY (" + schemaArray(conn, schemas) + ") ORDER BY 1");
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.value(i, 0));
  return out;
}

}  // namespace flint::instances::move
