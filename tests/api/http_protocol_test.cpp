// The HTTP/1.1 layer as clients rely on it: keep-alive, pipelining, repeated query parameters,
// bodies larger than a few KB, limits and malformed requests; and reads by id answered together.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <sstream>
#include <thread>
#include <tuple>

#include "tests/support/flint_server.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/stalling_proxy.h"
#include "tests/support/tls_client.h"

using namespace flint::testing;

namespace {

int countOf(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

std::string patientWithPadding(size_t bytes) {
  return R"({"resourceType":"Patient","name":[{"family":")" + std::string(bytes, 'x') + R"("}]})";
}

// Patient "p" in a new instance called `name`: its path.
std::string createPatient(const std::string& name, FlintServer& server) {
  const std::string patient = "/" + createInstance(name, server) + "/fhir/Patient/p";
  EXPECT_EQ(client(server).Put(patient, R"({"resourceType":"Patient","id":"p"})", "application/fhir+json")->status, 201);
  return patient;
}

// GET `path` on a new connection that waits up to 30 s for the answer: its status, 0 for none.
int readStatus(FlintServer& server, const std::string& path) {
  auto c = client(server);
  c.set_read_timeout(30);
  auto res = c.Get(path);
  return res ? res->status : 0;
}

}  // namespace

TEST(HttpProtocol, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  std::string instance = createInstance("pipe");
  std::string requests;
  for (int i = 0; i < 5; ++i) requests += "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
  requests += "GET /" + instance + "/fhir/Patient/nope HTTP/1.1\r\nHost: t\r\n\r\n";
  requests += "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  std::string out = rawExchange(sharedServer().port(), requests);
  EXPECT_EQ(countOf(out, "HTTP/1.1 200 OK"), 6);
  EXPECT_EQ(countOf(out, "HTTP/1.1 404 Not Found"), 1);
  // The 404 comes sixth: after five 200s and before the last.
  size_t notFound = out.find("HTTP/1.1 404");
  EXPECT_EQ(countOf(out.substr(0, notFound), "HTTP/1.1 200 OK"), 5);
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
}

// Reads by id are answered on the network thread, searches by a worker: mixed in one pipeline,
// and with a response larger than the socket takes at once, they still come back in order.
TEST(HttpProtocol, QuickAndWorkerRequestsKeepTheirOrder) {
  std::string instance = createInstance("pipemix");
  auto c = client();
  auto put = c.Put("/" + instance + "/fhir/Patient/big",
                   R"({"resourceType":"Patient","id":"big","name":[{"family":")" + std::string(3 << 20, 'x') + R"("}]})",
                   "application/fhir+json");
  ASSERT_EQ(put->status, 201) << put->body;
  const std::string read = "GET /" + instance + "/fhir/Patient/big HTTP/1.1\r\nHost: t\r\n\r\n";
  const std::string search = "GET /" + instance + "/fhir/Patient?_id=big&_elements=id HTTP/1.1\r\nHost: t\r\n\r\n";
  std::string out = rawExchange(sharedServer().port(), read + search + read + search +
                                                           "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(countOf(out, "HTTP/1.1 200 OK"), 5);
  std::vector<size_t> at;
  for (size_t p = out.find("HTTP/1.1 200 OK"); p != std::string::npos; p = out.find("HTTP/1.1 200 OK", p + 1)) at.push_back(p);
  ASSERT_EQ(at.size(), 5u);
  auto body = [&](size_t i) { return out.substr(at[i], (i + 1 < at.size() ? at[i + 1] : out.size()) - at[i]); };
  for (size_t i : {0, 2}) {
    EXPECT_NE(body(i).find(R"("resourceType":"Patient")"), std::string::npos) << i;
    EXPECT_GT(body(i).size(), size_t{3} << 20) << i;
  }
  for (size_t i : {1, 3}) EXPECT_NE(body(i).find(R"("resourceType":"Bundle")"), std::string::npos) << i;
  EXPECT_NE(body(4).find(R"("status":"ok")"), std::string::npos);
}

TEST(HttpProtocol, KeepAliveIsTheDefaultForHttp11AndCloseIsHonoured) {
  std::string kept = rawExchange(sharedServer().port(), "GET /health HTTP/1.1\r\nHost: t\r\n\r\n", 300);
  EXPECT_NE(kept.find("200 OK"), std::string::npos);
  EXPECT_EQ(kept.find("Connection: close"), std::string::npos);
  std::string http10 = rawExchange(sharedServer().port(), "GET /health HTTP/1.0\r\n\r\n", 5000);
  EXPECT_NE(http10.find("200 OK"), std::string::npos);
  EXPECT_NE(http10.find("Connection: close"), std::string::npos);
}

// A client that shuts its side right after its request (its end arriving with the request's
// bytes) has its connection closed at once, not held until the idle deadline.
TEST(HttpProtocol, AClientThatShutsItsSideRightAfterItsRequestIsLetGoAtOnce) {
  const std::string patient = createPatient("halfclose", sharedServer());
  for (const std::string& target : {std::string("/health"), patient, patient.substr(0, patient.rfind('/'))}) {
    for (int i = 0; i < 10; ++i) {
      const int fd = connectTcp(sharedServer().port());
      const std::string request = "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
      ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
      shutdown(fd, SHUT_WR);
      const auto sent = std::chrono::steady_clock::now();
      bool ended = false;
      char buf[4096];
      for (pollfd pfd{fd, POLLIN, 0}; !ended && poll(&pfd, 1, 3000) > 0;) ended = recv(fd, buf, sizeof buf, 0) <= 0;
      close(fd);
      EXPECT_TRUE(ended) << target << " " << i << ": the connection was kept";
      EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(3)) << target << " " << i;
    }
  }
  EXPECT_EQ(client().Get("/health")->status, 200);
}

TEST(HttpProtocol, RepeatedQueryParametersAreAllApplied) {
  std::string instance = createInstance("repeat");
  auto c = client();
  auto created = c.Post("/" + instance + "/fhir/Patient", R"({"resourceType":"Patient"})", "application/fhir+json");
  ASSERT_EQ(created->status, 201);
  // Each bound alone matches the new patient; together (AND) they cannot.
  auto both = c.Get("/" + instance + "/fhir/Patient?_lastUpdated=ge2000-01-01&_lastUpdated=lt2000-01-02");
  ASSERT_EQ(both->status, 200);
  EXPECT_FALSE(parseJson(both->body).contains("entry"));
  auto one = c.Get("/" + instance + "/fhir/Patient?_lastUpdated=ge2000-01-01");
  EXPECT_EQ(parseJson(one->body)["entry"].size(), 1u);
}

TEST(HttpProtocol, LargeBodiesAreAccepted) {
  std::string instance = createInstance("large");
  auto c = client();
  auto res = c.Post("/" + instance + "/fhir/Patient", patientWithPadding(300 * 1024), "application/fhir+json");
  ASSERT_EQ(res->status, 201);
  EXPECT_EQ(parseJson(res->body)["name"][0]["family"].get<std::string>().size(), 300u * 1024);
}

TEST(HttpProtocol, ChunkedBodiesAndExpectContinueWork) {
  std::string instance = createInstance("chunked");
  std::string body = R"({"resourceType":"Patient","active":true})";
  char size[16];
  snprintf(size, sizeof size, "%zx", body.size());
  std::string out = rawExchange(sharedServer().port(),
                                "POST /" + instance + "/fhir/Patient HTTP/1.1\r\nHost: t\r\n"
                                "Content-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\n"
                                "Connection: close\r\n\r\n" + size + "\r\n" + body + "\r\n0\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 201 Created"), std::string::npos) << out;

  std::string expect = rawExchange(sharedServer().port(),
                                   "POST /" + instance + "/fhir/Patient HTTP/1.1\r\nHost: t\r\n"
                                   "Content-Type: application/fhir+json\r\nExpect: 100-continue\r\n"
                                   "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n",
                                   500);
  EXPECT_NE(expect.find("HTTP/1.1 100 Continue"), std::string::npos) << expect;
}

