// The HTTP/1.1 layer as clients rely on it: keep-alive, pipelining, repeated query parameters,
// bodies larger than a few KB, limits and malformed requests.
#include <gtest/gtest.h>

#include "tests/support/flint_server.h"

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
