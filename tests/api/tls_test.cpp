// HTTPS: `flint serve --tls-cert --tls-key` serves the same API over TLS 1.2+, refuses older
// protocols, and never lets a silent client hold up other handshakes.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "tests/support/flint_server.h"
#include "tests/support/test_certificate.h"
#include "tests/support/tls_client.h"

namespace flint::testing {
namespace {

struct ScratchDirectory {
  std::string path;
  ScratchDirectory() {
    char pattern[] = "/tmp/flint-tls-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~ScratchDirectory() { std::filesystem::remove_all(path); }
};

std::string scratchDirectory() {
  static ScratchDirectory dir;
  return dir.path;
}

const TestCertificate& certificate() {
  static TestCertificate cert = makeTestCertificate(scratchDirectory());
  return cert;
}

FlintServer& tlsServer() {
  static FlintServer server({"--tls-cert", certificate().certificateFile, "--tls-key", certificate().privateKeyFile});
  return server;
}

httplib::Client serverClient() { return httpsClient(tlsServer().port(), certificate().certificateFile); }

size_t countOf(const std::string& haystack, const std::string& needle) {
  size_t count = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++count;
  return count;
}

TEST(Tls, ServesTheFhirApiOverHttpsWithHttpsLinks) {
  std::string name = uniqueInstanceName("tls");
  ASSERT_EQ(runFlint({"instance", "create", name, "--org-name", "TLS Practice", "--open-access"}), 0);
  auto c = serverClient();
  auto health = c.Get("/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);

  auto created = c.Post("/" + name + "/fhir/Patient", fhirHeaders(),
                        R"({"resourceType":"Patient","name":[{"family":"Secure"}]})", "application/fhir+json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  std::string location = created->get_header_value("Location");
  std::string expectedBase = "https://127.0.0.1:" + std::to_string(tlsServer().port()) + "/" + name + "/fhir/Patient/";
  ASSERT_EQ(location.rfind(expectedBase, 0), 0u) << location;

  // The same keep-alive connection carries the next request.
  auto read = c.Get(location.substr(location.find("/" + name)), fhirHeaders());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_EQ(parseJson(read->body)["name"][0]["family"], "Secure");
}

TEST(Tls, RefusesTls11WithAProtocolVersionAlert) {
  TlsClient old(tlsServer().port(), TLS1_1_VERSION, TLS1_1_VERSION);
  ASSERT_FALSE(old.connected());
  EXPECT_EQ(ERR_GET_REASON(old.handshakeError()), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
      << ERR_reason_error_string(old.handshakeError());

  TlsClient tls10(tlsServer().port(), TLS1_VERSION, TLS1_VERSION);
  EXPECT_FALSE(tls10.connected());
}

TEST(Tls, AcceptsTls12AndTls13) {
  TlsClient tls12(tlsServer().port(), TLS1_2_VERSION, TLS1_2_VERSION);
  ASSERT_TRUE(tls12.connected()) << ERR_reason_error_string(tls12.handshakeError());
  EXPECT_EQ(tls12.version(), TLS1_2_VERSION);
  EXPECT_NE(tls12.exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("HTTP/1.1 200"),
            std::string::npos);

  TlsClient tls13(tlsServer().port(), TLS1_3_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(tls13.connected()) << ERR_reason_error_string(tls13.handshakeError());
  EXPECT_EQ(tls13.version(), TLS1_3_VERSION);
}

TEST(Tls, AnswersPipelinedRequestsInOrder) {
  TlsClient client(tlsServer().port(), TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_TRUE(client.connected());
  std::string requests;
  for (int i = 0; i < 5; ++i) requests += "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  requests += "GET /no-such-route HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string responses = client.exchange(requests);
  EXPECT_EQ(countOf(responses, "HTTP/1.1 200"), 5u) << responses;
  EXPECT_EQ(countOf(responses, "HTTP/1.1 404"), 1u);
  EXPECT_GT(responses.find("HTTP/1.1 404"), responses.rfind("HTTP/1.1 200"));
}

TEST(Tls, CarriesLargeBodiesBothWays) {
  std::string name = uniqueInstanceName("tls-large");
  ASSERT_EQ(runFlint({"instance", "create", name, "--org-name", "TLS Practice", "--open-access"}), 0);
  std::string data;
  for (int i = 0; i < 1'000'000; ++i) data += "QUJD";  // 4 MB of base64
  auto c = serverClient();
  auto created = c.Post("/" + name + "/fhir/Binary", fhirHeaders(),
                        R"({"resourceType":"Binary","contentType":"text/plain","data":")" + data + "\"}",
                        "application/fhir+json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body.substr(0, 500);
  std::string location = created->get_header_value("Location");
  auto read = c.Get(location.substr(location.find("/" + name)), fhirHeaders());
  ASSERT_TRUE(read);
  ASSERT_EQ(read->status, 200);
  EXPECT_EQ(parseJson(read->body)["data"], data);
}

// The lingering close over TLS: the server sends close_notify after its 413 and drains the rest of
// the body, so a client that writes it all before reading gets the answer every time.
TEST(Tls, AnOversizedBodyWrittenWholeStillGetsIts413) {
  const std::string body(20 * 1024 * 1024, 'x');
  const std::string request = "POST /anything/fhir/Patient HTTP/1.1\r\nHost: t\r\nContent-Type: application/fhir+json\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int attempt = 0; attempt < 50; ++attempt) {
    TlsClient client(tlsServer().port(), TLS1_2_VERSION, TLS1_3_VERSION);
    ASSERT_TRUE(client.connected());
    const std::string out = client.exchange(request);
    ASSERT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << "attempt " << attempt << ": " << out.substr(0, 200);
    EXPECT_NE(out.find("\"resourceType\":\"OperationOutcome\""), std::string::npos);
  }
  EXPECT_TRUE(tlsServer().alive());
}

TEST(Tls, PlainHttpOnTheTlsPortIsDroppedAndTheServerLivesOn) {
  std::string answer = rawExchange(tlsServer().port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_TRUE(tlsServer().alive());
  auto c = serverClient();
  auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(Tls, SilentClientsDoNotHoldUpOtherHandshakes) {
  // Connections that never finish (or never start) a handshake: with handshakes done on an
  // accept thread, each would stall every new client for its timeout.
  std::vector<int> silent;
  for (int i = 0; i < 10; ++i) silent.push_back(connectTcp(tlsServer().port()));
  for (int i = 0; i < 5; ++i) {
    int fd = connectTcp(tlsServer().port());
    const char partialClientHello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
    ASSERT_EQ(send(fd, partialClientHello, sizeof partialClientHello, MSG_NOSIGNAL), ssize_t(sizeof partialClientHello));
    silent.push_back(fd);
  }
  auto c = serverClient();
  c.set_read_timeout(3, 0);
  c.set_connection_timeout(3, 0);
  auto health = c.Get("/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  for (int fd : silent) close(fd);
}

// A handshake counts as idle time: connections that never finish one (or never start one) are
// closed at the idle deadline (here 1 s), as a plain connection that never sends a request is.
TEST(Tls, StalledHandshakesAreClosedAtTheIdleDeadline) {
  FlintServer server({"--tls-cert", certificate().certificateFile, "--tls-key", certificate().privateKeyFile,
                      "--idle-timeout-seconds", "1"});
  const char partialClientHello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
  for (const bool started : {false, true}) {
    const int fd = connectTcp(server.port());
    const auto opened = std::chrono::steady_clock::now();
    if (started) send(fd, partialClientHello, sizeof partialClientHello, MSG_NOSIGNAL);
    char buf[256];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
    }
    const auto after = std::chrono::steady_clock::now() - opened;
    close(fd);
    EXPECT_EQ(n, 0) << (started ? "a started handshake" : "no handshake") << ": not closed within 5 s";
    EXPECT_GT(after, std::chrono::milliseconds(900));
    EXPECT_LT(after, std::chrono::milliseconds(2600));
  }
  EXPECT_TRUE(server.alive());
}

TEST(Tls, RefusesToStartWithoutAMatchingKey) {
  std::string output;
  EXPECT_EQ(runFlint({"serve", "--listen", "127.0.0.1:0", "--tls-cert", certificate().certificateFile}, &output), 2);
  EXPECT_NE(output.find("--tls-cert and --tls-key go together"), std::string::npos) << output;

  std::string otherDir = scratchDirectory() + "/other";
  std::filesystem::create_directories(otherDir);
  TestCertificate other = makeTestCertificate(otherDir);
  EXPECT_EQ(runFlint({"serve", "--listen", "127.0.0.1:0", "--tls-cert", certificate().certificateFile, "--tls-key",
                      other.privateKeyFile},
                     &output),
            1);
  EXPECT_NE(output.find("does not match the certificate"), std::string::npos) << output;

  EXPECT_EQ(runFlint({"serve", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem", "--tls-key",
                      certificate().privateKeyFile},
                     &output),
            1);
  EXPECT_NE(output.find("/nonexistent.pem"), std::string::npos) << output;
}

}  // namespace
}  // namespace flint::testing
