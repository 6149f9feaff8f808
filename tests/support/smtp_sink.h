// A tiny SMTP server on loopback for tests: it accepts every message (or refuses recipients
// whose address starts with "refuse") and keeps what it was given.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flint::testing {

struct ReceivedMail {
  std::string from;  // the envelope's
  std::vector<std::string> to;
  std::string data;  // headers and body, dot-stuffing undone
};

class SmtpSink {
 public:
  SmtpSink();
  ~SmtpSink();
  int port() const { return port_; }
  std::vector<ReceivedMail> received();

 private:
  void serve(int client);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<ReceivedMail> received_;
  std::thread thread_;
};

}  // namespace flint::testing
