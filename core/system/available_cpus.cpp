#include "core/system/available_cpus.h"

#include <sched.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace flint::system {
namespace {

unsigned affinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

std::optional<long long> number(const std::string& text) {
  try {
    size_t end = 0;
    const long long value = std::stoll(text, &end);
    if (end == text.size()) return value;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::optional<unsigned> cpusOf(std::optional<long long> quota, std::optional<long long> period) {
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<unsigned>(std::max(1LL, (*quota + *period - 1) / *period));
}

std::string firstLine(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// v2 `cpu.max`: "max 100000" (no quota) or "<quota> <period>", in microseconds. v1: a quota of -1
// is none.
std::optional<unsigned> quotaAt(const std::filesystem::path& group, CgroupVersion version) {
  if (version == CgroupVersion::V1)
    return cpusOf(number(firstLine(group / "cpu.cfs_quota_us")), number(firstLine(group / "cpu.cfs_period_us")));
  std::istringstream fields(firstLine(group / "cpu.max"));
  std::string quota, period;
  fields >> quota >> period;
  return cpusOf(number(quota), number(period));
}

// The process's cgroup path in the v2 hierarchy ("0::<path>"), or in v1's cpu controller
// ("<n>:cpu,cpuacct:<path>"), from /proc/self/cgroup.
std::optional<std::string> ownCgroup(CgroupVersion version) {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const bool match = version == CgroupVersion::V2 ? line.rfind("0::", 0) == 0
                                                    : ("," + controllers + ",").find(",cpu,") != std::string::npos;
    if (match) return line.substr(second + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<unsigned> cgroupCpuQuota(const std::filesystem::path& root, const std::string& path,
                                       CgroupVersion version) {
  std::optional<unsigned> least;
  std::filesystem::path relative = std::filesystem::path(path).relative_path();
  for (;;) {
    if (const auto quota = quotaAt(root / relative, version)) least = std::min(least.value_or(*quota), *quota);
    if (relative.empty()) return least;
    relative = relative.parent_path();
  }
}

unsigned availableCpus() {
  const unsigned affinity = affinityCpus();
  std::optional<unsigned> quota;
  std::error_code ignored;
  if (std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers", ignored)) {
    if (const auto path = ownCgroup(CgroupVersion::V2)) quota = cgroupCpuQuota("/sys/fs/cgroup", *path, CgroupVersion::V2);
  } else if (const auto path = ownCgroup(CgroupVersion::V1)) {
    quota = cgroupCpuQuota("/sys/fs/cgroup/cpu", *path, CgroupVersion::V1);
  }
  return std::min(affinity, quota.value_or(affinity));
}

}  // namespace flint::system
