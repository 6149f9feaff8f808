// Test support: a throwaway self-signed certificate (EC P-256) for localhost and 127.0.0.1.
#pragma once

#include <string>

namespace flint::testing {

struct TestCertificate {
  std::string certificateFile;  // PEM
  std::string privateKeyFile;   // PEM
};

// Writes a fresh key and certificate into `directory` (which must exist).
TestCertificate makeTestCertificate(const std::string& directory);

}  // namespace flint::testing
