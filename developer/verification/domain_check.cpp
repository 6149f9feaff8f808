#include "developer/verification/domain_check.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <httplib.h>

#include <algorithm>
#include <sstream>

#include "developer/developer_error.h"

namespace flint::developer {
namespace {

constexpr size_t kMaxFileBytes = 64 * 1024;

[[noreturn]] void fail(const std::string& url, const std::string& why) {
  throw DeveloperError(422, "domain_not_verified", url + ": " + why, {{"organization.domain", why}});
}

bool isPublic(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr);
    const auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
    return !(in(0x00000000, 8) || in(0x0A000000, 8) || in(0x7F000000, 8) || in(0xA9FE0000, 16) || in(0xAC100000, 12) ||
             in(0xC0A80000, 16) || in(0x64400000, 10) || in(0xE0000000, 3));
  }
  if (address->sa_family == AF_INET6) {
    const auto* b = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr.s6_addr;
    const bool loopbackOrUnspecified = std::all_of(b, b + 15, [](uint8_t x) { return x == 0; }) && b[15] <= 1;
    const bool mappedV4 = std::all_of(b, b + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
    return !(loopbackOrUnspecified || mappedV4 || (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
             b[0] == 0xff);
  }
  return false;
}

// The first public address of `host`, as text.
std::string publicAddress(const std::string& host, const std::string& url) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), "443", &hints, &found) != 0 || found == nullptr) fail(url, "the host does not resolve");
  std::string address;
  for (const addrinfo* a = found; a != nullptr && address.empty(); a = a->ai_next) {
    if (!isPublic(a->ai_addr)) continue;
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, raw, text, sizeof text) != nullptr) address = text;
  }
  freeaddrinfo(found);
  if (address.empty()) fail(url, "the host has no public address");
  return address;
}

}  // namespace

void checkDomainToken(const std::string& domain, const std::string& token, const DomainCheckSettings& settings) {
  const std::string path = "/.well-known/flint-verification.txt";
  const std::string url = "https://" + domain + path;
  std::string address;
  int port = 443;
  if (auto it = settings.resolve.find(domain); it != settings.resolve.end()) {
    const auto colon = it->second.rfind(':');
    address = it->second.substr(0, colon);
    port = colon == std::string::npos ? 443 : std::stoi(it->second.substr(colon + 1));
  } else {
    address = publicAddress(domain, url);
  }
  httplib::SSLClient client(domain, port);
  client.set_hostname_addr_map({{domain, address}});
  client.enable_server_certificate_verification(true);
  if (!settings.caFile.empty()) client.set_ca_cert_path(settings.caFile);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  client.set_follow_location(false);
  std::string body;
  bool tooLarge = false;
  auto res = client.Get(path, [&](const char* data, size_t length) {
    if (body.size() + length > kMaxFileBytes) {
      tooLarge = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  if (tooLarge) fail(url, "the file is larger than 64 KB");
  if (!res) {
    const auto error = res.error();
    fail(url, error == httplib::Error::SSLServerVerification ? "the server's certificate is not valid for " + domain
              : error == httplib::Error::SSLConnection ? "the TLS connection failed"
                                                        : "the server cannot be reached over https");
  }
  if (res->status != 200) fail(url, "the server answered " + std::to_string(res->status) + ", not 200");
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line == token) return;
  }
  fail(url, "no line of the file is this request's token");
}

}  // namespace flint::developer
