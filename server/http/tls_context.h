// The server's TLS configuration: certificate chain and key loaded once, TLS 1.2 as the minimum.
#pragma once

#include <string>

struct ssl_ctx_st;

namespace flint::http {

class TlsContext {
 public:
  // Throws std::runtime_error naming the file when the chain or key cannot be loaded or do not match.
  TlsContext(const std::string& certificateChainFile, const std::string& privateKeyFile);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }

 private:
  ssl_ctx_st* ctx_;
};

}  // namespace flint::http
