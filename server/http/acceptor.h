// Takes client connections off the listening socket for the network threads, on a thread of its
// own, and hands them to the network threads in turn. At the connection bound it stops taking
// them: those beyond wait in the kernel's listen queue until a place frees, and any still waiting
// after kFullWait are closed (the kernel, its queue full, drops new ones' SYNs, and their clients
// retry at TCP's backoff). Closing each at once instead made clients that reconnect as soon as
// they are refused (a flood, a retry storm) cycle through the server as fast as it could refuse
// them, an accept and a close each on the network threads' core; Pistache's own acceptor did so,
// took one connection a wake-up, and spun on a failing accept() once descriptors ran out.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <pistache/peer.h>
#include <pistache/reactor.h>
#include <sys/socket.h>

namespace flint::http {

// The descriptor a connection's answers are written through (Connection): a duplicate of its
// socket, made when the connection is accepted and taken, once, by the network thread it goes to.
// Only the accepting thread takes descriptors for connections: a network thread taking its own
// raced the spare (the number let go to accept a connection for closing went to the network
// thread's duplicate instead, and the connection waited unanswered until another closed).
int takeWriteDescriptor(Pistache::Tcp::Peer& peer);

class Acceptor {
 public:
  // How long a connection waits beyond the bound for a place before it is closed, at most.
  static constexpr std::chrono::milliseconds kFullWait{1000};

  // Binds host:port (port 0: the system picks one) and listens with `backlog`.
  Acceptor(const std::string& host, uint16_t port, int backlog);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  uint16_t port() const;
  // Runs `threads` network threads, each with a clone of `transport` (a Pistache::Tcp::Transport),
  // and the accepting thread. At most `maxConnections` client connections are open at once (0: no
  // bound), counted in serverFigures() from when they are accepted to when a network thread lets
  // them go.
  void start(size_t threads, const std::shared_ptr<Pistache::Aio::Handler>& transport, size_t maxConnections);
  void stop();

 private:
  void run();
  // The next connection waiting (nullptr: its address unwanted), or -1 when none is, or none can
  // be taken for want of descriptors (the one waiting is then closed with the spare's).
  int acceptOne(sockaddr_storage* address);
  // Takes the connections waiting while there is room; false once the bound is reached.
  bool acceptWithinBound();
  // Closes every connection still waiting.
  void refuseWaiting();
  void refuseWithSpare();
  void watchListener(bool on);

  int listenFd_ = -1;
  int stopFd_ = -1;
  int epollFd_ = -1;
  // Kept open so that when the descriptors run out, one can be freed to accept and close a waiting
  // connection, which otherwise stays queued, and its listening socket readable, for good.
  int spareFd_ = -1;
  size_t maxConnections_ = 0;
  bool full_ = false;  // at the bound: the listening socket unwatched
  Pistache::Aio::Reactor reactor_;
  std::vector<std::shared_ptr<Pistache::Aio::Handler>> transports_;
  size_t next_ = 0;
  std::thread thread_;
  bool running_ = false;
};

}  // namespace flint::http
