#include "core/instances/move/schema_ddl.h"

#include <libpq-fe.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace flint::instances::move {
namespace {

// The environment pg_dump connects with: ours without any PG* variable, plus one per setting
// of `url` (PGHOST, PGPORT, PGPASSWORD, ...).
std::vector<std::string> environmentFor(const std::string& url) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "PG", 2) != 0) env.emplace_back(*e);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> options(PQconninfoParse(url.c_str(), &error),
                                                                         PQconninfoFree);
  if (!options) {
    std::string message = error != nullptr ? error : "invalid connection string";
    PQfreemem(error);
    throw std::runtime_error(message);
  }
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o)
    if (o->envvar != nullptr && o->val != nullptr && *o->val != '\0') env.push_back(std::string(o->envvar) + "=" + o->val);
  env.emplace_back("PGAPPNAME=flint-move");
  return env;
}

std::string pgDumpFor(int major) {
  const std::string versioned = "/usr/lib/postgresql/" + std::to_string(major) + "/bin/pg_dump";
  struct stat st {};
  return stat(versioned.c_str(), &st) == 0 ? versioned : "pg_dump";
}

}  // namespace

std::string schemaDdl(const std::string& url, int serverMajorVersion, const std::vector<std::string>& schemas,
                      const std::string& section) {
  std::vector<std::string> args{pgDumpFor(serverMajorVersion), "--section=" + section, "--no-owner",
                                "--no-privileges", "--no-publications", "--no-subscriptions", "--no-tablespaces",
                                "--no-security-labels"};
  // Quoted, so a name is matched as written and never as a pattern.
  for (const auto& schema : schemas) args.push_back("--schema=\"" + schema + "\"");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = environmentFor(url);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("cannot start pg_dump: no pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    throw std::runtime_error("cannot run pg_dump: " + std::string(std::strerror(spawned)));
  }
  std::string dump;
  char buffer[65536];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    dump.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("pg_dump failed (its message is above)");
  // Lines starting with a backslash are psql's meta-commands (\restrict), not SQL.
  std::istringstream lines(dump);
  std::string sql;
  for (std::string line; std::getline(lines, line);)
    if (line.empty() || line[0] != '\\') sql += line + "\n";
  return sql;
}

}  // namespace flint::instances::move
