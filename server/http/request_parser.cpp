#include "server/http/request_parser.h"

#include <algorithm>
#include <cctype>

#include "core/url/query_string.h"

namespace flint::http {
namespace {

RequestParser* self(http_parser* p) { return static_cast<RequestParser*>(p->data); }

void splitTarget(HttpRequest& req) {
  std::string_view target = req.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (path.empty() || path.front() != '/') {
    req.rejectStatus = 400;
    req.rejectReason = "the request target must be an absolute path";
    return;
  }
  path.remove_prefix(1);
  while (!path.empty()) {
    size_t slash = path.find('/');
    auto segment = url::decodeSegment(path.substr(0, slash));
    if (!segment) {
      req.rejectStatus = 400;
      req.rejectReason = "malformed percent-encoding in the path";
      return;
    }
    req.segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) req.segments.emplace_back();
  }
  if (q != std::string_view::npos) {
    auto query = url::parseQuery(target.substr(q + 1));
    if (!query) {
      req.rejectStatus = 400;
      req.rejectReason = "malformed query string";
      return;
    }
    req.query = std::move(*query);
  }
}

}  // namespace

RequestParser::RequestParser(size_t maxBodyBytes) : maxBodyBytes_(maxBodyBytes) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = onMessageBegin;
  settings_.on_url = onUrl;
  settings_.on_header_field = onHeaderField;
  settings_.on_header_value = onHeaderValue;
  settings_.on_headers_complete = onHeadersComplete;
  settings_.on_body = onBody;
  settings_.on_message_complete = onMessageComplete;
}

void RequestParser::fail(int status, std::string reason) {
  if (errorStatus_ == 0) {
    errorStatus_ = status;
    errorReason_ = std::move(reason);
  }
}

bool RequestParser::feed(const char* data, size_t len, std::deque<HttpRequest>& ready) {
  if (errorStatus_ != 0) return false;
  ready_ = &ready;
  size_t parsed = http_parser_execute(&parser_, &settings_, data, len);
  ready_ = nullptr;
  if (errorStatus_ != 0) return false;
  if (parser_.http_errno != HPE_OK || parsed != len) {
    auto err = static_cast<http_errno>(parser_.http_errno);
    if (err == HPE_HEADER_OVERFLOW) fail(431, "request headers too large");
    else fail(400, std::string("malformed HTTP request: ") + http_errno_description(err));
    return false;
  }
  return true;
}

bool RequestParser::takeExpectContinue() {
  bool e = expectContinue_;
  expectContinue_ = false;
  return e;
}

int RequestParser::onMessageBegin(http_parser* p) {
  auto* s = self(p);
  s->current_ = HttpRequest();
  s->field_.clear();
  s->value_.clear();
  s->inValue_ = false;
  s->receiving_ = true;
  s->headersReceived_ = false;
  return 0;
}

int RequestParser::onUrl(http_parser* p, const char* at, size_t len) {
  auto* s = self(p);
  s->current_.target.append(at, len);
  if (s->current_.target.size() > 64 * 1024) {
    s->fail(414, "request target too long");
    return 1;
  }
  return 0;
}

void RequestParser::finishHeader() {
  if (!inValue_) return;
  std::transform(field_.begin(), field_.end(), field_.begin(), [](unsigned char c) { return std::tolower(c); });
  current_.headers.emplace_back(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
  inValue_ = false;
}

int RequestParser::onHeaderField(http_parser* p, const char* at, size_t len) {
  auto* s = self(p);
  s->finishHeader();
  s->field_.append(at, len);
  return 0;
}

int RequestParser::onHeaderValue(http_parser* p, const char* at, size_t len) {
  auto* s = self(p);
  s->inValue_ = true;
  s->value_.append(at, len);
  return 0;
}

int RequestParser::onHeadersComplete(http_parser* p) {
  auto* s = self(p);
  s->finishHeader();
  s->headersReceived_ = true;
  s->current_.method = http_method_str(static_cast<http_method>(p->method));
  s->current_.keepAlive = http_should_keep_alive(p) != 0;
  // From this callback 1 would mean "no body"; any other non-zero value stops the parser.
  if (p->http_major != 1) {
    s->fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
    return -1;
  }
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > s->maxBodyBytes_) {
    s->fail(413, "request body exceeds " + std::to_string(s->maxBodyBytes_) + " bytes");
    return -1;
  }
  std::string_view expect = s->current_.header("expect");
  if (expect.size() == 12 && std::equal(expect.begin(), expect.end(), "100-continue", [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
      }))
    s->expectContinue_ = true;
  return 0;
}

int RequestParser::onBody(http_parser* p, const char* at, size_t len) {
  auto* s = self(p);
  if (s->current_.body.size() + len > s->maxBodyBytes_) {
    s->fail(413, "request body exceeds " + std::to_string(s->maxBodyBytes_) + " bytes");
    return 1;
  }
  s->current_.body.append(at, len);
  return 0;
}

int RequestParser::onMessageComplete(http_parser* p) {
  auto* s = self(p);
  s->expectContinue_ = false;
  s->receiving_ = false;
  splitTarget(s->current_);
  assignRequestId(s->current_);
  s->ready_->push_back(std::move(s->current_));
  s->current_ = HttpRequest();
  return 0;
}

}  // namespace flint::http
