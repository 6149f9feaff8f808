#include "server/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace flint::http {
namespace {

std::string lastError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

}  // namespace

TlsContext::TlsContext(const std::string& certificateChainFile, const std::string& privateKeyFile)
    : ctx_(SSL_CTX_new(TLS_server_method())) {
  if (ctx_ == nullptr) throw std::runtime_error("TLS: " + lastError());
  auto fail = [this](const std::string& what) {
    std::string message = what + ": " + lastError();
    SSL_CTX_free(ctx_);
    throw std::runtime_error(message);
  };
  if (SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION) != 1) fail("TLS: cannot require TLS 1.2");
  // Client-initiated renegotiation is a denial-of-service lever and nothing here needs it;
  // compression invites CRIME.
  SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx_, certificateChainFile.c_str()) != 1)
    fail("TLS certificate " + certificateChainFile);
  if (SSL_CTX_use_PrivateKey_file(ctx_, privateKeyFile.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx_) != 1) {
    bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    fail("TLS private key " + privateKeyFile + (mismatch ? " does not match the certificate" : ""));
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace flint::http