TEST(HttpProtocol, BodiesOverTheLimitAre413WithAnOperationOutcome) {
  FlintServer small({"--max-body-bytes", "2000"});
  std::string instance = createInstance("limit", small);
  auto c = client(small);
  auto ok = c.Post("/" + instance + "/fhir/Patient", patientWithPadding(1000), "application/fhir+json");
  EXPECT_EQ(ok->status, 201);
  auto tooBig = c.Post("/" + instance + "/fhir/Patient", patientWithPadding(5000), "application/fhir+json");
  ASSERT_TRUE(tooBig);
  EXPECT_EQ(tooBig->status, 413);
  EXPECT_EQ(parseJson(tooBig->body)["resourceType"], "OperationOutcome");
  // Chunked bodies are held to the same limit as they arrive.
  std::string chunk(3000, 'x');
  char size[16];
  snprintf(size, sizeof size, "%zx", chunk.size());
  std::string out = rawExchange(small.port(), "POST /" + instance + "/fhir/Patient HTTP/1.1\r\nHost: t\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 413"), std::string::npos);
  EXPECT_TRUE(small.alive());
}

// A client that writes its whole body before reading (Node's http, Python's requests, many mobile
// stacks) must still get the 413: the server drains what follows its answer instead of resetting
// the connection under it.
TEST(HttpProtocol, AnOversizedBodyWrittenWholeStillGetsIts413) {
  const std::string body(20 * 1024 * 1024, 'x');
  const std::string request = "POST /anything/fhir/Patient HTTP/1.1\r\nHost: t\r\nContent-Type: application/fhir+json\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int attempt = 0; attempt < 50; ++attempt) {
    const std::string out = rawExchange(sharedServer().port(), request, 10000);
    ASSERT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << "attempt " << attempt << ": " << out.substr(0, 200);
    EXPECT_NE(out.find("\"resourceType\":\"OperationOutcome\""), std::string::npos);
  }
  EXPECT_TRUE(sharedServer().alive());
}

// A client that keeps trickling bytes after the answer is cut off at the bound (here one second).
TEST(HttpProtocol, ATricklingClientIsCutOffAfterTheLingerBound) {
  FlintServer server({"--max-body-bytes", "1000", "--linger-seconds", "1"});
  const int fd = connectTcp(server.port());
  const std::string head = "POST /x/fhir/Patient HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(2000, 'x');
  ASSERT_EQ(send(fd, head.data(), head.size(), MSG_NOSIGNAL), ssize_t(head.size()));
  const auto started = std::chrono::steady_clock::now();
  std::string out;
  bool cut = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(8)) {
    if (send(fd, "y", 1, MSG_NOSIGNAL) != 1) {
      cut = true;
      break;
    }
    // The answer, then the end of what the server sends; its reading goes on until the bound.
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) out.append(buf, size_t(n));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto after = std::chrono::steady_clock::now() - started;
  close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_TRUE(cut) << "the trickle was never cut off";
  EXPECT_GT(after, std::chrono::milliseconds(900)) << "cut before the bound";
  EXPECT_LT(after, std::chrono::seconds(4));
  EXPECT_TRUE(server.alive());
}

namespace {

// What a raw client got on one connection: the bytes, and how long after it connected the server
// ended the connection (-1 ms: not by the end).
struct Ending {
  std::string received;
  std::chrono::milliseconds closedAfter{-1};
};

// Connects, sends each step's bytes and then pauses for its milliseconds, reading all along, and
// reads on until the server ends the connection or `within` has passed since connecting.
Ending converse(int port, const std::vector<std::pair<std::string, int>>& steps, std::chrono::milliseconds within) {
  const int fd = connectTcp(port);
  const auto start = std::chrono::steady_clock::now();
  Ending ending;
  auto readUntil = [&](std::chrono::steady_clock::time_point until) {
    while (ending.closedAfter.count() < 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, int(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0)
        ending.received.append(buf, size_t(n));
      else
        ending.closedAfter = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    }
  };
  for (const auto& [bytes, pause] : steps) {
    if (ending.closedAfter.count() >= 0) break;
    send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    readUntil(std::chrono::steady_clock::now() + std::chrono::milliseconds(pause));
  }
  readUntil(start + within);
  close(fd);
  return ending;
}

}  // namespace

// Each deadline a client can let pass (here 1 s idle, 1 s for headers, 3 s for a whole request):
// connections nothing begins on are closed, requests that trickle in get 408, and a connection
// in use, or waiting for the server's answer, is left alone whatever the time.
TEST(HttpProtocol, ClientsThatLetADeadlinePassAreCutOff) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--idle-timeout-seconds", "1", "--header-timeout-seconds", "1",
                      "--request-timeout-seconds", "3", "--admin-key", kAdminKey});
  const std::string patient = createPatient("deadline", server);
  const std::string health = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
  const auto within = std::chrono::milliseconds(7000);
  auto talk = [&](std::vector<std::pair<std::string, int>> steps) {
    return std::async(std::launch::async, converse, server.port(), std::move(steps), within);
  };
  proxy.hold();
  auto silent = talk({});
  auto keptAlive = talk({{health, 0}});
  // Its last request goes at 2.1 s.
  std::vector<std::pair<std::string, int>> inUse(8, {health, 300});
  auto busy = talk(inUse);
  std::vector<std::pair<std::string, int>> slowHeaders{{"GET /health HTTP/1.1\r\nHost: t\r\n", 200}};
  for (int i = 0; i < 20; ++i) slowHeaders.push_back({"X-Slow: " + std::to_string(i) + "\r\n", 200});
  auto headers = talk(slowHeaders);
  std::vector<std::pair<std::string, int>> slowBody{
      {"POST /x/fhir/Patient HTTP/1.1\r\nHost: t\r\nContent-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n", 200}};
  for (int i = 0; i < 30; ++i) slowBody.push_back({" ", 200});
  auto body = talk(slowBody);
  auto waiting = talk({{"GET " + patient.substr(0, patient.rfind('/')) + "?_id=p HTTP/1.1\r\nHost: t\r\n\r\n", 0}});
  std::this_thread::sleep_for(std::chrono::milliseconds(4000));
  proxy.release();

  auto between = [](const Ending& e, int fromMs, int toMs) {
    return e.closedAfter >= std::chrono::milliseconds(fromMs) && e.closedAfter <= std::chrono::milliseconds(toMs);
  };
  const Ending s = silent.get();
  EXPECT_TRUE(between(s, 900, 2600)) << s.closedAfter.count();
  EXPECT_EQ(s.received, "");
  const Ending k = keptAlive.get();
  EXPECT_EQ(k.received.rfind("HTTP/1.1 200", 0), 0u) << k.received;
  EXPECT_TRUE(between(k, 900, 2600)) << k.closedAfter.count();
  const Ending b = busy.get();
  EXPECT_EQ(countOf(b.received, "HTTP/1.1 200"), 8) << b.received;
  EXPECT_TRUE(between(b, 2100 + 900, 2100 + 2600)) << "closed while in use, or never: " << b.closedAfter.count();
  const Ending h = headers.get();
  EXPECT_EQ(h.received.rfind("HTTP/1.1 408", 0), 0u) << h.received;
  EXPECT_NE(h.received.find("\"code\":\"timeout\""), std::string::npos) << h.received;
  EXPECT_NE(h.received.find("Connection: close"), std::string::npos) << h.received;
  EXPECT_TRUE(between(h, 900, 2600)) << h.closedAfter.count();
  const Ending d = body.get();
  EXPECT_EQ(d.received.rfind("HTTP/1.1 408", 0), 0u) << "the header deadline does not apply to the body: " << d.received;
  EXPECT_TRUE(between(d, 2900, 4600)) << d.closedAfter.count();
  const Ending w = waiting.get();
  EXPECT_EQ(w.received.rfind("HTTP/1.1 200", 0), 0u) << "cut while the server worked: " << w.received;
  EXPECT_TRUE(between(w, 4000 + 900, 4000 + 2600)) << w.closedAfter.count();

  auto metrics = client(server).Get("/metrics", {{"Authorization", std::string("Bearer ") + kAdminKey}});
  ASSERT_EQ(metrics->status, 200);
  const auto families = parsePrometheusText(metrics->body);
  EXPECT_EQ(promValue(families, "flint_http_request_timeouts_total", {}), 2);
  EXPECT_GE(promValue(families, "flint_http_idle_closed_total", {}), 4);
  EXPECT_GE(promValue(families, "flint_http_connections_open", {}), 1);
  EXPECT_TRUE(server.alive());
}

