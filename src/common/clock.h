// Wall-clock milliseconds since the Unix epoch: the time unit of every stored timestamp.
#pragma once

#include <chrono>
#include <cstdint>

namespace parley {

using TimeMs = std::int64_t;

inline TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace parley
