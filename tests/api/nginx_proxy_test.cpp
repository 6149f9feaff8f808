// deploy/nginx/flint.conf, run as it is (only ports and certificate paths swapped for the test's)
// in front of a real Flint: HTTPS, links naming the proxy, TLS 1.1 refused, errors as
// OperationOutcome.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/test_certificate.h"
#include "tests/support/tls_client.h"

namespace flint::testing {
namespace {

int freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("no free port");
  close(fd);
  return ntohs(addr.sin_port);
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  size_t count = 0;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()), ++count)
    text.replace(at, from.size(), to);
  if (count == 0) throw std::runtime_error("deploy/nginx/flint.conf no longer contains " + from);
}

// nginx in the foreground (one process) with the example site file included.
class Nginx {
 public:
  Nginx(const std::string& directory, int upstreamPort, const TestCertificate& cert)
      : httpsPort_(freePort()), httpPort_(freePort()) {
    std::ifstream in(std::string(FLINT_SOURCE_DIR) + "/deploy/nginx/flint.conf");
    std::stringstream site;
    site << in.rdbuf();
    std::string text = site.str();
    replaceAll(text, "server 127.0.0.1:8080;", "server 127.0.0.1:" + std::to_string(upstreamPort) + ";");
    replaceAll(text, "listen 443 ssl http2;", "listen 127.0.0.1:" + std::to_string(httpsPort_) + " ssl http2;");
    replaceAll(text, "listen 80;", "listen 127.0.0.1:" + std::to_string(httpPort_) + ";");
    replaceAll(text, "/etc/ssl/flint/fullchain.pem", cert.certificateFile);
    replaceAll(text, "/etc/ssl/flint/privkey.pem", cert.privateKeyFile);
    std::filesystem::create_directories(directory);
    std::ofstream(directory + "/site.conf") << text;
    std::ofstream(directory + "/nginx.conf")
        << "daemon off;\nmaster_process off;\npid " << directory << "/nginx.pid;\nerror_log " << directory
        << "/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path " << directory
        << "/body;\n  proxy_temp_path " << directory << "/proxy;\n  include " << directory << "/site.conf;\n}\n";
    const char* binary = std::getenv("FLINT_NGINX");
    std::string nginx = binary != nullptr ? binary : "/usr/sbin/nginx";
    pid_ = fork();
    if (pid_ == 0) {
      execl(nginx.c_str(), nginx.c_str(), "-e", (directory + "/error.log").c_str(), "-c",
            (directory + "/nginx.conf").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      try {
        close(connectTcp(httpsPort_));
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    std::ifstream log(directory + "/error.log");
    std::stringstream errors;
    errors << log.rdbuf();
    throw std::runtime_error("nginx did not start: " + errors.str());
  }
  ~Nginx() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  int httpsPort() const { return httpsPort_; }
  int httpPort() const { return httpPort_; }

 private:
  int httpsPort_;
  int httpPort_;
  pid_t pid_ = -1;
};

struct Scratch {
  std::string path;
  Scratch() {
    char pattern[] = "/tmp/flint-nginx-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
    // The certificate must be readable by nginx whatever user it runs as.
    chmod(path.c_str(), 0755);
  }
  ~Scratch() { std::filesystem::remove_all(path); }
};

class NginxProxy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new Scratch;
    cert_ = new TestCertificate(makeTestCertificate(scratch_->path));
    int port = freePort();
    // Flint learns its public URL from configuration, never from forwarded headers a client could forge.
    flint_ = new FlintServer({"--public-url", "https://127.0.0.1:" + std::to_string(port)});
    nginx_ = new Nginx(scratch_->path + "/nginx", flint_->port(), *cert_);
    publicPort_ = port;
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete flint_;
    delete cert_;
    delete scratch_;
  }

  static inline Scratch* scratch_ = nullptr;
  static inline TestCertificate* cert_ = nullptr;
  static inline FlintServer* flint_ = nullptr;
  static inline Nginx* nginx_ = nullptr;
  static inline int publicPort_ = 0;
};

TEST_F(NginxProxy, ServesFhirOverHttpsWithLinksNamingTheProxy) {
  std::string name = createInstance("nginx", *flint_);
  auto c = httpsClient(nginx_->httpsPort(), cert_->certificateFile);
  auto created = c.Post("/" + name + "/fhir/Patient", fhirHeaders(),
                        R"({"resourceType":"Patient","name":[{"family":"Proxied"}]})", "application/fhir+json");
  ASSERT_TRUE(created) << httplib::to_string(created.error());
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_FALSE(created->get_header_value("Strict-Transport-Security").empty());
  std::string location = created->get_header_value("Location");
  std::string base = "https://127.0.0.1:" + std::to_string(publicPort_) + "/" + name + "/fhir/Patient/";
  ASSERT_EQ(location.rfind(base, 0), 0u) << location;

  auto read = c.Get("/" + name + "/fhir/Patient/" + location.substr(base.size(), location.find("/_history") - base.size()),
                    fhirHeaders());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_EQ(read->get_header_value("ETag"), created->get_header_value("ETag"));
  EXPECT_EQ(parseJson(read->body)["name"][0]["family"], "Proxied");

  auto missing = c.Get("/" + name + "/fhir/Patient/does-not-exist", fhirHeaders());
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(parseJson(missing->body)["resourceType"], "OperationOutcome");
}

TEST_F(NginxProxy, RefusesTls11AndRedirectsPlainHttp) {
  TlsClient old(nginx_->httpsPort(), TLS1_1_VERSION, TLS1_1_VERSION);
  EXPECT_FALSE(old.connected());
  TlsClient current(nginx_->httpsPort(), TLS1_2_VERSION, TLS1_3_VERSION);
  EXPECT_TRUE(current.connected());

  std::string answer = rawExchange(nginx_->httpPort(), "GET /demo/fhir/metadata HTTP/1.1\r\nHost: fhir.test\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 301", 0), 0u) << answer;
  EXPECT_NE(answer.find("Location: https://fhir.test/demo/fhir/metadata"), std::string::npos) << answer;
}

