// A directory under /tmp made for one test and removed with everything in it afterwards.
// Header-only so unit tests in src/ use it without the end-to-end support library.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace parley::testing {

class TempDir {
 public:
  // `base` must exist; /dev/shm keeps a store that is opened many times a second off the disk.
  explicit TempDir(const std::string& base = "/tmp") {
    std::string pattern = base + "/parley-test-XXXXXX";
    if (char* made = mkdtemp(pattern.data())) path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Empty when the directory could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace parley::testing
