// Incremental HTTP/1.1 request parsing (libhttp-parser) for one connection: bytes in, complete
// requests out, in order, including pipelined ones. Enforces the header and body size limits.
#pragma once

#include <http_parser.h>

#include <deque>
#include <string>

#include "server/http/http_request.h"

namespace flint::http {

class RequestParser {
 public:
  explicit RequestParser(size_t maxBodyBytes);

  // Consumes bytes; complete requests are appended to `ready`. Returns false once the stream is
  // unusable; error() then holds the status (400, 413, 431) and reason to answer with.
  bool feed(const char* data, size_t len, std::deque<HttpRequest>& ready);

  int errorStatus() const { return errorStatus_; }
  const std::string& errorReason() const { return errorReason_; }
  // True after headers that carry "Expect: 100-continue" until the body arrives (the caller answers 100).
  bool takeExpectContinue();
  // A request has begun (its first byte is in) and is not complete yet.
  bool receiving() const { return receiving_; }
  // ... and its headers are all in.
  bool headersReceived() const { return headersReceived_; }

 private:
  static int onMessageBegin(http_parser* p);
  static int onUrl(http_parser* p, const char* at, size_t len);
  static int onHeaderField(http_parser* p, const char* at, size_t len);
  static int onHeaderValue(http_parser* p, const char* at, size_t len);
  static int onHeadersComplete(http_parser* p);
  static int onBody(http_parser* p, const char* at, size_t len);
  static int onMessageComplete(http_parser* p);

  void finishHeader();
  void fail(int status, std::string reason);

  http_parser parser_;
  http_parser_settings settings_;
  size_t maxBodyBytes_;
  HttpRequest current_;
  std::string field_;
  std::string value_;
  bool inValue_ = false;
  bool expectContinue_ = false;
  bool receiving_ = false;
  bool headersReceived_ = false;
  std::deque<HttpRequest>* ready_ = nullptr;
  int errorStatus_ = 0;
  std::string errorReason_;
};

}  // namespace flint::http
