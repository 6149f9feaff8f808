#include "tests/support/flint_server.h"
#include "tests/support/tls_client.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace flint::testing {

std::string flintBinary() {
  const char* bin = std::getenv("FLINT_BIN");
  if (bin == nullptr) throw std::runtime_error("FLINT_BIN is not set (run the tests through scripts/test)");
  return bin;
}

std::string databaseUrl() {
  const char* url = std::getenv("FLINT_DATABASE_URL");
  if (url == nullptr) throw std::runtime_error("FLINT_DATABASE_URL is not set (run the tests through scripts/test)");
  return url;
}

std::string withDatabase(std::string url, const std::string& db) {
  size_t at = url.find("dbname=");
  size_t end = url.find(' ', at);
  return url.replace(at, end == std::string::npos ? std::string::npos : end - at, "dbname=" + db);
}

FlintServer::FlintServer(const std::vector<std::string>& extraArgs, const std::string& logFile, int descriptorLimit) {
  std::vector<std::string> args = {flintBinary(), "serve", "--listen", "127.0.0.1:0", "--admin-key", kAdminKey};
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    if (!logFile.empty()) {
      int log = open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log < 0) _exit(126);
      dup2(log, STDERR_FILENO);
      close(log);
    }
    close(out[0]);
    close(out[1]);
    if (descriptorLimit > 0) {
      const rlimit limit{rlim_t(descriptorLimit), rlim_t(descriptorLimit)};
      if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(125);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  stdoutFd_ = out[0];
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const std::string marker = "flint serving on 127.0.0.1:";
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{stdoutFd_, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    char buf[512];
    ssize_t n = read(stdoutFd_, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, size_t(n));
    size_t at = seen.find(marker);
    if (at != std::string::npos && seen.find(' ', at + marker.size()) != std::string::npos) {
      port_ = std::stoi(seen.substr(at + marker.size()));
      return;
    }
  }
  throw std::runtime_error("flint serve did not start: " + seen);
}

FlintServer::~FlintServer() {
  stop();
  if (stdoutFd_ >= 0) close(stdoutFd_);
}

int FlintServer::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool FlintServer::alive() const {
  int status = 0;
  return waitpid(pid_, &status, WNOHANG) == 0;
}

FlintServer& sharedServer() {
  static FlintServer server;
  return server;
}

httplib::Client client(const FlintServer& server) {
  httplib::Client c("127.0.0.1", server.port());
  c.set_tcp_nodelay(true);
  c.set_keep_alive(true);
  c.set_read_timeout(60, 0);
  return c;
}

int runFlint(const std::vector<std::string>& args, std::string* output) {
  std::string command = flintBinary();
  for (const auto& a : args) {
    command += " '";
    for (char c : a) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += "'";
  }
  command += " 2>&1";
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = pclose(p);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string uniqueInstanceName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(salt) + "-" + std::to_string(counter++);
}

