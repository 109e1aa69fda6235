// Counting events per key inside a sliding time window: failed logins per account and address,
// registrations per address, contact requests per pair. One owner thread; bounded by sweeping
// keys whose events all left the window.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace parley {

// A retry hint as the protocol carries it (Error.retry_after_ms, 32 bits), at least 1 ms.
inline std::uint32_t retry_hint(TimeMs ms) {
  return static_cast<std::uint32_t>(std::clamp<TimeMs>(ms, 1, 0xffff'ffff));
}

class SlidingWindowLimit {
 public:
  SlidingWindowLimit(std::size_t max_events, TimeMs window_ms)
      : max_events_(max_events), window_ms_(window_ms) {}

  // Whether `key` already has max_events inside the window ending at `now`.
  bool reached(const std::string& key, TimeMs now) {
    auto it = events_.find(key);
    if (it == events_.end()) return false;
    while (!it->second.empty() && it->second.front() <= now - window_ms_) it->second.pop_front();
    return it->second.size() >= max_events_;
  }

  // How long until `key` is below the limit again (0 if it is now): the client's retry hint.
  TimeMs retry_after(const std::string& key, TimeMs now) {
    if (!reached(key, now)) return 0;
    const auto& events = events_.find(key)->second;
    return events[events.size() - max_events_] + window_ms_ - now;
  }

  void add(const std::string& key, TimeMs now) {
    events_[key].push_back(now);
    // Forget stale keys now and then so an attacker cycling names cannot grow the map forever.
    if (++adds_ % 1024 == 0) {
      std::erase_if(events_, [&](const auto& entry) {
        return entry.second.empty() || entry.second.back() <= now - window_ms_;
      });
    }
  }

  // Takes back one event recorded at `at`: an attempt counted when it started that turned out
  // not to count (a login with the right password).
  void remove(const std::string& key, TimeMs at) {
    auto it = events_.find(key);
    if (it == events_.end()) return;
    for (auto e = it->second.rbegin(); e != it->second.rend(); ++e) {
      if (*e == at) {
        it->second.erase(std::next(e).base());
        return;
      }
    }
  }

 private:
  std::size_t max_events_;
  TimeMs window_ms_;
  std::unordered_map<std::string, std::deque<TimeMs>> events_;
  std::size_t adds_ = 0;
};

}  // namespace parley
