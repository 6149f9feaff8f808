// Counts and latencies of the answered requests, by method, route pattern (route_pattern.h) and
// status class, for /metrics in Prometheus text format. Latency runs from the request's arrival
// to its answer being ready.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace flint::server {

class RequestMetrics {
 public:
  void record(const std::string& method, const std::string& route, int status, std::chrono::nanoseconds took);
  // flint_http_requests_total and flint_http_request_duration_seconds.
  std::string prometheus() const;

 private:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1,     2.5,  5,    10};
  struct Latency {
    std::array<uint64_t, kBounds.size()> buckets{};  // each counts the answers within its bound alone
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  // Looked up by views (std::less<>), so that recording a request copies no string.
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t, std::less<>> counts_;  // method, route, class
  std::map<std::tuple<std::string, std::string>, Latency, std::less<>> latency_;                // method, route
};

// A Prometheus label value, escaped as the text format requires.
std::string prometheusLabel(const std::string& value);

}  // namespace flint::server
