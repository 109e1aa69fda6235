#include "common/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace parley {

Result<void> replace_file_durably(const std::string& path, std::string_view bytes, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(Errc::internal, tmp + ": " + std::strerror(errno));
  const auto give_up = [&](const char* what) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(Errc::internal, tmp + ": " + what + ": " + why);
  };
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return give_up("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return give_up("fsync");
  if (::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fail(Errc::internal, tmp + ": close: " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(Errc::internal, path + ": rename: " + std::strerror(errno));
  }
  // A bare file name lives in the working directory. (Built as one expression: GCC 12 at -O2
  // reports a false -Wrestrict on assigning "." to an emptied string.)
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || ::fsync(dir_fd) != 0) {
    const std::string why = std::strerror(errno);
    if (dir_fd >= 0) ::close(dir_fd);
    return fail(Errc::internal, dir + ": fsync of the directory: " + why);
  }
  ::close(dir_fd);
  return {};
}

}  // namespace parley
