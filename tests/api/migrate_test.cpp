// Migrations: several processes migrating one fresh database at once all succeed, once.
#include <gtest/gtest.h>

#include <future>
#include <unistd.h>

#include "tests/support/flint_server.h"

using namespace flint::testing;

TEST(Migrations, ConcurrentMigratorsOfAFreshDatabaseAllSucceed) {
  const std::string db = "flint_migrate_" + std::to_string(getpid());
  psql(databaseUrl(), "DROP DATABASE IF EXISTS " + db);
  psql(databaseUrl(), "CREATE DATABASE " + db);
  const std::string url = withDatabase(databaseUrl(), db);
  std::vector<std::future<int>> runs;
  for (int i = 0; i < 4; ++i)
    runs.push_back(std::async(std::launch::async, [&] { return runFlint({"migrate", "--database-url", url}); }));
  for (auto& r : runs) EXPECT_EQ(r.get(), 0);
  // Each migration applied exactly once, however many processes raced.
  EXPECT_EQ(psql(url, "SELECT count(*) > 0 AND count(*) = count(DISTINCT version) FROM flint.schema_migrations"),
            "t\n");
  std::string out;
  EXPECT_EQ(runFlint({"instance", "create", "fresh", "--org-name", "F", "--database-url", url}, &out), 0) << out;
  // As far as instances created in the main test database by an up-to-date server.
  createInstance("migrated");
  EXPECT_EQ(psql(url, "SELECT schema_version FROM flint.instances WHERE name = 'fresh'"),
            psql(databaseUrl(), "SELECT max(schema_version) FROM flint.instances"));
  EXPECT_EQ(runFlint({"migrate", "--database-url", url}), 0);
  psql(databaseUrl(), "DROP DATABASE " + db);
}

TEST(Migrations, AnUnreachableDatabaseIsAClearError) {
  std::string out;
  EXPECT_EQ(runFlint({"migrate", "--database-url", "host=/nonexistent port=1 user=x dbname=y"}, &out), 1);
  EXPECT_NE(out.find("cannot reach the database"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"serve", "--listen", "no-port"}, &out), 2);
  EXPECT_EQ(runFlint({"serve", "--workers", "zero"}, &out), 2);
  EXPECT_NE(out.find("--workers"), std::string::npos);
  EXPECT_EQ(runFlint({"serve", "--bogus"}, &out), 2);
}
