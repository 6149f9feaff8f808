// The domain check never fetches from a host the developer points at the server's own network:
// names that resolve only to loopback or private addresses are refused before any connection.
#include <gtest/gtest.h>

#include "developer/developer_error.h"
#include "developer/verification/domain_check.h"

using namespace flint::developer;

namespace {

std::string refusal(const std::string& domain) {
  try {
    checkDomainToken(domain, "flint-verification=x", {});
  } catch (const DeveloperError& e) {
    EXPECT_EQ(e.status(), 422);
    return e.what();
  }
  return "fetched";
}

}  // namespace

TEST(DomainCheck, RefusesHostsWithoutAPublicAddress) {
  for (const char* host : {"localhost", "127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fd00::1"})
    EXPECT_NE(refusal(host).find("the host has no public address"), std::string::npos) << host << ": " << refusal(host);
  EXPECT_NE(refusal("no-such-host.invalid").find("does not resolve"), std::string::npos);
}