namespace {

void sendHealth(int fd) {
  const std::string request = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
}

// The answer on `fd`: its first line, or "" when the server ended the connection, "timeout" when
// nothing came (the socket waits 5 s).
std::string answerOn(int fd) {
  char buf[4096];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return "timeout";
  if (n <= 0) return "";
  const std::string got(buf, size_t(n));
  return got.substr(0, got.find("\r\n"));
}

// Opens `count` connections (kept in `held`) and asks /health on each before reading any answer:
// how many were served and how many the server ended. A connection left with neither (5 s) fails
// the test and ends the count.
std::pair<int, int> healthOnConnections(int port, int count, std::vector<int>& held) {
  for (int i = 0; i < count; ++i) {
    held.push_back(connectTcp(port));
    sendHealth(held.back());
  }
  int served = 0, closed = 0;
  for (size_t i = 0; i < held.size(); ++i) {
    const std::string answer = answerOn(held[i]);
    if (answer == "timeout") {
      ADD_FAILURE() << "connection " << i << " left with no answer and no end";
      break;
    }
    (answer.empty() ? closed : served) += 1;
  }
  return {served, closed};
}

std::string healthOn(int fd) {
  sendHealth(fd);
  return answerOn(fd);
}

// Whether nothing (no answer, no end) comes on `fd` for `wait`.
bool quietFor(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(wait.count())) == 0;
}

}  // namespace

// At --max-connections the server stops accepting: a connection beyond waits, neither answered
// nor closed, and is served as soon as a place frees; those that find none within a second are
// closed (a client that reconnects at once then cycles once a second, not as fast as the server
// can refuse it). The connections within are served on throughout.
TEST(HttpProtocol, ConnectionsBeyondTheBoundWaitForAPlaceOrAreClosed) {
  FlintServer server({"--max-connections", "20", "--admin-key", kAdminKey});
  std::vector<int> within;
  for (int i = 0; i < 20; ++i) {
    within.push_back(connectTcp(server.port()));
    ASSERT_EQ(healthOn(within.back()), "HTTP/1.1 200 OK") << i;
  }
  const int waiting = connectTcp(server.port());
  sendHealth(waiting);
  EXPECT_TRUE(quietFor(waiting, std::chrono::milliseconds(300))) << "answered or closed at once beyond the bound";
  close(within.front());
  within.erase(within.begin());
  const auto freed = std::chrono::steady_clock::now();
  EXPECT_EQ(answerOn(waiting), "HTTP/1.1 200 OK");
  EXPECT_LT(std::chrono::steady_clock::now() - freed, std::chrono::milliseconds(500)) << "the freed place taken late";
  within.push_back(waiting);

  std::vector<int> beyond;
  for (int i = 0; i < 5; ++i) {
    beyond.push_back(connectTcp(server.port()));
    sendHealth(beyond.back());
  }
  const auto sent = std::chrono::steady_clock::now();
  for (int fd : beyond) {
    EXPECT_EQ(answerOn(fd), "") << "not closed without a place";
    close(fd);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(2500));
  for (int fd : within) EXPECT_EQ(healthOn(fd), "HTTP/1.1 200 OK");
  for (int i = 0; i < 5; ++i) close(within[size_t(i)]);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 4; ++i) {
    const int next = connectTcp(server.port());
    EXPECT_EQ(healthOn(next), "HTTP/1.1 200 OK") << i;
    close(next);
  }
  auto metrics = client(server).Get("/metrics", {{"Authorization", std::string("Bearer ") + kAdminKey}});
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  const auto families = parsePrometheusText(metrics->body);
  EXPECT_EQ(promValue(families, "flint_http_connections_max", {}), 20);
  EXPECT_EQ(promValue(families, "flint_http_connections_refused_total", {}), 5);
  for (size_t i = 5; i < within.size(); ++i) close(within[i]);
  EXPECT_TRUE(server.alive());

  std::string out;
  EXPECT_EQ(runFlint({"serve", "--max-connections", "100000000"}, &out), 2);
  EXPECT_NE(out.find("not --max-connections 100000000; raise it (ulimit -n"), std::string::npos) << out;
}

// Without --max-connections the bound follows the descriptor limit (here 300), so clients can
// never exhaust the descriptors: every connection is served, or closed once it has waited for a
// place; none is left hanging behind an acceptor failing for want of a descriptor.
TEST(HttpProtocol, ConnectionsNeverHangForWantOfDescriptors) {
  FlintServer server({}, "", 300);
  std::vector<int> held;
  const auto [served, closed] = healthOnConnections(server.port(), 200, held);
  EXPECT_GE(served, 50);
  EXPECT_GE(closed, 50);
  for (int fd : held) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(readStatus(server, "/health"), 200);
  EXPECT_TRUE(server.alive());
}

// Descriptors can still run out below the bound, when something else in the process holds them
// (export files, outgoing requests): here the server's limit is lowered under it. A connection the
// acceptor cannot take then is closed (a spare descriptor is let go to accept it), not left waiting
// unanswered in the listen queue; once descriptors free, connections are served again.
TEST(HttpProtocol, ConnectionsAreClosedNotLeftWaitingWhenDescriptorsRunOut) {
  FlintServer server({}, "", 300);
  // Every network thread has made its descriptors (timers, answerer) before the limit drops.
  for (int i = 0; i < 8; ++i) ASSERT_EQ(readStatus(server, "/health"), 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::filesystem::directory_iterator descriptors("/proc/" + std::to_string(server.pid()) + "/fd");
  const auto open = static_cast<rlim_t>(std::distance(descriptors, std::filesystem::directory_iterator{}));
  rlimit before{};
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &before), 0);
  rlimit low = before;
  low.rlim_cur = open + 4;  // two connections (a socket and its duplicate each)
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_NOFILE, &low, nullptr), 0);
  std::vector<int> held;
  const auto [served, closed] = healthOnConnections(server.port(), 20, held);
  EXPECT_GE(closed, 10) << "served " << served;
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_NOFILE, &before, nullptr), 0);
  for (int fd : held) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(readStatus(server, "/health"), 200);
  EXPECT_TRUE(server.alive());
}

TEST(HttpProtocol, EveryResponseCarriesARequestId) {
  auto c = client();
  auto health = c.Get("/health");
  const std::string made = health->get_header_value("X-Request-Id");
  EXPECT_GE(made.size(), 12u);
  EXPECT_NE(c.Get("/health")->get_header_value("X-Request-Id"), made) << "one per request";
  EXPECT_EQ(c.Get("/health", {{"X-Request-Id", "trace-42.a:b_c"}})->get_header_value("X-Request-Id"), "trace-42.a:b_c");
  for (const std::string& bad : {std::string("has space"), std::string(65, 'a'), std::string("semi;colon")})
    EXPECT_NE(c.Get("/health", {{"X-Request-Id", bad}})->get_header_value("X-Request-Id"), bad);
  const std::string instance = createInstance("reqid");
  auto read = c.Get("/" + instance + "/fhir/Patient/nobody", {{"X-Request-Id", "read-1"}});
  EXPECT_EQ(read->status, 404);
  EXPECT_EQ(read->get_header_value("X-Request-Id"), "read-1") << "a read the reactor answers too";
  const std::string out = rawExchange(sharedServer().port(), "GET /%zz HTTP/1.1\r\nHost: t\r\nX-Request-Id: bad-target\r\n\r\n");
  EXPECT_NE(out.find("X-Request-Id: "), std::string::npos) << out;
}

