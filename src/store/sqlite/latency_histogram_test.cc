// The store's latency histogram: every value lands in a bucket whose bounds hold it, within 1/8
// of an octave, and the summary's percentiles come from those buckets.
#include "store/sqlite/latency_histogram.h"

#include <gtest/gtest.h>

namespace parley::store::sqlite {
namespace {

TEST(LatencyHistogram, EveryValueFallsInABucketThatBoundsItTightly) {
  for (std::uint64_t us = 0; us < 200'000; us += (us < 4096 ? 1 : 37)) {
    const std::size_t bucket = LatencyHistogram::bucket_of(us);
    ASSERT_GE(LatencyHistogram::upper_bound_of(bucket), us) << us;
    if (bucket > 0) {
      ASSERT_LT(LatencyHistogram::upper_bound_of(bucket - 1), us) << us;
    }
    // One eighth of an octave: the bucket's width is at most an eighth of its lower bound.
    ASSERT_LE(LatencyHistogram::upper_bound_of(bucket), us + us / 8) << us;
  }
}

TEST(LatencyHistogram, SummaryPercentilesComeFromWhatWasRecorded) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.summary().count, 0u);
  for (std::uint64_t us = 1; us <= 1000; ++us) histogram.record(us);
  const LatencySummary summary = histogram.summary();
  EXPECT_EQ(summary.count, 1000u);
  EXPECT_EQ(summary.max_us, 1000u);
  EXPECT_GE(summary.p50_us, 500u);
  EXPECT_LE(summary.p50_us, 500u + 500u / 8);
  EXPECT_GE(summary.p99_us, 990u);
  EXPECT_LE(summary.p99_us, 1000u);
  EXPECT_LE(summary.p999_us, 1000u);
}

}  // namespace
}  // namespace parley::store::sqlite
