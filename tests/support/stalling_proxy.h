// Test support: a PostgreSQL socket in front of the test cluster's that can stop answering. Held,
// it passes nothing on in either direction and takes new connections without answering them, as
// a stopped (SIGSTOP) or unreachable server does; cut, it closes every connection, as a restart.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flint::testing {

class StallingProxy {
 public:
  // `targetUrl`: a keyword connection string whose host is a socket directory.
  explicit StallingProxy(const std::string& targetUrl);
  ~StallingProxy();
  StallingProxy(const StallingProxy&) = delete;
  StallingProxy& operator=(const StallingProxy&) = delete;

  // `targetUrl` through this proxy.
  std::string url() const { return url_; }
  void hold();
  void release();
  void cut();

 private:
  struct Pair {
    int client;
    int server;  // -1 until connected (held: not before release)
  };
  void run();
  void wake();
  // Connects accepted clients to the server; false for one that cannot be.
  bool connectUpstream(Pair& pair) const;

  std::string url_;
  std::string directory_;
  std::string targetSocket_;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::mutex mutex_;
  bool held_ = false;
  bool cutting_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<Pair> pairs_;
  std::thread thread_;
};

}  // namespace flint::testing