TEST(HttpProtocol, MalformedRequestsGet400AndTheServerCarriesOn) {
  EXPECT_NE(rawExchange(sharedServer().port(), "GET /health HTTP/9.9\r\n\r\n").find("HTTP/1.1 505"),
            std::string::npos);
  for (const std::string& junk : {std::string("BLAH\r\n\r\n"),
                                  std::string("GET /health HTTP/1.1\r\nBad Header\r\n\r\n"),
                                  std::string("GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n"),
                                  std::string("GET /x?a=%2 HTTP/1.1\r\nHost: t\r\n\r\n"),
                                  std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)}) {
    std::string out = rawExchange(sharedServer().port(), junk);
    EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << junk;
  }
  std::string hugeHeader = "GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n";
  EXPECT_NE(rawExchange(sharedServer().port(), hugeHeader).find("HTTP/1.1 431"), std::string::npos);
  EXPECT_TRUE(sharedServer().alive());
  auto c = client();
  EXPECT_EQ(c.Get("/health")->status, 200);
}

TEST(HttpProtocol, UnknownRoutesAre404OperationOutcomes) {
  auto c = client();
  for (const char* path : {"/", "/nope", "/nope/fhir/Patient", "/health/x", "/UPPER/fhir/metadata"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(parseJson(res->body)["resourceType"], "OperationOutcome") << path;
  }
}

namespace {

// The status codes of the responses in `out`, in order.
std::vector<int> statusesOf(const std::string& out) {
  std::vector<int> statuses;
  for (size_t at = out.find("HTTP/1.1 "); at != std::string::npos; at = out.find("HTTP/1.1 ", at + 1))
    statuses.push_back(std::stoi(out.substr(at + 9, 3)));
  return statuses;
}

}  // namespace

// Reads by id that arrive together are fetched together, per instance, on the network thread's
// own database connection; each still gets its own answer, in order, from its own instance.
TEST(HttpProtocol, ReadsArrivingTogetherEachGetTheirOwnAnswer) {
  const std::string a = createInstance("togethera"), b = createInstance("togetherb");
  auto c = client();
  for (const auto& [instance, family] : {std::pair{a, "Alpha"}, std::pair{b, "Beta"}})
    ASSERT_EQ(c.Put("/" + instance + "/fhir/Patient/same",
                    std::string(R"({"resourceType":"Patient","id":"same","name":[{"family":")") + family + "\"}]}",
                    "application/fhir+json")->status, 201);
  ASSERT_EQ(c.Put("/" + a + "/fhir/Patient/gone", R"({"resourceType":"Patient","id":"gone"})", "application/fhir+json")->status, 201);
  ASSERT_EQ(c.Delete("/" + a + "/fhir/Patient/gone")->status, 204);
  auto get = [](const std::string& path, const std::string& headers = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n";
  };
  const std::string out = rawExchange(
      sharedServer().port(),
      get("/" + a + "/fhir/Patient/same") + get("/" + b + "/fhir/Patient/same") + get("/" + a + "/fhir/Patient/missing") +
          get("/" + a + "/fhir/Patient/gone") + get("/" + a + "/fhir/Patient/same", "If-None-Match: W/\"1\"\r\n") +
          get("/" + a + "/fhir/Patient/same/_history/1") + get("/" + b + "/fhir/Patient/same?_format=application/json") +
          get("/no-such-instance/fhir/Patient/same") + get("/" + a + "/fhir/Patient/bad!id") +
          get("/" + a + "/fhir/Patient/same", "Accept: application/xml\r\n") +
          get("/" + b + "/fhir/Patient/same", "Connection: close\r\n"));
  EXPECT_EQ(statusesOf(out), (std::vector<int>{200, 200, 404, 410, 304, 200, 200, 404, 400, 406, 200}));
  std::vector<std::string> responses;
  for (size_t at = out.find("HTTP/1.1 "); at != std::string::npos;) {
    size_t next = out.find("HTTP/1.1 ", at + 1);
    responses.push_back(out.substr(at, next == std::string::npos ? std::string::npos : next - at));
    at = next;
  }
  ASSERT_EQ(responses.size(), 11u);
  EXPECT_NE(responses[0].find("Alpha"), std::string::npos);
  EXPECT_NE(responses[1].find("Beta"), std::string::npos);
  EXPECT_EQ(responses[1].find("Alpha"), std::string::npos);
  EXPECT_NE(responses[2].find("OperationOutcome"), std::string::npos);
  EXPECT_NE(responses[3].find("deleted"), std::string::npos);
  EXPECT_EQ(responses[4].find("Alpha"), std::string::npos);
  EXPECT_NE(responses[4].find("ETag: W/\"1\""), std::string::npos);
  EXPECT_NE(responses[5].find("Alpha"), std::string::npos);
  EXPECT_NE(responses[6].find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(responses[6].find("Beta"), std::string::npos);
  EXPECT_NE(responses[10].find("Beta"), std::string::npos);
  for (size_t i : {0, 1, 2, 3}) EXPECT_NE(responses[i].find("Access-Control-Allow-Origin: *"), std::string::npos) << i;
}

// Many clients reading at once share rounds of fetches: every answer reaches the client that
// asked, for the resource it asked for.
TEST(HttpProtocol, ConcurrentReadersEachGetTheResourceTheyAskedFor) {
  const std::string instance = createInstance("concurrent");
  {
    auto c = client();
    for (int i = 0; i < 20; ++i)
      ASSERT_EQ(c.Put("/" + instance + "/fhir/Patient/p" + std::to_string(i),
                      R"({"resourceType":"Patient","id":"p)" + std::to_string(i) + "\"}", "application/fhir+json")->status,
                201);
  }
  std::atomic<int> wrong{0}, answered{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; ++t)
    readers.emplace_back([&, t] {
      auto c = client();
      for (int k = 0; k < 150; ++k) {
        const std::string id = "p" + std::to_string((t * 7 + k) % 20);
        auto res = c.Get("/" + instance + "/fhir/Patient/" + id);
        if (!res || res->status != 200 || parseJson(res->body)["id"] != id) ++wrong;
        ++answered;
      }
    });
  for (auto& r : readers) r.join();
  EXPECT_EQ(answered.load(), 8 * 150);
  EXPECT_EQ(wrong.load(), 0);
}

// The network threads' database connections may be cut (a restart, an administrator): reads in
// flight then get 503, never a hang or a crash, and the next ones are served again.
TEST(HttpProtocol, ReadsSurviveTheirDatabaseConnectionBeingCut) {
  FlintServer server;
  const std::string instance = createInstance("cut", server);
  ASSERT_EQ(client(server).Put("/" + instance + "/fhir/Patient/kept", R"({"resourceType":"Patient","id":"kept"})",
                               "application/fhir+json")->status, 201);
  // A fresh connection: its reads go to the network thread (not to a worker still finishing the PUT).
  auto c = client(server);
  ASSERT_EQ(c.Get("/" + instance + "/fhir/Patient/kept")->status, 200);
  const std::string cut = psql(databaseUrl(), "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                              "WHERE application_name = 'flint reads " + std::to_string(server.pid()) + "'");
  EXPECT_NE(cut.find_first_of("123456789"), std::string::npos) << cut;
  bool servedAgain = false;
  for (int attempt = 0; attempt < 60 && !servedAgain; ++attempt) {
    auto res = c.Get("/" + instance + "/fhir/Patient/kept");
    ASSERT_TRUE(res) << "no answer";
    ASSERT_TRUE(res->status == 200 || res->status == 503) << res->status << res->body;
    if (res->status == 503) {
      EXPECT_NE(res->body.find("OperationOutcome"), std::string::npos);
    }
    servedAgain = res->status == 200;
    if (!servedAgain) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(servedAgain);
  EXPECT_TRUE(server.alive());
}

namespace {

// GET a search by name of `instance` on a new connection that waits up to 30 s: its status.
int searchStatus(FlintServer& server, const std::string& instance, const std::string& name) {
  auto c = client(server);
  c.set_read_timeout(30);
  auto res = c.Get("/" + instance + "/fhir/Patient?name=" + name);
  return res ? res->status : 0;
}

// With `--workers 1 --max-queued-requests 1` and `instance`'s search_string table locked: takes the
// one worker with a search that waits for the lock, then the one queue place with another. Their
// statuses, once the lock is released.
std::pair<std::future<int>, std::future<int>> occupyTheWorkerAndItsQueue(FlintServer& server,
                                                                         const std::string& instance) {
  auto first = std::async(std::launch::async, searchStatus, std::ref(server), instance, "a");
  const std::string waiting =
      "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%search_string%'";
  for (int i = 0; i < 500 && trimmed(psql(databaseUrl(), waiting)) != "1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(trimmed(psql(databaseUrl(), waiting)), "1") << "the worker is not held";
  auto second = std::async(std::launch::async, searchStatus, std::ref(server), instance, "b");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return {std::move(first), std::move(second)};
}

std::string schemaOf(const std::string& instance) {
  return trimmed(psql(databaseUrl(), "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
}

// GETs `path` every 20 ms on one connection from before `occupy` runs, so that what the read needs
// cached stays in use meanwhile (left unused for a second, it expires, and its lookup is a
// worker's), then for 2.5 s after: how many answers of those had each status.
std::map<int, int> statusesOfReadsKeptInUse(FlintServer& server, const std::string& path, const httplib::Headers& headers,
                                            const std::function<void()>& occupy) {
  std::atomic<bool> counting = false, done = false;
  std::map<int, int> statuses;
  std::thread reads([&] {
    auto reader = client(server);
    while (!done) {
      auto res = reader.Get(path, headers);
      if (counting) ++statuses[res ? res->status : 0];
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  occupy();
  counting = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  done = true;
  reads.join();
  return statuses;
}

}  // namespace

// Load shedding: with the one worker busy and the one queue place taken, a new request gets 503
// with Retry-After and an OperationOutcome at once (not after the work ahead of it); /health,
// which the reactor answers, keeps flowing; the held requests then complete, and the server
// serves normally again.
TEST(HttpProtocol, AFullWorkerQueueIsAnswered503AtOnceAndTheServerRecovers) {
  FlintServer server({"--workers", "1", "--max-queued-requests", "1"});
  const std::string instance = createInstance("shed", server);
  // Searches by name wait for this lock.
  HeldLock held(databaseUrl(), schemaOf(instance) + ".search_string", "ACCESS EXCLUSIVE");
  auto [first, second] = occupyTheWorkerAndItsQueue(server, instance);

  const auto start = std::chrono::steady_clock::now();
  auto shed = client(server).Get("/" + instance + "/fhir/Patient?name=c");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(shed);
  EXPECT_EQ(shed->status, 503) << shed->body;
  EXPECT_LT(waited, std::chrono::seconds(1));
  EXPECT_EQ(shed->get_header_value("Retry-After"), "1");
  const auto outcome = parseJson(shed->body);
  EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
  EXPECT_EQ(outcome["issue"][0]["code"], "transient");
  EXPECT_EQ(client(server).Get("/health")->status, 200);

  held.release();
  EXPECT_EQ(first.get(), 200);
  EXPECT_EQ(second.get(), 200);
  EXPECT_EQ(searchStatus(server, instance, "c"), 200);
  EXPECT_TRUE(server.alive());
}

// The instance cache's answers expire every second; one in use is reloaded ahead of time on a
// thread of its own, so reads of a busy instance never wait for a worker to look it up again
// (here the only worker is held and its queue full: such a read would be shed).
TEST(HttpProtocol, ReadsOfABusyInstanceNeverWaitForItsLookup) {
  FlintServer server({"--workers", "1", "--max-queued-requests", "1", "--reactor-threads", "1"});
  const std::string patient = createPatient("lookup", server);
  // The network thread's own connection for reads is opened by a worker, before it is held.
  ASSERT_EQ(client(server).Get(patient)->status, 200);
  const std::string instance = patient.substr(1, patient.find('/', 1) - 1);
  HeldLock held(databaseUrl(), schemaOf(instance) + ".search_string", "ACCESS EXCLUSIVE");
  std::future<int> first, second;
  auto statuses = statusesOfReadsKeptInUse(server, patient, {}, [&] {
    std::tie(first, second) = occupyTheWorkerAndItsQueue(server, instance);
    EXPECT_EQ(searchStatus(server, instance, "c"), 503) << "the worker is not held";
  });
  EXPECT_EQ(statuses.size(), 1u) << "answers other than 200: " << ::testing::PrintToString(statuses);
  EXPECT_GT(statuses[200], 50);

  held.release();
  EXPECT_EQ(first.get(), 200);
  EXPECT_EQ(second.get(), 200);
}

// Many clients connecting at once (a surge, or all of them again after a restart) are queued by
// the kernel until the server accepts them; with too short a listen backlog their SYNs are dropped
// and each waits a second or more for its retransmission.
TEST(HttpProtocol, ASurgeOfNewConnectionsIsQueuedUntilAccepted) {
  FlintServer server;
  ASSERT_EQ(client(server).Get("/health")->status, 200);
  constexpr int kSurge = 600;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(uint16_t(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Stopped, the server accepts nothing: whatever connects is held in its listen backlog.
  ASSERT_EQ(kill(server.pid(), SIGSTOP), 0);
  std::vector<int> sockets;
  for (int i = 0; i < kSurge; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd, 0);
    sockets.push_back(fd);
    const int rc = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS);
  }
  std::vector<pollfd> polls;
  for (int fd : sockets) polls.push_back({fd, POLLOUT, 0});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  int connected = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    connected = 0;
    poll(polls.data(), polls.size(), 50);
    for (const auto& p : polls) connected += (p.revents & POLLOUT) ? 1 : 0;
    if (connected == kSurge) break;
  }
  ASSERT_EQ(kill(server.pid(), SIGCONT), 0);
  EXPECT_EQ(connected, kSurge) << "connections beyond the listen backlog waited for a SYN retransmission";

  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  int answered = 0;
  for (int fd : sockets) {
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char head[12] = {};
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size()) &&
        recv(fd, head, sizeof head, MSG_WAITALL) == ssize_t(sizeof head) &&
        std::string(head, sizeof head) == "HTTP/1.1 200")
      ++answered;
    close(fd);
  }
  EXPECT_EQ(answered, kSurge);
  EXPECT_TRUE(server.alive());
}

namespace {

// A blocking socket connected to `server`, whose reads give up after `timeout`.
int connectTo(const FlintServer& server, std::chrono::seconds timeout) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(uint16_t(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return -1;
  timeval limit{timeout.count(), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  return fd;
}

bool sendGet(int fd, const std::string& path) {
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  return send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size());
}

// The status line of the next answer on `fd` (each small enough to come in one piece); empty for none.
std::string receivedStatusLine(int fd) {
  char buffer[4096];
  const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
  if (n <= 0) return "";
  const std::string answer(buffer, size_t(n));
  return answer.substr(0, answer.find("\r\n"));
}

}  // namespace

// Each connection's answers go out as soon as they are ready: a read waiting on a held database
// holds back neither /health (what a load balancer asks) nor anything else that arrived with it.
TEST(HttpProtocol, AnswersAreNotHeldBackByReadsThatArrivedWithThem) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1"});
  const std::string patient = createPatient("together", server);
  // The instance is cached, and this read opens the network thread's connection to the database.
  ASSERT_EQ(readStatus(server, patient), 200);
  const int reader = connectTo(server, std::chrono::seconds(10));
  const int prober = connectTo(server, std::chrono::seconds(10));
  ASSERT_GE(reader, 0);
  ASSERT_GE(prober, 0);
  for (int fd : {reader, prober}) {
    ASSERT_TRUE(sendGet(fd, "/health"));
    ASSERT_EQ(receivedStatusLine(fd), "HTTP/1.1 200 OK");
  }
  proxy.hold();
  // Stopped, the server reads both requests in the same turn of its event loop once it continues.
  ASSERT_EQ(kill(server.pid(), SIGSTOP), 0);
  EXPECT_TRUE(sendGet(reader, patient));
  EXPECT_TRUE(sendGet(prober, "/health"));
  ASSERT_EQ(kill(server.pid(), SIGCONT), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(receivedStatusLine(prober), "HTTP/1.1 200 OK");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1)) << "held back by the read";
  proxy.release();
  EXPECT_EQ(receivedStatusLine(reader), "HTTP/1.1 200 OK");
  close(reader);
  close(prober);
  EXPECT_TRUE(server.alive());
}

namespace {

// How long GET /health takes, or a minute when it fails.
std::chrono::milliseconds healthTime(const FlintServer& server) {
  const auto start = std::chrono::steady_clock::now();
  auto c = client(server);
  c.set_read_timeout(5);
  auto res = c.Get("/health");
  if (!res || res->status != 200) return std::chrono::minutes(1);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

// A counter's or gauge's value in the process's /metrics, -1 when it is not there.
double counter(const FlintServer& server, const std::string& name) {
  auto res = client(server).Get("/metrics", {{"Authorization", std::string("Bearer ") + kAdminKey}});
  if (!res || res->status != 200) return -1;
  std::istringstream lines(res->body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

}  // namespace

// One network thread serves every connection; while PostgreSQL answers nothing, requests that
// need it wait (on workers), and everything else on that thread keeps flowing.
TEST(HttpProtocol, ANetworkThreadNeverWaitsOnAStalledDatabase) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--workers", "4"});
  const std::string patient = createPatient("stall", server);
  auto read = [&server](const std::string& path) { return readStatus(server, path); };

  // An instance this process has not cached is looked up by a worker.
  proxy.hold();
  auto unknown = std::async(std::launch::async, read, "/nosuchinstance/fhir/Patient/p");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(healthTime(server), std::chrono::milliseconds(1000));
  EXPECT_LT(healthTime(server), std::chrono::milliseconds(1000));
  EXPECT_EQ(unknown.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout) << "answered without the database";
  proxy.release();
  EXPECT_EQ(unknown.get(), 404);

  // The network thread's own connection, lost, is opened again by a worker.
  ASSERT_EQ(read(patient), 200);
  ASSERT_EQ(read(patient), 200);
  proxy.cut();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  proxy.hold();
  auto cached = std::async(std::launch::async, read, patient);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(healthTime(server), std::chrono::milliseconds(1000));
  EXPECT_LT(healthTime(server), std::chrono::milliseconds(1000));
  proxy.release();
  // The audit trail's connection was cut too, and the instance is refused (503) until its events
  // are written again: the read may have come before or after.
  const int answered = cached.get();
  EXPECT_TRUE(answered == 200 || answered == 503) << answered;
  int status = 0;
  for (int i = 0; i < 50 && (status = read(patient)) != 200; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(server.alive());
}

// A namespace key's access is remembered for a second too, and reloaded ahead while in use, so
// reads of custom data rows by key stay on the network thread however long they go on (here the
// only worker is held and its queue full: a read falling to it would be shed).
TEST(HttpProtocol, RowReadsWithABusyKeyNeverWaitForItsAccess) {
  FlintServer server({"--workers", "1", "--max-queued-requests", "1", "--reactor-threads", "1"});
  const std::string instance = createInstance("rowkey", server);
  const nlohmann::json manifest = {
      {"sdk_version", "0.203.0"}, {"plugin_version", "1.0.0"}, {"name", "rooms"}, {"description", "rows"},
      {"components", {{"handlers", nlohmann::json::array()}}}, {"tags", nlohmann::json::object()}, {"license", ""},
      {"readme", false}, {"custom_data", {{"namespace", "acme__rooms"}, {"access", "read_write"}}}};
  const nlohmann::json install = {
      {"manifest", manifest},
      {"models", nlohmann::json::parse(R"({"models":[{"name":"Room","fields":[{"name":"name","type":"text"}]}]})")}};
  auto installed = client(server).Post("/admin/instances/" + instance + "/plugins",
                                       {{"Authorization", std::string("Bearer ") + kAdminKey}}, install.dump(),
                                       "application/json");
  ASSERT_EQ(installed->status, 201) << installed->body;
  const auto keys = parseJson(installed->body)["keys"];
  const httplib::Headers writer = {{"Authorization", "Namespace " + keys["namespace_read_write_access_key"].get<std::string>()}};
  const httplib::Headers reader = {{"Authorization", "Namespace " + keys["namespace_read_access_key"].get<std::string>()}};
  const std::string rooms = "/" + instance + "/custom-data/acme__rooms/models/Room";
  auto created = client(server).Post(rooms, writer, R"({"name":"Blue"})", "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string row = rooms + "/" + std::to_string(parseJson(created->body)["dbid"].get<long long>());
  // The first read is a worker's, which remembers the key's access; the second opens the network
  // thread's connection (by a worker too), before the worker is held.
  ASSERT_EQ(client(server).Get(row, reader)->status, 200);
  ASSERT_EQ(client(server).Get(row, reader)->status, 200);
  HeldLock held(databaseUrl(), schemaOf(instance) + ".search_string", "ACCESS EXCLUSIVE");
  std::future<int> first, second;
  auto statuses = statusesOfReadsKeptInUse(server, row, reader, [&] {
    std::tie(first, second) = occupyTheWorkerAndItsQueue(server, instance);
    EXPECT_EQ(searchStatus(server, instance, "c"), 503) << "the worker is not held";
  });
  EXPECT_EQ(statuses.size(), 1u) << "answers other than 200: " << ::testing::PrintToString(statuses);
  EXPECT_GT(statuses[200], 50);

  held.release();
  EXPECT_EQ(first.get(), 200);
  EXPECT_EQ(second.get(), 200);
  EXPECT_EQ(counter(server, "flint_reads_waiting"), 0) << "every row read admitted was answered";
}

namespace {

// Reads by id sent `spacing` apart, each on a connection opened beforehand, while the database
// is held; it is released 300 ms after the last. What each was answered, whether before the
// release, and when it was sent.
struct HeldRead {
  int status = 0;
  bool answeredHeld = false;
  std::chrono::milliseconds sent{};  // after the first
  std::string retryAfter, connection, body;
};
std::vector<HeldRead> readsWhileHeld(FlintServer& server, StallingProxy& proxy, const std::vector<std::string>& paths,
                                     std::chrono::milliseconds spacing, const std::function<void()>& beforeRelease = {}) {
  const int count = static_cast<int>(paths.size());
  std::vector<httplib::Client> clients;
  for (int i = 0; i < count; ++i) {
    clients.push_back(client(server));
    clients.back().set_read_timeout(30);
    auto health = clients.back().Get("/health");
    EXPECT_TRUE(health && health->status == 200) << (health ? health->body : httplib::to_string(health.error()));
  }
  std::vector<HeldRead> reads(count);
  std::atomic<bool> released{false};
  std::vector<std::thread> senders;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i)
    senders.emplace_back([&, i] {
      std::this_thread::sleep_until(start + i * spacing);
      reads[i].sent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      auto res = clients[i].Get(paths[i]);
      reads[i].answeredHeld = !released;
      if (!res) return;
      reads[i].status = res->status;
      reads[i].retryAfter = res->get_header_value("Retry-After");
      reads[i].connection = res->get_header_value("Connection");
      reads[i].body = res->body;
    });
  std::this_thread::sleep_until(start + count * spacing + std::chrono::milliseconds(300));
  if (beforeRelease) beforeRelease();
  released = true;
  proxy.release();
  for (auto& t : senders) t.join();
  return reads;
}

// Readies `patient`'s server for reads while its database is held. Unused for 2 s, the instance is
// no longer reloaded ahead and has expired; the first read reloads it (on a worker), so that the
// reads that follow stay on the network thread for a second although the held database holds the
// cache's reload too. The second opens the network thread's connection.
void prepareForHeldReads(FlintServer& server, const std::string& patient) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  ASSERT_EQ(readStatus(server, patient), 200);
  ASSERT_EQ(readStatus(server, patient), 200);
}

// How many of `reads` were shed; each read not answered 200 must have been shed (503) at once,
// while the database was still held.
int shedWhileHeld(const std::vector<HeldRead>& reads) {
  int shed = 0;
  for (size_t i = 0; i < reads.size(); ++i) {
    const auto& r = reads[i];
    if (r.status == 200) continue;
    ++shed;
    EXPECT_EQ(r.status, 503) << i << ": " << r.body;
    EXPECT_TRUE(r.answeredHeld) << i << ": a shed read is told at once, not once the database answers";
  }
  return shed;
}

}  // namespace

// The admission settings refuse what is not a positive number of milliseconds, by flag or by
// environment, and the flag they replaced is refused rather than ignored.
TEST(HttpProtocol, ReadAdmissionSettingsAreChecked) {
  std::string out;
  for (const char* flag : {"--read-overload-after-ms", "--read-wait-target-ms"})
    for (const char* value : {"0", "-5", "abc", ""}) {
      EXPECT_EQ(runFlint({"serve", flag, value}, &out), 2) << flag << " " << value;
      EXPECT_NE(out.find(std::string(flag) + " must be a positive whole number"), std::string::npos) << out;
    }
  setenv("FLINT_READ_OVERLOAD_AFTER_MS", "abc", 1);
  EXPECT_EQ(runFlint({"serve"}, &out), 2);
  unsetenv("FLINT_READ_OVERLOAD_AFTER_MS");
  EXPECT_NE(out.find("--read-overload-after-ms must be a positive whole number, not 'abc'"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"serve", "--max-read-wait-ms", "50"}, &out), 2);
  EXPECT_NE(out.find("unknown command or argument"), std::string::npos) << out;
}

// Overload on reads by id. A read that meets a backlog alone (a held database, a paused machine)
// waits it out: shedding it would spare no one a wait. Once reads one after another have waited
// beyond --read-wait-target-ms for --read-overload-after-ms, the server is overloaded: the reads
// that follow are answered 503 at once (Retry-After, an OperationOutcome, the connection kept)
// rather than joining the backlog, for as long as they keep coming beyond the target; those
// accepted before are answered once it clears.
TEST(HttpProtocol, ReadsStandingInABackloggedQueueAreShedAtOnce) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "20",
                      "--read-overload-after-ms", "100"});
  const std::string patient = createPatient("backlog", server);
  auto read = [&server, &patient] { return readStatus(server, patient); };
  prepareForHeldReads(server, patient);
  proxy.hold();
  auto ahead = std::async(std::launch::async, read);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto alone = std::async(std::launch::async, read);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto reads = readsWhileHeld(server, proxy, std::vector<std::string>(40, patient), std::chrono::milliseconds(5));
  EXPECT_EQ(ahead.get(), 200);
  EXPECT_EQ(alone.get(), 200) << "a read that met the backlog alone waits it out";

  EXPECT_EQ(reads.front().status, 200) << "the first of a burst waits";
  EXPECT_FALSE(reads.front().answeredHeld);
  int shed = 0;
  size_t firstShed = reads.size();
  for (size_t i = 0; i < reads.size(); ++i) {
    const auto& r = reads[i];
    if (r.status == 200) {
      EXPECT_FALSE(r.answeredHeld) << i << ": answered without the database";
      // Sent 20 ms after one that was shed (the threads sending them may not keep their order).
      EXPECT_LT(i, firstShed + 4) << i << ": accepted well after the overload began";
      continue;
    }
    firstShed = std::min(firstShed, i);
    ++shed;
    EXPECT_EQ(r.status, 503) << i << ": " << r.body;
    EXPECT_TRUE(r.answeredHeld) << i << ": a shed read is told at once, not after the backlog";
    EXPECT_EQ(r.retryAfter, "1");
    EXPECT_NE(r.connection, "close");
    const auto outcome = parseJson(r.body);
    EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
    EXPECT_EQ(outcome["issue"][0]["code"], "transient");
  }
  // 200 ms of reads, 100 ms of which may wait: about half are shed.
  EXPECT_GE(shed, 5);
  EXPECT_LE(shed, 35);
  EXPECT_EQ(read(), 200) << "served again once the backlog clears";
  EXPECT_TRUE(server.alive());
}

// Reads that wait for the network thread's connection to open (here the database takes the
// connection and never answers) wait as long as it has been opening: once they have stood beyond
// the target for --read-overload-after-ms the later ones are shed, not all held until it opens.
TEST(HttpProtocol, ReadsWaitingForTheirConnectionToOpenAreShedOnceTheyStandInAQueue) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "20",
                      "--read-overload-after-ms", "100"});
  // Written by a worker, which leaves the instance cached and the network thread's connection unopened.
  const std::string patient = createPatient("opening", server);
  proxy.hold();
  const auto reads = readsWhileHeld(server, proxy, std::vector<std::string>(40, patient), std::chrono::milliseconds(5));
  EXPECT_EQ(reads.front().status, 200) << "the first waits for the connection";
  const int shed = shedWhileHeld(reads);
  // 200 ms of reads, 120 ms of which may wait: about a third are shed.
  EXPECT_GE(shed, 5);
  EXPECT_EQ(readStatus(server, patient), 200) << "served once the connection opens";
  EXPECT_TRUE(server.alive());
}

