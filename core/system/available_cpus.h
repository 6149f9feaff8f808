// How many CPUs this process can run on at once, to size its threads by. A machine's CPU count
// overstates it under `taskset`, a cpuset or a container's CPU quota, and threads sized by it
// contend for cores they never get.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace flint::system {

// The CPUs of this process's affinity mask, fewer when its cgroup's CPU quota grants less; at least 1.
unsigned availableCpus();

enum class CgroupVersion { V1, V2 };

// The CPUs a CPU quota grants the cgroup `path` (as /proc/self/cgroup names it) of the hierarchy
// mounted at `root` (cgroup v2: `cpu.max`; v1: the cpu controller's `cpu.cfs_quota_us` over
// `cpu.cfs_period_us`): the least of its own and its ancestors', rounded up. None when no quota
// applies or the files are not there. Inside a container the path may name the host's cgroup
// while `root` is the container's own; the walk up then ends at the container's quota.
std::optional<unsigned> cgroupCpuQuota(const std::filesystem::path& root, const std::string& path,
                                       CgroupVersion version);

}  // namespace flint::system
