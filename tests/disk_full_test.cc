// A file system that fills up under the store (issue 10, "Bad input and faults"): sends fail with
// UNAVAILABLE, nothing that was not stored is acked, reads go on, and once space returns sends
// succeed again without a restart. A real tmpfs the test mounts, so it needs root with
// CAP_SYS_ADMIN; elsewhere it is skipped and says so ([store] max_size_mb's test in
// abuse_test.cc covers the same answers without a mount).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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

}  // namespace
}  // namespace parley::testing