// Reads that arrive while the network thread's connection has two statements in flight wait for
// one of them and then go out together, up to 64 in a statement: under load a statement carries
// many reads instead of each read costing one, and the database keeps up with more, while no
// statement's answers hold the network thread for long.
TEST(HttpProtocol, ReadsArrivingWhileStatementsAreInFlightGoOutTogether) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "10000",
                      "--read-overload-after-ms", "10000"});
  const std::string patient = createPatient("together", server);
  ASSERT_EQ(readStatus(server, patient), 200) << "opens the network thread's connection";
  const double statements = counter(server, "flint_read_statements_total");
  const double reads = counter(server, "flint_reads_fetched_total");
  ASSERT_GE(statements, 1);
  proxy.hold();
  const auto held = readsWhileHeld(server, proxy, std::vector<std::string>(100, patient), std::chrono::milliseconds(5));
  for (size_t i = 0; i < held.size(); ++i) {
    EXPECT_EQ(held[i].status, 200) << i << ": " << held[i].body;
    EXPECT_FALSE(held[i].answeredHeld) << i;
  }
  EXPECT_EQ(counter(server, "flint_reads_fetched_total") - reads, 100);
  EXPECT_EQ(counter(server, "flint_read_statements_total") - statements, 4)
      << "two in flight, then the 98 that waited for them in two of at most 64";
}

