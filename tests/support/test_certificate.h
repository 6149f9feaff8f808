// Test support: a throwaway self-signed certificate (EC P-256), by default for localhost and
// 127.0.0.1; it is its own CA, so a client may trust exactly it.
#pragma once

#include <string>

namespace flint::testing {

struct TestCertificate {
  std::string certificateFile;  // PEM
  std::string privateKeyFile;   // PEM
};

// Writes a fresh key and certificate into `directory` (which must exist).
// `names`: its subjectAltName, e.g. "DNS:acme.example".
TestCertificate makeTestCertificate(const std::string& directory, const std::string& names = "DNS:localhost,IP:127.0.0.1");

}  // namespace flint::testing
