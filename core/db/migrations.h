// Versioned schema migrations: the control schema `flint` (instances, bookkeeping) and the
// per-instance schemas that hold each customer's data. Safe when several servers start at once.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace flint::db {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // for instance migrations, runs with search_path set to the instance schema
};

const std::vector<Migration>& controlMigrations();
const std::vector<Migration>& instanceMigrations();

// Brings the control schema and every instance schema (on whichever cluster) up to date, under
// an advisory lock.
void migrateAll(pqxx::connection& conn);

// Creates `schema` if needed and applies the instance migrations newer than the version it
// records (`knownVersion` when it records none yet), inside `tx` on the database holding it;
// returns the version it is at.
int migrateInstanceSchema(pqxx::work& tx, const std::string& schema, int knownVersion);

}  // namespace flint::db