// Reads fed faster than they are served: here a read a millisecond while the database is held.
// Once they have stood beyond the target for a fifth of --read-overload-after-ms (200 ms) and the
// reads waiting have grown by 64 meanwhile, clients that each wait for their answer cannot be
// what feeds the queue, and the server sheds without waiting out the whole second: the reads
// admitted meanwhile would all be answered late. When the database answers, every read admitted
// has been answered and none is counted as waiting.
TEST(HttpProtocol, AQueueFedFasterThanItIsServedIsShedBeforeTheWholeOverloadInterval) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "20",
                      "--read-overload-after-ms", "1000"});
  const std::string patient = createPatient("growing", server);
  prepareForHeldReads(server, patient);
  proxy.hold();
  const auto reads = readsWhileHeld(server, proxy, std::vector<std::string>(400, patient), std::chrono::milliseconds(1));
  int shedAtOnce = 0;
  for (size_t i = 0; i < reads.size(); ++i) {
    const auto& r = reads[i];
    if (r.status == 200) continue;
    EXPECT_EQ(r.status, 503) << i << ": " << r.body;
    if (!r.answeredHeld) continue;
    ++shedAtOnce;
    // The reads of the first 220 ms are a burst whatever the queue (20 ms to wait beyond the
    // target, 200 to stand so); 70 ms to spare for a busy machine.
    EXPECT_GE(r.sent.count(), 150) << i << ": shed before the queue had stood beyond the target for 200 ms";
  }
  EXPECT_GE(shedAtOnce, 50) << "the reads sent from about 220 ms on, shed at once";
  EXPECT_EQ(readStatus(server, patient), 200) << "served again once the backlog clears";
  EXPECT_EQ(counter(server, "flint_reads_waiting"), 0) << "every admitted read was answered";
}

