#include "server/request_metrics.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace flint::server {
namespace {

// A method a client made up would be a label of its own.
const std::string& methodLabel(const std::string& method) {
  static const std::set<std::string> known = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  static const std::string other = "other";
  return known.count(method) ? method : other;
}

std::string number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

}  // namespace

std::string prometheusLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

void RequestMetrics::record(const std::string& method, const std::string& route, int status,
                            std::chrono::nanoseconds took) {
  const double seconds = std::chrono::duration<double>(took).count();
  const std::string_view m = methodLabel(method);
  const char classDigits[] = {static_cast<char>('0' + std::clamp(status / 100, 0, 9)), 'x', 'x'};
  const std::string_view statusClass(classDigits, sizeof classDigits);
  size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  std::lock_guard lock(mutex_);
  auto count = counts_.find(std::tuple<std::string_view, std::string_view, std::string_view>(m, route, statusClass));
  if (count == counts_.end())
    count = counts_.emplace(std::tuple<std::string, std::string, std::string>(m, route, statusClass), 0).first;
  ++count->second;
  auto latency = latency_.find(std::tuple<std::string_view, std::string_view>(m, route));
  if (latency == latency_.end()) latency = latency_.emplace(std::tuple<std::string, std::string>(m, route), Latency{}).first;
  auto& l = latency->second;
  if (bucket < kBounds.size()) ++l.buckets[bucket];
  ++l.count;
  l.sum += seconds;
}

std::string RequestMetrics::prometheus() const {
  std::string out =
      "# HELP flint_http_requests_total Requests answered, by method, route pattern and status class.\n"
      "# TYPE flint_http_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, count] : counts_) {
    const auto& [method, route, statusClass] = key;
    out += "flint_http_requests_total{method=\"" + method + "\",route=\"" + prometheusLabel(route) + "\",status=\"" +
           statusClass + "\"} " + std::to_string(count) + "\n";
  }
  out +=
      "# HELP flint_http_request_duration_seconds Time from a request's arrival to its answer, by method and route "
      "pattern.\n"
      "# TYPE flint_http_request_duration_seconds histogram\n";
  for (const auto& [key, l] : latency_) {
    const auto& [method, route] = key;
    const std::string labels = "method=\"" + method + "\",route=\"" + prometheusLabel(route) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBounds.size(); ++i) {
      cumulative += l.buckets[i];
      out += "flint_http_request_duration_seconds_bucket{" + labels + ",le=\"" + number(kBounds[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "flint_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(l.count) + "\n";
    out += "flint_http_request_duration_seconds_sum{" + labels + "} " + number(l.sum) + "\n";
    out += "flint_http_request_duration_seconds_count{" + labels + "} " + std::to_string(l.count) + "\n";
  }
  return out;
}

}  // namespace flint::server
