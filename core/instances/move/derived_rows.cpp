#include "core/instances/move/derived_rows.h"

#include "core/db/session.h"

namespace flint::instances::move {
namespace {

constexpr int kBatch = 1000;

// Ends a failed transaction; the failure being reported is the first one, not this.
void abandon(db::RawConnection& conn) {
  try {
    conn.exec("ROLLBACK");
  } catch (const std::exception&) {
  }
}

}  // namespace

void noteChangedResources(db::RawConnection& target, const std::string& name, const std::string& schema) {
  const std::string helper = db::quoteIdentifier(name);
  const std::string resources = db::quoteIdentifier(schema) + ".resources";
  target.exec("CREATE SCHEMA IF NOT EXISTS " + helper + ";"
              "CREATE TABLE IF NOT EXISTS " + helper + ".changed (seq bigserial PRIMARY KEY, rid bigint NOT NULL);"
              "CREATE TABLE IF NOT EXISTS " + helper + ".changed_ids (rid bigint PRIMARY KEY);"
              "CREATE OR REPLACE FUNCTION " + helper + ".note_change() RETURNS trigger LANGUAGE plpgsql AS $$\n"
              "BEGIN\n"
              "  INSERT INTO " + helper + ".changed (rid) VALUES (CASE TG_OP WHEN 'DELETE' THEN OLD.rid ELSE NEW.rid END);\n"
              "  INSERT INTO " + helper + ".changed_ids (rid) VALUES (CASE TG_OP WHEN 'DELETE' THEN OLD.rid ELSE NEW.rid END)\n"
              "    ON CONFLICT DO NOTHING;\n"
              "  RETURN NULL;\n"
              "END $$;"
              "DROP TRIGGER IF EXISTS flint_move_changes ON " + resources + ";"
              "CREATE TRIGGER flint_move_changes AFTER INSERT OR UPDATE OR DELETE ON " + resources +
              " FOR EACH ROW EXECUTE FUNCTION " + helper + ".note_change();"
              // Only the subscription's apply worker (replica role) changes these rows on the target.
              "ALTER TABLE " + resources + " ENABLE REPLICA TRIGGER flint_move_changes");
}

long long syncDerivedRows(db::RawConnection& source, db::RawConnection& target, const std::string& name,
                          const std::vector<MovedTable>& tables) {
  const std::string changed = db::quoteIdentifier(name) + ".changed";
  long long synced = 0;
  for (;;) {
    auto batch = target.exec("SELECT seq, rid FROM " + changed + " ORDER BY seq LIMIT " + std::to_string(kBatch));
    if (batch.rows() == 0) return synced;
    std::string rids = "(";
    for (int i = 0; i < batch.rows(); ++i) rids += std::string(i ? "," : "") + std::to_string(std::stoll(batch.value(i, 1)));
    rids += ")";
    const std::string last = batch.value(batch.rows() - 1, 0);
    source.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    target.exec("BEGIN");
    try {
      for (const auto& t : tables) {
        if (!t.derived) continue;
        target.exec("DELETE FROM " + t.qualified + " WHERE rid IN " + rids);
        db::streamCopy(source,
                       "COPY (SELECT " + t.columns + " FROM " + t.qualified + " WHERE rid IN " + rids +
                           ") TO STDOUT (FORMAT binary)",
                       target, "COPY " + t.qualified + " (" + t.columns + ") FROM STDIN (FORMAT binary)");
      }
      target.exec("DELETE FROM " + changed + " WHERE seq <= " + last);
      target.exec("COMMIT");
      source.exec("COMMIT");
    } catch (...) {
      abandon(target);
      abandon(source);
      throw;
    }
    synced += batch.rows();
  }
}

}  // namespace flint::instances::move
