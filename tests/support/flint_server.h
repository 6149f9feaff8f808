// Test support: runs the real `flint` binary (FLINT_BIN) against the test cluster
// (FLINT_DATABASE_URL), and talks to it over real HTTP.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>
#include <thread>
#include <vector>

namespace flint::testing {

inline const char* kAdminKey = "test-admin-key-0123456789";

std::string flintBinary();
std::string databaseUrl();
// `url` (a keyword connection string) naming database `db` instead.
std::string withDatabase(std::string url, const std::string& db);

// A `flint serve` process on a free loopback port; stopped (SIGTERM) on destruction. Its stderr
// (the log) goes to `logFile` when one is named; `descriptorLimit`, when given, is its hard and
// soft limit of open descriptors.
class FlintServer {
 public:
  explicit FlintServer(const std::vector<std::string>& extraArgs = {}, const std::string& logFile = "",
                       int descriptorLimit = 0);
  ~FlintServer();
  FlintServer(const FlintServer&) = delete;
  FlintServer& operator=(const FlintServer&) = delete;

  int port() const { return port_; }
  int pid() const { return pid_; }
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Whether the process is still running (it must survive every bad request).
  bool alive() const;
  // Stops the server (SIGTERM) and returns its exit status (0 for a clean exit).
  int stop();

 private:
  int pid_ = -1;
  int stdoutFd_ = -1;
  int port_ = 0;
};

// The server shared by all tests of one test binary, started on first use.
FlintServer& sharedServer();

// A keep-alive client with TCP_NODELAY (without it every response stalls ~40 ms).
httplib::Client client(const FlintServer& server = sharedServer());

// Runs `flint ARGS...` to completion; returns the exit code and fills `output` (stdout+stderr).
int runFlint(const std::vector<std::string>& args, std::string* output = nullptr);

// Runs `sql` (no double quotes) with psql on `url`; its unaligned output and any error text.
std::string psql(const std::string& url, const std::string& sql);
// `s` without its trailing newlines and spaces (psql's output as a value).
std::string trimmed(std::string s);

// A transaction on `url` holding `table` locked in `mode` until it is released (at most 20 s).
class HeldLock {
 public:
  HeldLock(const std::string& url, const std::string& table, const std::string& mode);
  ~HeldLock() { release(); }
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  void release();

 private:
  std::string url_;
  std::string tag_;
  std::thread thread_;
};

// Turns instance schema `schema` on `url` back into what instance migration 23 left (index rows
// keyed by resource id, no resource numbers), as an instance created before migration 24 is.
void unmigrateResourceNumbers(const std::string& url, const std::string& schema);

// A fresh instance name, unique across test binaries running at once.
std::string uniqueInstanceName(const std::string& prefix);
// Creates an open-access instance (no authorization: the suites that test FHIR semantics) through
// the admin API and returns its name. Authorization is tested on instances created without it.
std::string createInstance(const std::string& prefix, const FlintServer& server = sharedServer());

// Sends raw bytes on a new connection and returns everything read until the server closes or
// `timeoutMs` passes without data.
std::string rawExchange(int port, const std::string& bytes, int timeoutMs = 2000);

httplib::Headers fhirHeaders(httplib::Headers extra = {});

// Every page of a search or history Bundle, starting at the server-relative `path` and following
// its `next` links (each page must answer 200); at most `maxPages`.
std::vector<nlohmann::json> followPages(httplib::Client& c, const std::string& path, int maxPages = 50,
                                        const std::string& relation = "next");
// The entries of all `pages`, in order.
std::vector<nlohmann::json> entriesOf(const std::vector<nlohmann::json>& pages);
// A Bundle link's URL for `relation`, or empty.
std::string linkOf(const nlohmann::json& bundle, const std::string& relation);
nlohmann::json parseJson(const std::string& body);

}  // namespace flint::testing