// The database drops the network thread's connection while reads wait for one of its two
// statements: those two fail (503), and the reads kept for a slot go out on the next connection
// once the database answers again (200). None is left unanswered.
TEST(HttpProtocol, ReadsKeptForASlotAreAnsweredWhenTheConnectionDrops) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "10000",
                      "--read-overload-after-ms", "10000"});
  const std::string patient = createPatient("dropped", server);
  ASSERT_EQ(readStatus(server, patient), 200) << "opens the network thread's connection";
  proxy.hold();
  const auto reads = readsWhileHeld(server, proxy, std::vector<std::string>(10, patient), std::chrono::milliseconds(5), [&] {
    proxy.cut();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  });
  int answered = 0, failed = 0;
  for (size_t i = 0; i < reads.size(); ++i) {
    if (reads[i].status == 200) {
      ++answered;
      EXPECT_FALSE(reads[i].answeredHeld) << i << ": answered without the database";
    } else {
      ++failed;
      EXPECT_EQ(reads[i].status, 503) << i << ": " << reads[i].body;
    }
  }
  EXPECT_EQ(failed, 2) << "the two statements in flight when the connection dropped";
  EXPECT_EQ(answered, 8) << "the reads kept for a slot, sent again on a new connection";
  // The cut also failed the audit trail's write, so the instance is refused (503) until its retry.
  int status = 0;
  for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
    status = readStatus(server, patient);
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200) << "served again once the trail is written";
  EXPECT_TRUE(server.alive());
}

