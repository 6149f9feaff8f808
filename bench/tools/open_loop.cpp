// An open-loop HTTP load generator for bench/overload: requests are due at a fixed rate whatever
// the server answers (unlike wrk, whose clients wait for each answer and so slow down with the
// server), one at a time per keep-alive connection, opening another connection whenever none is
// free (up to --connections, 10000), as many independent clients would. A
// request's latency counts from when it was due, so time spent waiting for a free connection is
// not hidden, to when its answer reached the machine (the kernel's receive stamp), so the
// generator's own lag in reading answers, when its core is busy (opening thousands of connections,
// whose handshakes on loopback it pays for), is not counted as the server's. Prints, per phase,
// what was answered how and how fast, and the 100 ms windows of the phases given by --windows, and
// with --cpu N how busy core N was in each phase (the server's core when it is pinned there: what
// its answers and refusals cost), with --generator-cpu M how busy the generator's core was.
//   open_loop --port P --prefix /bench/fhir --ids FILE --phase RATE:SECONDS ... [--connections N]
//             [--windows PHASE] [--cpu N] [--generator-cpu M]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "server/http/arrival_times.h"

namespace {

using Clock = std::chrono::steady_clock;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Phase {
  double rate;
  double seconds;
};

struct Record {
  int phase;
  int64_t due;
  int64_t sent;
  int64_t done;  // when the answer reached the machine (the kernel's receive stamp)
  int64_t read;  // when the generator read it: later by the generator's own lag
  int status;  // 0: no answer (the connection failed)
  size_t connections;  // open when it was sent
};

struct Connection {
  int fd = -1;
  bool connected = false;
  bool busy = false;
  size_t record = 0;
  std::string out;
  size_t written = 0;
  std::string in;
  int64_t arrived = 0;  // the receive stamp of the latest bytes read
};

// One HTTP/1.1 response at the start of `in`: its status, its whole length and whether the
// server closes after it; length 0 while incomplete.
struct Parsed {
  int status = 0;
  size_t length = 0;
  bool close = false;
};

Parsed parseResponse(const std::string& in) {
  Parsed p;
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos || in.size() < 12) return p;
  std::string head = in.substr(0, end);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t body = 0;
  if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos) body = std::stoul(head.substr(at + 17));
  p.close = head.find("\r\nconnection: close") != std::string::npos;
  if (in.size() < end + 4 + body) return p;
  p.status = std::stoi(in.substr(9, 3));
  p.length = end + 4 + body;
  return p;
}

// Core `cpu`'s busy and total time so far, in clock ticks, from /proc/stat; none for -1.
std::pair<uint64_t, uint64_t> cpuTicks(int cpu) {
  if (cpu < 0) return {0, 0};
  std::ifstream stat("/proc/stat");
  const std::string name = "cpu" + std::to_string(cpu);
  for (std::string line; std::getline(stat, line);) {
    std::istringstream fields(line);
    std::string label;
    fields >> label;
    if (label != name) continue;
    uint64_t total = 0, idle = 0, value = 0;
    for (int i = 0; fields >> value; ++i) {
      total += value;
      if (i == 3 || i == 4) idle += value;  // idle, iowait
    }
    return {total - idle, total};
  }
  return {0, 0};
}

double percentile(std::vector<int64_t>& values, double share) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(share * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k] / 1e6;
}

class Generator {
 public:
  Generator(int port, std::vector<std::string> paths, size_t maxConnections, std::vector<int> cpus)
      : port_(port),
        cpus_(std::move(cpus)),
        paths_(std::move(paths)),
        maxConnections_(maxConnections),
        epoll_(epoll_create1(0)),
        pick_(0, paths_.size() - 1) {
    // Connections are referred to by address while events are handled.
    connections_.reserve(maxConnections);
  }

