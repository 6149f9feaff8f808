#include "tests/support/stalling_proxy.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace flint::testing {
namespace {

std::string keyword(const std::string& url, const std::string& name) {
  const size_t at = url.find(name + "=");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 1;
  return url.substr(start, url.find(' ', start) - start);
}

sockaddr_un socketAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) throw std::runtime_error("socket path too long: " + path);
  std::strcpy(address.sun_path, path.c_str());
  return address;
}

// Copies what `from` has to `to`; false once either side is done.
bool forward(int from, int to) {
  char buffer[65536];
  const ssize_t n = ::read(from, buffer, sizeof buffer);
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t w = ::write(to, buffer + sent, size_t(n - sent));
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

}  // namespace

StallingProxy::StallingProxy(const std::string& targetUrl) {
  const std::string host = keyword(targetUrl, "host"), port = keyword(targetUrl, "port");
  if (host.empty() || host[0] != '/' || port.empty()) throw std::runtime_error("not a socket URL: " + targetUrl);
  targetSocket_ = host + "/.s.PGSQL." + port;
  char pattern[] = "/tmp/flint-proxy.XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  url_ = targetUrl;
  url_.replace(url_.find("host=") + 5, host.size(), directory_);
  listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto address = socketAddress(directory_ + "/.s.PGSQL." + port);
  if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 128) != 0 || ::pipe(wake_) != 0)
    throw std::runtime_error("the proxy cannot listen in " + directory_);
  thread_ = std::thread([this] { run(); });
}

StallingProxy::~StallingProxy() {
  stopping_ = true;
  wake();
  thread_.join();
  for (auto& p : pairs_) {
    ::close(p.client);
    if (p.server >= 0) ::close(p.server);
  }
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  std::filesystem::remove_all(directory_);
}

void StallingProxy::hold() {
  std::lock_guard lock(mutex_);
  held_ = true;
  wake();
}

void StallingProxy::release() {
  std::lock_guard lock(mutex_);
  held_ = false;
  wake();
}

void StallingProxy::cut() {
  std::lock_guard lock(mutex_);
  cutting_ = true;
  wake();
}

void StallingProxy::wake() {
  const char byte = 0;
  [[maybe_unused]] auto written = ::write(wake_[1], &byte, 1);
}

bool StallingProxy::connectUpstream(Pair& pair) const {
  pair.server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto address = socketAddress(targetSocket_);
  return ::connect(pair.server, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

void StallingProxy::run() {
  while (!stopping_) {
    bool held;
    {
      std::lock_guard lock(mutex_);
      held = held_;
      if (cutting_) {
        for (auto& p : pairs_) {
          ::close(p.client);
          if (p.server >= 0) ::close(p.server);
        }
        pairs_.clear();
        cutting_ = false;
      }
    }
    std::vector<Pair> kept;
    for (auto& p : pairs_) {
      if (!held && p.server < 0 && !connectUpstream(p)) {
        ::close(p.client);
        ::close(p.server);
        continue;
      }
      kept.push_back(p);
    }
    pairs_ = std::move(kept);
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    if (!held)
      for (const auto& p : pairs_) {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.server, POLLIN, 0});
      }
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents != 0) {
      char drained[64];
      [[maybe_unused]] auto n = ::read(wake_[0], drained, sizeof drained);
    }
    std::vector<Pair> open;
    for (size_t i = 0; !held && i < pairs_.size(); ++i) {
      const auto& c = fds[2 + 2 * i];
      const auto& s = fds[3 + 2 * i];
      const bool ok = (!(c.revents & (POLLIN | POLLHUP | POLLERR)) || forward(pairs_[i].client, pairs_[i].server)) &&
                      (!(s.revents & (POLLIN | POLLHUP | POLLERR)) || forward(pairs_[i].server, pairs_[i].client));
      if (ok) {
        open.push_back(pairs_[i]);
      } else {
        ::close(pairs_[i].client);
        ::close(pairs_[i].server);
      }
    }
    if (!held) pairs_ = std::move(open);
    // Taken even while held: a connection attempt succeeds and then hears nothing.
    if (fds[1].revents & POLLIN) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) pairs_.push_back({client, -1});
    }
  }
}

}  // namespace flint::testing