// Reads of an instance this process has not cached (the first after a restart, or after the
// instance was idle) wait for one lookup of it by a worker, not each for a worker of its own:
// here the only worker has a queue of one, and the lookup is held with the database, so reads
// handed to the workers one by one would nearly all be shed. Then an unknown instance is still 404.
TEST(HttpProtocol, ReadsOfAnUncachedInstanceWaitForOneLookup) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--workers", "1", "--max-queued-requests", "1",
                      "--reactor-threads", "1"});
  const std::string patient = createPatient("uncached", server);
  ASSERT_EQ(readStatus(server, patient), 200) << "opens the network thread's connection";
  // Unused for 2 s, the instance is no longer reloaded ahead and has expired.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  proxy.hold();
  const auto reads = readsWhileHeld(server, proxy, std::vector<std::string>(30, patient), std::chrono::milliseconds(1));
  for (size_t i = 0; i < reads.size(); ++i) {
    EXPECT_EQ(reads[i].status, 200) << i << ": " << reads[i].body;
    EXPECT_FALSE(reads[i].answeredHeld) << i << ": answered without the database";
  }
  EXPECT_EQ(readStatus(server, "/nosuchinstance/fhir/Patient/p"), 404);
  EXPECT_EQ(readStatus(server, "/nosuchinstance/fhir/Patient/p"), 404) << "known to be none";
  EXPECT_TRUE(server.alive());
}

// Reads kept for a statement slot are judged again as the slot frees. Here the database is held
// while reads come every 5 ms: the first two go out, the next are kept (accepted while the wait
// may still be a burst, for --read-overload-after-ms), and the rest are shed at once. When the
// database answers, the server is still shedding, and the kept reads, which have by then waited
// far beyond the target, are answered 503 rather than sent: sent, they would take the place of
// reads that have not waited. No statement goes out after the two in flight.
TEST(HttpProtocol, KeptReadsThatWaitedBeyondTheTargetAreShedWhenTheirSlotFrees) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "20",
                      "--read-overload-after-ms", "400"});
  const std::string patient = createPatient("stale", server);
  prepareForHeldReads(server, patient);
  const double statements = counter(server, "flint_read_statements_total");
  proxy.hold();
  // 500 ms of reads, released 300 ms after the last: the overload began about 340 ms in (64
  // reads had joined the queue since it stood beyond the target, 20 ms in), and lasts until 400 ms
  // after the last read shed.
  const auto reads = readsWhileHeld(server, proxy, std::vector<std::string>(100, patient), std::chrono::milliseconds(5));
  int answered = 0, shedAtOnce = 0, shedAsTheSlotFreed = 0;
  for (size_t i = 0; i < reads.size(); ++i) {
    const auto& r = reads[i];
    if (r.status == 200) {
      ++answered;
      EXPECT_FALSE(r.answeredHeld) << i << ": answered without the database";
      continue;
    }
    EXPECT_EQ(r.status, 503) << i << ": " << r.body;
    EXPECT_EQ(r.retryAfter, "1") << i;
    EXPECT_EQ(parseJson(r.body)["issue"][0]["code"], "transient") << i;
    ++(r.answeredHeld ? shedAtOnce : shedAsTheSlotFreed);
  }
  // Two statements carry two reads, or more when the senders bunch on a busy machine.
  EXPECT_EQ(counter(server, "flint_read_statements_total") - statements, 2) << "no kept read went out";
  EXPECT_GE(answered, 2);
  EXPECT_GE(shedAsTheSlotFreed, 40) << "kept while the wait could still be a burst, then shed";
  EXPECT_GE(shedAtOnce, 5) << "arrived once the server was shedding";
  EXPECT_EQ(readStatus(server, patient), 200) << "a read that has not waited is answered";
  EXPECT_TRUE(server.alive());
}

// Reads of two instances that wait behind the same connection go out merged per instance: each is
// answered from its own instance's data, never the other's.
TEST(HttpProtocol, ReadsOfTwoInstancesWaitingTogetherAreEachAnsweredFromTheirOwn) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "10000",
                      "--read-overload-after-ms", "10000"});
  std::vector<std::string> instances, patients;
  for (const char* prefix : {"north", "south"}) {
    instances.push_back(createInstance(prefix, server));
    patients.push_back("/" + instances.back() + "/fhir/Patient/p");
    auto put = client(server).Put(patients.back(),
                                  R"({"resourceType":"Patient","id":"p","name":[{"family":")" + instances.back() + R"("}]})",
                                  "application/fhir+json");
    ASSERT_TRUE(put && put->status == 201) << (put ? put->body : httplib::to_string(put.error()));
    ASSERT_EQ(readStatus(server, patients.back()), 200);
  }
  const double statements = counter(server, "flint_read_statements_total");
  proxy.hold();
  std::vector<std::string> paths;
  for (int i = 0; i < 12; ++i) paths.push_back(patients[i % 2]);
  const auto reads = readsWhileHeld(server, proxy, paths, std::chrono::milliseconds(5));
  for (size_t i = 0; i < reads.size(); ++i) {
    ASSERT_EQ(reads[i].status, 200) << i << ": " << reads[i].body;
    EXPECT_EQ(parseJson(reads[i].body)["name"][0]["family"], instances[i % 2]) << i;
  }
  EXPECT_EQ(counter(server, "flint_read_statements_total") - statements, 4)
      << "two in flight, then one for each instance's reads that waited";
}

// A server short of CPU takes the reads queued in its sockets in batches far apart (here it is
// stopped for 40 ms at a time), although they arrived 5 ms apart. Those gaps are the queue
// standing, not served: once the reads have waited beyond the target for --read-overload-after-ms
// the later ones are shed, as when they are taken as they come.
TEST(HttpProtocol, ReadsTakenInBatchesFarApartAreShedOnceTheyStandInAQueue) {
  StallingProxy proxy(databaseUrl());
  FlintServer server({"--database-url", proxy.url(), "--reactor-threads", "1", "--read-wait-target-ms", "20",
                      "--read-overload-after-ms", "100"});
  const std::string patient = createPatient("batches", server);
  prepareForHeldReads(server, patient);
  proxy.hold();
  std::atomic<bool> starving{true};
  std::thread starver([&] {
    while (starving) {
      kill(server.pid(), SIGSTOP);
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      kill(server.pid(), SIGCONT);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  const auto reads = readsWhileHeld(server, proxy, std::vector<std::string>(60, patient), std::chrono::milliseconds(5));
  starving = false;
  starver.join();
  const int shed = shedWhileHeld(reads);
  // 300 ms of reads, 100 ms of which may wait, taken 43 ms apart: two thirds are shed.
  EXPECT_GE(shed, 20);
  EXPECT_EQ(readStatus(server, patient), 200) << "served again once the backlog clears";
  EXPECT_TRUE(server.alive());
}

