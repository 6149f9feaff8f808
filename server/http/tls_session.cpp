#include "server/http/tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <new>

namespace flint::http {

TlsSession::TlsSession(const TlsContext& context) : ssl_(SSL_new(context.native())) {
  if (ssl_ == nullptr) throw std::bad_alloc();
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (in_ == nullptr || out_ == nullptr) {
    BIO_free(in_);
    BIO_free(out_);
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  // An empty input BIO must read as "try again later", not as the end of the stream.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

TlsSession::Status TlsSession::receive(const char* data, size_t len, std::string& plaintext) {
  if (len > 0 && BIO_write(in_, data, static_cast<int>(len)) != static_cast<int>(len)) return Status::Failed;
  char buffer[16384];
  for (;;) {
    int n = SSL_read(ssl_, buffer, sizeof buffer);
    if (n > 0) {
      plaintext.append(buffer, static_cast<size_t>(n));
      continue;
    }
    int error = SSL_get_error(ssl_, n);
    // OpenSSL's error queue is per thread: leave nothing behind for the next connection's call.
    ERR_clear_error();
    switch (error) {
      case SSL_ERROR_WANT_READ:
        return Status::Open;
      case SSL_ERROR_ZERO_RETURN:
        return Status::Closed;
      default:
        return Status::Failed;
    }
  }
}

bool TlsSession::send(const std::string& plaintext) {
  if (plaintext.empty()) return true;
  size_t written = 0;
  // With a memory BIO a write only fails when the session is broken, never for want of room.
  int ok = SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &written);
  ERR_clear_error();
  return ok == 1 && written == plaintext.size();
}

void TlsSession::closeNotify() {
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

void TlsSession::takeOutput(std::string& out) {
  char* data = nullptr;
  long pending = BIO_get_mem_data(out_, &data);
  if (pending <= 0) return;
  out.append(data, static_cast<size_t>(pending));
  (void)BIO_reset(out_);
}

}  // namespace flint::http
