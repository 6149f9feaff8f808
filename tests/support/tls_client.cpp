#include "tests/support/tls_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace flint::testing {

httplib::Client httpsClient(int port, const std::string& caFile) {
  httplib::Client c("https://127.0.0.1:" + std::to_string(port));
  c.set_ca_cert_path(caFile.c_str());
  c.enable_server_certificate_verification(true);
  c.set_keep_alive(true);
  c.set_read_timeout(10, 0);
  c.set_connection_timeout(5, 0);
  return c;
}

int connectTcp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("connect failed");
  }
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

TlsClient::TlsClient(int port, int minVersion, int maxVersion) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  // OpenSSL 3 would refuse TLS 1.1 on our side already: allow it, so that a refusal comes from the server.
  SSL_CTX_set_security_level(ctx_, 0);
  SSL_CTX_set_min_proto_version(ctx_, minVersion);
  SSL_CTX_set_max_proto_version(ctx_, maxVersion);
  fd_ = connectTcp(port);
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  ERR_clear_error();
  if (SSL_connect(ssl_) != 1) handshakeError_ = ERR_peek_last_error();
  ERR_clear_error();
}

TlsClient::~TlsClient() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
  close(fd_);
}

int TlsClient::version() const { return SSL_version(ssl_); }

std::string TlsClient::exchange(const std::string& bytes) {
  if (SSL_write(ssl_, bytes.data(), int(bytes.size())) != int(bytes.size())) return "";
  std::string out;
  char buffer[16384];
  for (;;) {
    int n = SSL_read(ssl_, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, size_t(n));
  }
  return out;
}

}  // namespace flint::testing