  // The records of every request, and when each phase began (then when the last ended); `busy`:
  // for each phase, the share of it each watched core was busy.
  std::vector<Record> run(const std::vector<Phase>& phases, std::vector<int64_t>& bounds,
                          std::vector<std::vector<double>>& busy) {
    std::vector<std::vector<std::pair<uint64_t, uint64_t>>> ticks;
    const auto tick = [&] {
      ticks.emplace_back();
      for (const int cpu : cpus_) ticks.back().push_back(cpuTicks(cpu));
    };
    tick();
    const int64_t start = nowNs();
    int64_t at = start;
    bounds = {start};
    for (const auto& p : phases) bounds.push_back(at += static_cast<int64_t>(p.seconds * 1e9));
    const std::vector<int64_t> phaseEnd(bounds.begin() + 1, bounds.end());
    size_t phase = 0;
    int64_t phaseStart = start;
    uint64_t issuedInPhase = 0;
    const int64_t drainUntil = phaseEnd.back() + 10'000'000'000;
    for (;;) {
      const int64_t now = nowNs();
      // Every request due by now joins the backlog, stamped with when it was due.
      while (phase < phases.size()) {
        const int64_t due = phaseStart + static_cast<int64_t>(issuedInPhase * 1e9 / phases[phase].rate);
        if (due >= phaseEnd[phase]) {
          phaseStart = phaseEnd[phase++];
          tick();
          issuedInPhase = 0;
          continue;
        }
        if (due > now) break;
        records_.push_back({static_cast<int>(phase), due, 0, 0, 0, 0, 0});
        backlog_.push_back(records_.size() - 1);
        ++issuedInPhase;
      }
      dispatch();
      if (phase == phases.size() && backlog_.empty() && inFlight_ == 0) break;
      if (now > drainUntil) break;
      epoll_event events[kEvents];
      const int n = epoll_wait(epoll_, events, kEvents, 1);
      caughtUp_ = n < kEvents;
      for (int i = 0; i < n; ++i) onEvent(connections_[events[i].data.u64], events[i].events);
    }
    for (size_t p = 0; p + 1 < ticks.size(); ++p) {
      busy.emplace_back();
      for (size_t k = 0; k < cpus_.size(); ++k) {
        const uint64_t total = ticks[p + 1][k].second - ticks[p][k].second;
        busy.back().push_back(total == 0 ? 0.0 : double(ticks[p + 1][k].first - ticks[p][k].first) / total);
      }
    }
    return records_;
  }

 private:
  void dispatch() {
    while (!backlog_.empty()) {
      Connection* c = nullptr;
      if (!idle_.empty()) {
        c = &connections_[idle_.back()];
        idle_.pop_back();
      } else if (open_ < maxConnections_ && caughtUp_) {
        c = &open();
      } else {
        return;
      }
      const size_t record = backlog_.front();
      backlog_.pop_front();
      c->busy = true;
      c->record = record;
      records_[record].connections = open_;
      c->out = "GET " + paths_[pick_(random_)] + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/fhir+json\r\n\r\n";
      c->written = 0;
      ++inFlight_;
      if (c->connected) write(*c);
    }
  }

  Connection& open() {
    size_t slot = connections_.size();
    for (size_t i = 0; i < connections_.size(); ++i)
      if (connections_[i].fd < 0) {
        slot = i;
        break;
      }
    if (slot == connections_.size()) connections_.emplace_back();
    Connection& c = connections_[slot];
    c = Connection{};
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    flint::http::stampArrivals(c.fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    event.data.u64 = slot;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event);
    ++open_;
    return c;
  }

