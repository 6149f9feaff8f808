// One connection's TLS state over memory BIOs: the reactor feeds it ciphertext and gets plaintext
// back without ever blocking, so a silent or slow client never holds up other handshakes.
// Not thread-safe: the connection serialises calls.
#pragma once

#include <string>

#include "server/http/tls_context.h"

struct ssl_st;
struct bio_st;

namespace flint::http {

class TlsSession {
 public:
  explicit TlsSession(const TlsContext& context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  enum class Status { Open, Closed, Failed };
  // Takes ciphertext from the peer, appends what it decrypts to `plaintext`. Handshake replies and
  // alerts it produces wait in the output (takeOutput).
  Status receive(const char* data, size_t len, std::string& plaintext);
  // Encrypts application data into the output.
  bool send(const std::string& plaintext);
  // Queues a close_notify alert: nothing more will be sent.
  void closeNotify();
  // Moves the ciphertext waiting to go to the peer into `out` (appending).
  void takeOutput(std::string& out);

 private:
  ssl_st* ssl_;
  bio_st* in_;   // owned by ssl_
  bio_st* out_;  // owned by ssl_
};

}  // namespace flint::http
