// Automatic proof of domain control: the token a request was given, published by the requester at
// https://<domain>/.well-known/flint-verification.txt, fetched over verified TLS. Only public
// addresses are fetched (the developer names the host), the address is pinned once resolved, no
// redirect is followed, and the answer is bounded in time and size.
#pragma once

#include <map>
#include <string>
#include <utility>

namespace flint::developer {

struct DomainCheckSettings {
  std::string caFile;  // PEM bundle to verify servers with; empty: the system's trust store
  // domain → "address:port" to connect to instead of resolving it (tests serve on loopback).
  std::map<std::string, std::string> resolve;
};

// Throws DeveloperError 422 saying what failed: the host does not resolve or is not public, the
// connection or its certificate failed, the status was not 200, or no line of the file is `token`.
void checkDomainToken(const std::string& domain, const std::string& token, const DomainCheckSettings& settings);

}  // namespace flint::developer
