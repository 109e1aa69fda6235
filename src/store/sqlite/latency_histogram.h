// A latency histogram cheap enough to record every append: buckets of 1/8 octave (values within
// ~9 % share one), relaxed atomic counters written by one thread and read by any. It feeds the
// store's latency decomposition (StoreStats) and, later, the metrics endpoint.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

#include "core/store.h"

namespace parley::store::sqlite {

class LatencyHistogram {
 public:
  // One thread records (the write thread); any thread may summarize meanwhile.
  void record(std::uint64_t us) {
    buckets_[bucket_of(us)].fetch_add(1, std::memory_order_relaxed);
    if (us > max_.load(std::memory_order_relaxed)) max_.store(us, std::memory_order_relaxed);
  }

  // Percentiles are the upper bound of the bucket that holds them.
  LatencySummary summary() const {
    std::array<std::uint64_t, kBuckets> counts{};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      counts[i] = buckets_[i].load(std::memory_order_relaxed);
      total += counts[i];
    }
    LatencySummary out;
    out.count = total;
    out.max_us = max_.load(std::memory_order_relaxed);
    if (total == 0) return out;
    auto at = [&](double fraction) {
      const auto rank = static_cast<std::uint64_t>(fraction * static_cast<double>(total - 1)) + 1;
      std::uint64_t seen = 0;
      for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts[i];
        if (seen >= rank) return std::min(upper_bound_of(i), out.max_us);
      }
      return out.max_us;
    };
    out.p50_us = at(0.50);
    out.p99_us = at(0.99);
    out.p999_us = at(0.999);
    return out;
  }

  // Exposed for the test of the bucket arithmetic.
  static constexpr std::size_t kSubBuckets = 8;
  static constexpr std::size_t kBuckets = 40 * kSubBuckets;  // up to 2^40 us: beyond any wait
  static std::size_t bucket_of(std::uint64_t us) {
    if (us < kSubBuckets) return static_cast<std::size_t>(us);  // exact below 8 us
    const int octave = std::bit_width(us) - 1;                  // 3 and up
    const auto sub = static_cast<std::size_t>((us >> (octave - 3)) & (kSubBuckets - 1));
    const std::size_t index = static_cast<std::size_t>(octave - 2) * kSubBuckets + sub;
    return index < kBuckets ? index : kBuckets - 1;
  }
  static std::uint64_t upper_bound_of(std::size_t bucket) {
    if (bucket < kSubBuckets) return bucket;
    const std::size_t octave = bucket / kSubBuckets + 2;
    const std::uint64_t sub = bucket % kSubBuckets;
    return ((kSubBuckets + sub + 1) << (octave - 3)) - 1;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> max_{0};
};

}  // namespace parley::store::sqlite
