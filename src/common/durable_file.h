// Replacing a small file atomically and durably: what the client's state.json and the server's
// generated TLS certificate need, so that a crash or a failing disk leaves the old content or the
// new one, never a torn or empty file.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/errors.h"

namespace parley {

// Writes `bytes` to `path`.tmp (created with `mode`), fsyncs it, renames it over `path` and
// fsyncs the directory. Errc::internal naming the path and the step that failed; the temp file
// is removed then.
Result<void> replace_file_durably(const std::string& path, std::string_view bytes, mode_t mode);

}  // namespace parley
