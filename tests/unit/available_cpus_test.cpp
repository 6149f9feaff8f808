#include "core/system/available_cpus.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <fstream>
#include <thread>

namespace flint::system {
namespace {

class CgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("flint-cgroup-" + std::to_string(getpid()));
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& group, const std::string& file, const std::string& text) {
    std::filesystem::create_directories(root_ / group);
    std::ofstream(root_ / group / file) << text << "\n";
  }
  std::filesystem::path root_;
};

TEST_F(CgroupTree, AV2QuotaIsRoundedUpToWholeCpus) {
  write("app", "cpu.max", "150000 100000");
  EXPECT_EQ(cgroupCpuQuota(root_, "/app", CgroupVersion::V2), 2u);
  write("app", "cpu.max", "50000 100000");
  EXPECT_EQ(cgroupCpuQuota(root_, "/app", CgroupVersion::V2), 1u);
}

TEST_F(CgroupTree, TheLeastQuotaOfTheGroupAndItsAncestorsApplies) {
  write("", "cpu.max", "max 100000");
  write("pod", "cpu.max", "100000 100000");
  write("pod/app", "cpu.max", "max 100000");
  write("pod/app/worker", "cpu.max", "400000 100000");
  EXPECT_EQ(cgroupCpuQuota(root_, "/pod/app/worker", CgroupVersion::V2), 1u);
}

TEST_F(CgroupTree, NoQuotaWhenEveryLevelSaysMaxOrHasNoFile) {
  write("", "cpu.max", "max 100000");
  write("a/b", "cgroup.procs", "");
  EXPECT_EQ(cgroupCpuQuota(root_, "/a/b", CgroupVersion::V2), std::nullopt);
  EXPECT_EQ(cgroupCpuQuota(root_ / "missing", "/a", CgroupVersion::V2), std::nullopt);
  write("bad", "cpu.max", "lots 100000");
  EXPECT_EQ(cgroupCpuQuota(root_, "/bad", CgroupVersion::V2), std::nullopt);
}

TEST_F(CgroupTree, AV1QuotaIsReadFromTheCpuController) {
  write("", "cpu.cfs_quota_us", "-1");
  write("", "cpu.cfs_period_us", "100000");
  write("docker/abc", "cpu.cfs_quota_us", "250000");
  write("docker/abc", "cpu.cfs_period_us", "100000");
  EXPECT_EQ(cgroupCpuQuota(root_, "/docker/abc", CgroupVersion::V1), 3u);
  EXPECT_EQ(cgroupCpuQuota(root_, "/", CgroupVersion::V1), std::nullopt);
}

// A container's view: /proc/self/cgroup names the host's path, which is not under the
// container's own mount; its quota sits at the mount's root.
TEST_F(CgroupTree, AHostPathMissingUnderTheMountEndsAtTheMountsQuota) {
  write("", "cpu.max", "200000 100000");
  EXPECT_EQ(cgroupCpuQuota(root_, "/kubepods/pod1/container", CgroupVersion::V2), 2u);
}

TEST(AvailableCpus, FollowTheAffinityMask) {
  const unsigned machine = std::thread::hardware_concurrency();
  ASSERT_GE(machine, 2u) << "this test needs a machine of at least two CPUs";
  const unsigned before = availableCpus();
  EXPECT_LE(before, machine);
  // The affinity mask is the calling thread's: pin a thread of our own, not the test runner's.
  unsigned pinned = 0;
  std::thread([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    pinned = availableCpus();
  }).join();
  EXPECT_EQ(pinned, 1u);
}

}  // namespace
}  // namespace flint::system