std::string psql(const std::string& url, const std::string& sql) {
  std::string out;
  FILE* p = popen(("psql '" + url + "' -qtAX -c \"" + sql + "\" 2>&1").c_str(), "r");
  if (p == nullptr) throw std::runtime_error("could not run psql");
  char buf[1024];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

HeldLock::HeldLock(const std::string& url, const std::string& table, const std::string& mode) : url_(url) {
  static std::atomic<int> serial{0};
  tag_ = "held lock " + std::to_string(getpid()) + "-" + std::to_string(++serial);
  thread_ = std::thread([this, table, mode] {
    try {
      psql(url_, "BEGIN; LOCK TABLE " + table + " IN " + mode + " MODE; SELECT pg_sleep(20), '" + tag_ + "'; COMMIT");
    } catch (const std::exception&) {
      // Cancelled: released.
    }
  });
  auto active = [&] {
    std::string out = psql(url_, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%" + tag_ +
                                     "''; COMMIT' AND state = 'active'");
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out == "1";
  };
  for (int i = 0; i < 2000 && !active(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

void HeldLock::release() {
  if (!thread_.joinable()) return;
  psql(url_, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%" + tag_ +
                 "''; COMMIT' AND pid <> pg_backend_pid()");
  thread_.join();
}

void unmigrateResourceNumbers(const std::string& url, const std::string& schema) {
  std::string sql = "BEGIN; ALTER TABLE " + schema + ".resources DROP CONSTRAINT resources_pkey;"
                    " ALTER TABLE " + schema + ".resources ADD PRIMARY KEY (resource_type, id)"
                    " INCLUDE (last_updated, deleted, content_bytes);";
  for (const char* table : {"search_token", "search_string", "search_reference", "search_date", "search_number",
                            "search_composite"}) {
    const std::string t = schema + "." + table;
    sql += " CREATE TABLE " + t + "_old AS SELECT r.id, x.* FROM " + t + " x JOIN " + schema +
           ".resources r ON r.rid = x.rid; DROP TABLE " + t + "; ALTER TABLE " + t + "_old RENAME TO " + table +
           "; ALTER TABLE " + t + " DROP COLUMN rid;";
  }
  // Systems are not recoverable from their keys (migration 27); the tests that set an instance
  // back search by code alone.
  for (const auto& [table, column] : {std::pair{"search_token", "system"}, {"search_composite", "key_system"},
                                      {"search_composite", "system"}, {"search_number", "system"}}) {
    const std::string t = schema + "." + table, c = column;
    sql += " ALTER TABLE " + t + " ALTER COLUMN " + c + "_key TYPE text USING NULL; ALTER TABLE " + t +
           " RENAME COLUMN " + c + "_key TO " + c + ";";
  }
  // Target ids back as text (migration 28): UUIDs from their 16 bytes, others as they were.
  sql += " ALTER TABLE " + schema + ".search_reference ALTER COLUMN target_id TYPE text USING CASE"
         " WHEN length(target_id) = 16 THEN encode(target_id, 'hex')::uuid::text"
         " WHEN get_byte(target_id, length(target_id) - 1) = 0 THEN convert_from(substring(target_id FROM 1 FOR 16), 'UTF8')"
         " ELSE convert_from(target_id, 'UTF8') END;";
  sql += " ALTER TABLE " + schema + ".resources DROP COLUMN rid; DROP SEQUENCE " + schema + ".resource_rid;"
         " UPDATE " + schema + ".schema_version SET version = 23; COMMIT;";
  const std::string out = psql(url, sql);
  if (out.find("ERROR") != std::string::npos) throw std::runtime_error("could not unmigrate " + schema + ": " + out);
}

std::string createInstance(const std::string& prefix, const FlintServer& server) {
  std::string name = uniqueInstanceName(prefix);
  auto c = client(server);
  nlohmann::json body = {{"name", name}, {"organization", {{"name", "Test Practice " + name}}}, {"patientPortal", true},
                         {"openAccess", true}};
  auto res = c.Post("/admin/instances", {{"Authorization", std::string("Bearer ") + kAdminKey}}, body.dump(),
                    "application/json");
  if (!res || res->status != 201)
    throw std::runtime_error("could not create instance " + name + ": " + (res ? res->body : "no response"));
  return name;
}

std::string rawExchange(int port, const std::string& bytes, int timeoutMs) {
  int fd = connectTcp(port);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += size_t(n);
  }
  std::string out;
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, timeoutMs) <= 0) break;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  close(fd);
  return out;
}

httplib::Headers fhirHeaders(httplib::Headers extra) {
  extra.emplace("Accept", "application/fhir+json");
  return extra;
}

nlohmann::json parseJson(const std::string& body) { return nlohmann::json::parse(body); }

std::string linkOf(const nlohmann::json& bundle, const std::string& relation) {
  for (const auto& l : bundle.value("link", nlohmann::json::array()))
    if (l["relation"] == relation) return l["url"];
  return "";
}

std::vector<nlohmann::json> followPages(httplib::Client& c, const std::string& path, int maxPages,
                                        const std::string& relation) {
  std::vector<nlohmann::json> pages;
  std::string url = path;
  while (!url.empty() && static_cast<int>(pages.size()) < maxPages) {
    auto res = c.Get(url);
    if (!res || res->status != 200) throw std::runtime_error("page " + url + " failed: " + (res ? res->body : "no response"));
    pages.push_back(parseJson(res->body));
    std::string next = linkOf(pages.back(), relation);
    // Links are absolute; the client talks to the server it already has.
    url = next.empty() ? "" : next.substr(next.find('/', next.find("//") + 2));
  }
  return pages;
}

std::vector<nlohmann::json> entriesOf(const std::vector<nlohmann::json>& pages) {
  std::vector<nlohmann::json> out;
  for (const auto& page : pages)
    for (const auto& e : page.value("entry", nlohmann::json::array())) out.push_back(e);
  return out;
}

}  // namespace flint::testing