  void write(Connection& c) {
    if (c.written == 0) records_[c.record].sent = nowNs();
    while (c.written < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EAGAIN) fail(c);
        return;
      }
      c.written += static_cast<size_t>(n);
    }
  }

  void onEvent(Connection& c, uint32_t events) {
    if (c.fd < 0) return;
    if ((events & EPOLLOUT) && !c.connected) {
      int error = 0;
      socklen_t length = sizeof error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) return fail(c);
      c.connected = true;
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.u64 = static_cast<size_t>(&c - connections_.data());
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
      if (c.busy) write(c);
    }
    if (c.fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) read(c);
  }

  void read(Connection& c) {
    char buffer[65536];
    bool ended = false;
    for (;;) {
      Clock::time_point arrived;
      const ssize_t n = flint::http::receiveStamped(c.fd, buffer, sizeof buffer, arrived);
      if (n > 0) {
        c.arrived = std::chrono::duration_cast<std::chrono::nanoseconds>(arrived.time_since_epoch()).count();
        c.in.append(buffer, static_cast<size_t>(n));
        // A short read emptied the socket: spare the call that would say so.
        if (static_cast<size_t>(n) < sizeof buffer) break;
        continue;
      }
      ended = n == 0 || errno != EAGAIN;
      break;
    }
    const Parsed p = parseResponse(c.in);
    if (p.length != 0 && c.busy) {
      Record& r = records_[c.record];
      r.read = nowNs();
      r.done = std::min(c.arrived, r.read);
      r.status = p.status;
      c.busy = false;
      --inFlight_;
      c.in.erase(0, p.length);
      if (!ended && !p.close) return idle_.push_back(static_cast<size_t>(&c - connections_.data()));
      ended = true;
    }
    if (ended) fail(c);
  }

  void fail(Connection& c) {
    if (c.busy) {
      records_[c.record].done = records_[c.record].read = nowNs();
      records_[c.record].status = 0;
      --inFlight_;
    }
    idle_.erase(std::remove(idle_.begin(), idle_.end(), static_cast<size_t>(&c - connections_.data())), idle_.end());
    close(c);
  }

  void close(Connection& c) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    c.busy = false;
    --open_;
  }

  int port_;
  // A connection whose answer has arrived is free, read or not: another is opened only once every
  // answer that has arrived has been read (the last wait brought fewer events than it could). Else
  // a generator whose own core is busy (thousands of handshakes at a jump in load, paid for on
  // loopback by the connecting side) took its lag in reading for the server's, and opened
  // connections up to its limit, which made it later still.
  static constexpr int kEvents = 256;
  bool caughtUp_ = true;
  std::vector<int> cpus_;  // the server's (--cpu), then the generator's (--generator-cpu); -1: not watched
  std::vector<std::string> paths_;
  size_t maxConnections_;
  int epoll_;
  std::vector<Connection> connections_;
  std::vector<size_t> idle_;
  std::deque<size_t> backlog_;
  std::vector<Record> records_;
  size_t open_ = 0;
  size_t inFlight_ = 0;
  std::uniform_int_distribution<size_t> pick_;
  std::mt19937_64 random_{1};
};

// Per phase: what was asked for and answered; latencies in milliseconds, from when a request was
// due to when its answer reached the machine (ok_sent_p99: from when it was written, leaving out
// the generator's lag in sending). read_lag_p99: how long answers waited for the generator to read
// them (its own lag, left out of the latencies). ok_rate counts the reads answered 200 while the
// phase lasted (whenever they were due); connections_max the most connections open when one of the
// phase's requests was sent; cpu_busy and generator_cpu_busy the share of the phase the cores given
// by --cpu and --generator-cpu were busy (0 without them).
void reportPhase(const std::vector<Record>& records, int phase, const Phase& p, int64_t begin, int64_t end,
                 double busy, double generatorBusy) {
  std::vector<int64_t> accepted, acceptedSent, shedLatency, readLag;
  size_t total = 0, ok = 0, shed = 0, other = 0, failed = 0, okDuring = 0, connections = 0;
  for (const auto& r : records) {
    if (r.status == 200 && r.done >= begin && r.done < end) ++okDuring;
    if (r.phase != phase) continue;
    ++total;
    connections = std::max(connections, r.connections);
    if (r.status != 0) readLag.push_back(r.read - r.done);
    if (r.status == 200) {
      ++ok;
      accepted.push_back(r.done - r.due);
      acceptedSent.push_back(r.done - r.sent);
    } else if (r.status == 503) {
      ++shed;
      shedLatency.push_back(r.done - r.sent);
    } else if (r.status == 0) {
      ++failed;
    } else {
      ++other;
    }
  }
  std::printf("phase=%d offered_rate=%.0f seconds=%.0f requests=%zu ok=%zu shed=%zu other=%zu failed=%zu "
              "ok_rate=%.0f shed_share=%.4f ok_p50=%.2f ok_p99=%.2f ok_max=%.2f ok_sent_p99=%.2f shed_p50=%.2f shed_p99=%.2f "
              "connections_max=%zu cpu_busy=%.3f read_lag_p99=%.2f generator_cpu_busy=%.3f\n",
              phase, p.rate, p.seconds, total, ok, shed, other, failed, okDuring / p.seconds,
              total ? double(shed) / total : 0.0, percentile(accepted, 0.5), percentile(accepted, 0.99),
              accepted.empty() ? 0.0 : *std::max_element(accepted.begin(), accepted.end()) / 1e6,
              percentile(acceptedSent, 0.99),
              percentile(shedLatency, 0.5), percentile(shedLatency, 0.99), connections, busy,
              percentile(readLag, 0.99), generatorBusy);
}

