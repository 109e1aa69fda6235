// A file system that fills up, or turns read-only, under the store (issue 10, "Bad input and
// faults"). Full: sends fail with UNAVAILABLE, nothing that was not stored is acked, reads go on,
// and once space returns sends succeed again without a restart (a tmpfs the test mounts).
// Read-only: the same answers, and after the operator's repair and a restart every acked message
// is there (an ext4 image loop-mounted with errors=remount-ro). Both need root with
// CAP_SYS_ADMIN; elsewhere they are skipped and say so ([store] max_size_mb's test in
// abuse_test.cc covers the same answers without a mount).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "chat_support.h"

namespace parley::testing {
namespace {

namespace f = frames;

// A tmpfs of `size` mounted on `path` for the life of this object.
class TmpfsMount {
 public:
  TmpfsMount(std::string path, const std::string& size) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool resize(const std::string& size) {
    return ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

// An ext4 file system in an image file, loop-mounted with errors=remount-ro: the kernel's answer
// to a failing disk, which turns the data dir read-only under a running server (an ordinary
// `remount,ro` is refused while files are open for writing, so only this reaches that case).
class Ext4Image {
 public:
  Ext4Image(const std::string& dir) : image_(dir + "/ext4.img"), path_(dir + "/ext4") {
    std::filesystem::create_directories(path_);
    mounted_ = run("truncate -s 64M " + image_) && run("mkfs.ext4 -q -F " + image_) &&
               run("mount -o loop,errors=remount-ro " + image_ + " " + path_);
  }
  ~Ext4Image() { unmount(); }
  Ext4Image(const Ext4Image&) = delete;
  Ext4Image& operator=(const Ext4Image&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& path() const { return path_; }
  // What ext4 does on a metadata error: from now on every write fails with EROFS, even through
  // descriptors already open.
  bool fail_read_only() {
    std::ofstream trigger("/sys/fs/ext4/" + device_name() + "/trigger_fs_error");
    trigger << "1";
    trigger.flush();
    return static_cast<bool>(trigger);
  }
  // What an operator does next: unmount, repair, mount again.
  bool repair_and_remount() {
    unmount();
    mounted_ = run("e2fsck -fy " + image_ + " || test $? -le 1") &&
               run("mount -o loop,errors=remount-ro " + image_ + " " + path_);
    return mounted_;
  }

 private:
  static bool run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }
  void unmount() {
    if (mounted_) ::umount2(path_.c_str(), 0);
    mounted_ = false;
  }
  // The loop device behind the mount, as /sys/fs/ext4 names it ("loop0").
  std::string device_name() const {
    std::ifstream mounts("/proc/mounts");
    std::string line;
    const std::string where = std::filesystem::canonical(path_).string();
    while (std::getline(mounts, line)) {
      std::istringstream fields(line);
      std::string device, point;
      fields >> device >> point;
      if (point == where) return std::filesystem::path(device).filename().string();
    }
    return {};
  }

  std::string image_;
  std::string path_;
  bool mounted_ = false;
};

TEST(DiskFull, AFullFileSystemRefusesSendsKeepsReadsAndRecoversWhenSpaceReturns) {
  TempDir dir;
  TmpfsMount fs(dir.path() + "/fs", "3m");
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << fs.error() << ")";
  {
    // The log lives outside the file system that fills up.
    ServerProcess server(dir.path() + "/fs/data", kFastSecurity, {},
                         {.log_file = dir.path() + "/parleyd.log"});
    ASSERT_TRUE(server.ready()) << server.error();
    Device alice = connect_device(server, "alice", true);
    Device bob = connect_device(server, "bob", true);

    const Fill fill = send_until_refused(alice, "bob", 1000);
    const int acked = fill.acked;
    const std::int64_t conversation = fill.conversation;
    const v1::Error& refusal = fill.refusal;
    const std::string& refused_id = fill.refused_id;
    ASSERT_FALSE(refused_id.empty()) << "3 MB never filled up";
    ASSERT_GT(acked, 0);
    EXPECT_EQ(refusal.code(), v1::UNAVAILABLE) << refusal.message();
    EXPECT_EQ(refusal.message().find("SQL"), std::string::npos) << refusal.message();

    // Reads go on while the disk is full, and hold exactly what was acked.
    EXPECT_EQ(count_stored(bob, conversation), acked);

    // Space returns: the resend of the refused message goes through, on the same connection.
    ASSERT_TRUE(fs.resize("64m"));
    auto retry = alice.client->request(f::send_to("bob", std::string(16 * 1024, 'z'), refused_id));
    ASSERT_TRUE(retry);
    ASSERT_TRUE(retry->has_send_ack()) << retry->error().message();
    EXPECT_FALSE(retry->send_ack().duplicate()) << "the refused send was not stored";
    EXPECT_EQ(count_stored(bob, conversation), acked + 1);
  }
}

TEST(ReadOnlyDataDir, SendsAreRefusedReadsGoOnAndEveryAckedMessageIsThereAfterRepair) {
  TempDir dir;
  Ext4Image fs(dir.path());
  if (!fs.mounted()) GTEST_SKIP() << "cannot loop-mount an ext4 image here (needs root)";
  const std::string data = fs.path() + "/data";
  const std::string log = dir.path() + "/parleyd.log";
  int acked = 0;
  std::int64_t conversation = 0;
  std::string refused_id;
  {
    ServerProcess server(data, kFastSecurity, {}, {.log_file = log});
    ASSERT_TRUE(server.ready()) << server.error();
    Device alice = connect_device(server, "alice", true);
    Device bob = connect_device(server, "bob", true);
    const Fill before = send_until_refused(alice, "bob", 20, "before-");
    ASSERT_EQ(before.acked, 20) << before.refusal.message();
    conversation = before.conversation;

    ASSERT_TRUE(fs.fail_read_only());
    const Fill after = send_until_refused(alice, "bob", 1000, "after-");
    acked = before.acked + after.acked;
    refused_id = after.refused_id;
    ASSERT_FALSE(refused_id.empty()) << "sends kept being acked on a read-only file system";
    EXPECT_EQ(after.refusal.code(), v1::UNAVAILABLE) << after.refusal.message();
    EXPECT_EQ(after.refusal.message().find("SQL"), std::string::npos) << after.refusal.message();
    // Refused again, not hung: the store does not wedge after the first failure.
    auto again = alice.client->request(f::send_to("bob", "still there?", "after-ro"));
    ASSERT_TRUE(again);
    ASSERT_TRUE(again->has_error());
    EXPECT_EQ(again->error().code(), v1::UNAVAILABLE);

    // Reads go on, and hold exactly what was acked.
    EXPECT_EQ(count_stored(bob, conversation), acked);
    EXPECT_EQ(count_stored(alice, conversation), acked);
    EXPECT_GE(server.terminate(), 0) << "parleyd did not stop on a read-only data dir";
  }
  ASSERT_TRUE(fs.repair_and_remount());
  {
    ServerProcess server(data, kFastSecurity, {},
                         {.log_file = dir.path() + "/parleyd-after-repair.log"});
    ASSERT_TRUE(server.ready()) << server.error();
    Device bob = connect_device(server, "bob", false);
    EXPECT_EQ(count_stored(bob, conversation), acked);
    // The refused send was not stored: its resend is a new message, not a duplicate.
    Device alice = connect_device(server, "alice", false);
    auto retry = alice.client->request(f::send_to("bob", "again", refused_id));
    ASSERT_TRUE(retry);
    ASSERT_TRUE(retry->has_send_ack()) << retry->error().message();
    EXPECT_FALSE(retry->send_ack().duplicate());
  }
}

}  // namespace
}  // namespace parley::testing
