#include "server/http/acceptor.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pistache/net.h>
#include <pistache/peer.h>
#include <pistache/transport.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "server/http/server_figures.h"

namespace flint::http {
namespace {

// When the descriptors have run out and the spare cannot be had back, how long the accepting
// thread waits before it tries the listening socket again, rather than spin on it.
constexpr int kOutOfDescriptorsPauseMs = 50;
// At the bound, how often the accepting thread looks whether a connection has ended.
constexpr std::chrono::milliseconds kFullPoll{10};
// Under this name a peer carries its write descriptor until the network thread takes it.
constexpr const char* kWriteDescriptor = "flint.write-descriptor";

struct OwnedDescriptor {
  explicit OwnedDescriptor(int descriptor) : fd(descriptor) {}
  OwnedDescriptor(const OwnedDescriptor&) = delete;
  OwnedDescriptor& operator=(const OwnedDescriptor&) = delete;
  ~OwnedDescriptor() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

int listenOn(std::string host, uint16_t port, int backlog) {
  // An IPv6 address comes in brackets, as in --listen [::1]:8080.
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    throw std::runtime_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Accepted connections inherit it.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, backlog) != 0) {
      const int error = errno;
      ::close(fd);
      fd = -1;
      errno = error;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) fail("cannot listen on " + host + ":" + service);
  return fd;
}

}  // namespace

int takeWriteDescriptor(Pistache::Tcp::Peer& peer) {
  auto owned = std::static_pointer_cast<OwnedDescriptor>(peer.tryGetData(kWriteDescriptor));
  return owned ? std::exchange(owned->fd, -1) : -1;
}

Acceptor::Acceptor(const std::string& host, uint16_t port, int backlog) : listenFd_(listenOn(host, port, backlog)) {}

Acceptor::~Acceptor() {
  stop();
  if (listenFd_ >= 0) ::close(listenFd_);
}

uint16_t Acceptor::port() const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

void Acceptor::start(size_t threads, const std::shared_ptr<Pistache::Aio::Handler>& transport, size_t maxConnections) {
  maxConnections_ = maxConnections;
  reactor_.init(Pistache::Aio::AsyncContext(threads));
  transports_ = reactor_.handlers(reactor_.addHandler(transport));
  reactor_.run();
  stopFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
  spareFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (stopFd_ < 0 || epollFd_ < 0) fail("cannot start accepting");
  for (const int fd : {listenFd_, stopFd_}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) fail("cannot watch the listening socket");
  }
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void Acceptor::stop() {
  if (!running_) return;
  running_ = false;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stopFd_, &one, sizeof one);
  thread_.join();
  reactor_.shutdown();
  transports_.clear();
  for (int* fd : {&stopFd_, &epollFd_, &spareFd_})
    if (*fd >= 0) ::close(std::exchange(*fd, -1));
}

void Acceptor::run() {
  auto sweptAt = std::chrono::steady_clock::now();
  for (;;) {
    epoll_event events[2];
    // At the bound, whether a place has freed is looked at every kFullPoll.
    const int n = ::epoll_wait(epollFd_, events, 2, full_ ? static_cast<int>(kFullPoll.count()) : -1);
    for (int i = 0; i < n; ++i)
      if (events[i].data.fd == stopFd_) return;
    const bool wasFull = full_;
    full_ = !acceptWithinBound();
    if (full_ != wasFull) watchListener(!full_);
    if (!full_) continue;
    // Those waiting are closed a second after the bound was reached, then every second.
    const auto now = std::chrono::steady_clock::now();
    if (!wasFull) {
      sweptAt = now;
    } else if (now - sweptAt >= kFullWait) {
      refuseWaiting();
      sweptAt = now;
    }
  }
}

int Acceptor::acceptOne(sockaddr_storage* address) {
  for (;;) {
    socklen_t length = sizeof *address;
    const int fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(address), address ? &length : nullptr,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) refuseWithSpare();
    return -1;
  }
}

bool Acceptor::acceptWithinBound() {
  auto& figures = serverFigures();
  for (;;) {
    if (maxConnections_ != 0 && figures.connections.load() >= static_cast<int64_t>(maxConnections_)) return false;
    sockaddr_storage address{};
    const int fd = acceptOne(&address);
    if (fd < 0) return true;
    const int writeFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (writeFd < 0) {
      // Out of descriptors: closing it refuses it, and frees one for the next waiting.
      ++figures.connectionsRefused;
      ::close(fd);
      continue;
    }
    ++figures.connections;
    auto peer = Pistache::Tcp::Peer::Create(fd, Pistache::Address::fromUnix(reinterpret_cast<sockaddr*>(&address)));
    peer->putData(kWriteDescriptor, std::make_shared<OwnedDescriptor>(writeFd));
    std::static_pointer_cast<Pistache::Tcp::Transport>(transports_[next_++ % transports_.size()])->handleNewPeer(peer);
  }
}

void Acceptor::refuseWaiting() {
  for (int fd; (fd = acceptOne(nullptr)) >= 0;) {
    ++serverFigures().connectionsRefused;
    ::close(fd);
  }
}

void Acceptor::watchListener(bool on) {
  epoll_event event{};
  event.events = on ? static_cast<uint32_t>(EPOLLIN) : 0u;
  event.data.fd = listenFd_;
  ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, listenFd_, &event);
}

void Acceptor::refuseWithSpare() {
  if (spareFd_ >= 0) {
    ::close(spareFd_);
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      ++serverFigures().connectionsRefused;
      ::close(fd);
    }
  } else {
    ::usleep(kOutOfDescriptorsPauseMs * 1000);
  }
  spareFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

}  // namespace flint::http