// The phase's 100 ms windows (by when requests were due): answered, shed, p99 of the accepted
// from when due and from when written (the difference is the generator's own lag), the median
// of the refused from when written, the most connections open when one was written, and the p99
// of how long answers waited for the generator to read them.
void reportWindows(const std::vector<Record>& records, int phase) {
  int64_t start = -1;
  for (const auto& r : records)
    if (r.phase == phase) {
      start = r.due;
      break;
    }
  if (start < 0) return;
  std::vector<std::vector<int64_t>> accepted, acceptedSent, refusedSent, readLag;
  std::vector<size_t> shed, connections;
  for (const auto& r : records) {
    if (r.phase != phase) continue;
    const size_t w = static_cast<size_t>((r.due - start) / 100'000'000);
    if (w >= accepted.size()) {
      accepted.resize(w + 1);
      acceptedSent.resize(w + 1);
      refusedSent.resize(w + 1);
      readLag.resize(w + 1);
      shed.resize(w + 1);
      connections.resize(w + 1);
    }
    connections[w] = std::max(connections[w], r.connections);
    if (r.status != 0) readLag[w].push_back(r.read - r.done);
    if (r.status == 200) {
      accepted[w].push_back(r.done - r.due);
      acceptedSent[w].push_back(r.done - r.sent);
    } else {
      ++shed[w];
      if (r.status != 0) refusedSent[w].push_back(r.done - r.sent);
    }
  }
  for (size_t w = 0; w < accepted.size(); ++w)
    std::printf("window phase=%d start_ms=%zu ok=%zu not_ok=%zu ok_p99=%.2f ok_sent_p99=%.2f refused_sent_p50=%.2f "
                "connections=%zu read_lag_p99=%.2f\n",
                phase, w * 100, accepted[w].size(), shed[w], percentile(accepted[w], 0.99),
                percentile(acceptedSent[w], 0.99), percentile(refusedSent[w], 0.5), connections[w],
                percentile(readLag[w], 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string prefix, idsFile;
  std::vector<Phase> phases;
  std::vector<int> windows;
  size_t connections = 10000;
  int cpu = -1, generatorCpu = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port") port = std::stoi(value);
    else if (flag == "--prefix") prefix = value;
    else if (flag == "--ids") idsFile = value;
    else if (flag == "--connections") connections = std::stoul(value);
    else if (flag == "--windows") windows.push_back(std::stoi(value));
    else if (flag == "--cpu") cpu = std::stoi(value);
    else if (flag == "--generator-cpu") generatorCpu = std::stoi(value);
    else if (flag == "--phase") phases.push_back({std::stod(value), std::stod(value.substr(value.find(':') + 1))});
    else {
      std::cerr << "open_loop: unknown option " << flag << "\n";
      return 2;
    }
  }
  std::vector<std::string> paths;
  std::ifstream ids(idsFile);
  for (std::string line; std::getline(ids, line);)
    if (!line.empty()) paths.push_back(prefix + "/" + line);
  if (port == 0 || paths.empty() || phases.empty()) {
    std::cerr << "usage: open_loop --port P --prefix /bench/fhir --ids FILE --phase RATE:SECONDS ...\n";
    return 2;
  }
  Generator generator(port, paths, connections, {cpu, generatorCpu});
  std::vector<int64_t> bounds;
  std::vector<std::vector<double>> busy;
  const auto records = generator.run(phases, bounds, busy);
  for (size_t p = 0; p < phases.size(); ++p) {
    const std::vector<double> shares = p < busy.size() ? busy[p] : std::vector<double>{0.0, 0.0};
    reportPhase(records, static_cast<int>(p), phases[p], bounds[p], bounds[p + 1], shares[0], shares[1]);
  }
  for (int w : windows) reportWindows(records, w);
  return 0;
}
