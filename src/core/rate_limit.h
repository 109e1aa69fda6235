// Counting events per key inside a sliding time window: failed logins per account and address,
// registrations per address, contact requests per pair. One owner thread; bounded by sweeping
// keys whose events all left the window.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace parley {

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
