#include "tests/support/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace flint::testing {
namespace {

void say(int fd, const std::string& line) {
  const std::string out = line + "\r\n";
  (void)!::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
}

// The next CRLF-ended line from `fd` (buffered in `pending`); false when the peer is gone.
bool readLine(int fd, std::string& pending, std::string& line) {
  for (;;) {
    const size_t end = pending.find("\r\n");
    if (end != std::string::npos) {
      line = pending.substr(0, end);
      pending.erase(0, end + 2);
      return true;
    }
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending.append(buffer, size_t(n));
  }
}

std::string upper(std::string s) {
  for (auto& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string addressIn(const std::string& line) {
  const size_t open = line.find('<'), close = line.rfind('>');
  return open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
}

}  // namespace

SmtpSink::SmtpSink() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 8) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length) != 0)
    throw std::runtime_error("SMTP sink: cannot listen");
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client >= 0) serve(client);
    }
  });
}

SmtpSink::~SmtpSink() {
  stopping_ = true;
  thread_.join();
  ::close(listener_);
}

std::vector<ReceivedMail> SmtpSink::received() {
  std::lock_guard lock(mutex_);
  return received_;
}

void SmtpSink::serve(int client) {
  std::string pending, line;
  ReceivedMail mail;
  say(client, "220 sink.test ESMTP");
  while (readLine(client, pending, line)) {
    const std::string verb = upper(line.substr(0, 4));
    if (verb == "EHLO" || verb == "HELO") {
      say(client, "250 sink.test");
    } else if (verb == "MAIL") {
      mail = {};
      mail.from = addressIn(line);
      say(client, "250 OK");
    } else if (verb == "RCPT") {
      const std::string to = addressIn(line);
      if (to.rfind("refuse", 0) == 0) {
        say(client, "550 5.1.1 no such mailbox");
      } else {
        mail.to.push_back(to);
        say(client, "250 OK");
      }
    } else if (verb == "DATA") {
      say(client, "354 go ahead");
      while (readLine(client, pending, line) && line != ".")
        mail.data += (line.rfind("..", 0) == 0 ? line.substr(1) : line) + "\n";
      {
        std::lock_guard lock(mutex_);
        received_.push_back(mail);
      }
      say(client, "250 OK queued");
    } else if (verb == "QUIT") {
      say(client, "221 bye");
      break;
    } else if (verb == "RSET" || verb == "NOOP") {
      say(client, "250 OK");
    } else {
      say(client, "502 not implemented");
    }
  }
  ::close(client);
}

}  // namespace flint::testing