TEST_F(NginxProxy, TooLargeBodiesAndADownServerAreOperationOutcomes) {
  auto c = httpsClient(nginx_->httpsPort(), cert_->certificateFile);
  std::string body(17 * 1024 * 1024, 'x');
  auto tooLarge = c.Post("/any/fhir/Patient", fhirHeaders(), body, "application/fhir+json");
  ASSERT_TRUE(tooLarge) << httplib::to_string(tooLarge.error());
  EXPECT_EQ(tooLarge->status, 413);
  EXPECT_EQ(parseJson(tooLarge->body)["resourceType"], "OperationOutcome");
  // A client that writes the whole body before reading gets the 413 too (nginx lingers as Flint does).
  const std::string request = "POST /any/fhir/Patient HTTP/1.1\r\nHost: t\r\nContent-Type: application/fhir+json\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int attempt = 0; attempt < 10; ++attempt) {
    TlsClient whole(nginx_->httpsPort(), TLS1_2_VERSION, TLS1_3_VERSION);
    ASSERT_TRUE(whole.connected());
    const std::string out = whole.exchange(request);
    ASSERT_NE(out.find(" 413 "), std::string::npos) << "attempt " << attempt << ": " << out.substr(0, 200);
    EXPECT_NE(out.find("OperationOutcome"), std::string::npos);
  }

  Nginx orphan(scratch_->path + "/orphan", freePort(), *cert_);
  auto o = httpsClient(orphan.httpsPort(), cert_->certificateFile);
  auto down = o.Get("/health");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(parseJson(down->body)["issue"][0]["code"], "transient");
}

}  // namespace
}  // namespace flint::testing
