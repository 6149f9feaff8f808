// Test support: HTTPS clients, one through cpp-httplib and one on raw OpenSSL that can be held to
// chosen protocol versions.
#pragma once

#include <httplib.h>

#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace flint::testing {

// A keep-alive HTTPS client for 127.0.0.1:port that verifies the server against `caFile`.
httplib::Client httpsClient(int port, const std::string& caFile);

// A TCP connection to 127.0.0.1:port with a 5 s receive timeout; throws when refused.
int connectTcp(int port);

// A TLS connection limited to the protocol versions [minVersion, maxVersion] (TLS1_2_VERSION...).
class TlsClient {
 public:
  TlsClient(int port, int minVersion, int maxVersion);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return handshakeError_ == 0; }
  // OpenSSL's error code when the handshake failed.
  unsigned long handshakeError() const { return handshakeError_; }
  int version() const;
  // Writes `bytes` and reads until the server closes.
  std::string exchange(const std::string& bytes);

 private:
  ssl_ctx_st* ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
  int fd_ = -1;
  unsigned long handshakeError_ = 0;
};

}  // namespace flint::testing
