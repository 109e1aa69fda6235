// Unit tests of the delivery window: bounds, acknowledgements, the cursor rule and resends, with
// time passed in by the test.
#include "gateway/common/delivery_window.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <map>
#include <random>

namespace parley::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = DeliveryWindow::Clock;

std::shared_ptr<const Event> entry(ConversationId conversation, Seq seq) {
  Message m;
  m.conversation_id = conversation;
  m.seq = seq;
  return std::make_shared<const Event>(EventBody{MessageEvent{m}});
}

Seq seq_of(const std::shared_ptr<const Event>& e) {
  return std::get<MessageEvent>(e->body()).message.seq;
}

DeliveryLimits small_limits() {
  DeliveryLimits l;
  l.resend_timeout = 10s;
  l.max_resends = 2;
  l.max_unacked = 3;
  l.max_unacked_bytes = 1000;
  return l;
}

class DeliveryWindowTest : public ::testing::Test {
 protected:
  static std::vector<ConversationCursor> acknowledge(DeliveryWindow& window,
                                                     std::span<const DeliveryKey> keys) {
    std::vector<ConversationCursor> cursors{{99, 99}};  // stale content: acknowledge clears it
    window.acknowledge(keys, cursors);
    return cursors;
  }
  TrackResult track(ConversationId c, Seq s, std::size_t bytes = 10) {
    return window_.track({c, s}, entry(c, s), bytes, now_);
  }
  DeliveryWindow window_{small_limits()};
  Clock::time_point now_ = Clock::time_point{} + 1h;
};

TEST_F(DeliveryWindowTest, RefusesANewEntryPastTheCountLimit) {
  EXPECT_EQ(track(1, 1), TrackResult::tracked);
  EXPECT_EQ(track(1, 2), TrackResult::tracked);
  EXPECT_EQ(track(1, 3), TrackResult::tracked);
  EXPECT_EQ(track(1, 4), TrackResult::too_many);
  EXPECT_EQ(window_.size(), 3u);  // the refused one is not kept
  EXPECT_EQ(window_.bytes(), 30u);
  // An ack makes room again.
  EXPECT_TRUE(window_.ack({1, 1}));
  EXPECT_EQ(track(1, 4), TrackResult::tracked);
}

TEST_F(DeliveryWindowTest, RefusesANewEntryPastTheByteLimit) {
  EXPECT_EQ(track(1, 1, 600), TrackResult::tracked);
  EXPECT_EQ(track(1, 2, 400), TrackResult::tracked);  // exactly at the limit is fine
  EXPECT_EQ(track(1, 3, 1), TrackResult::too_many_bytes);
  EXPECT_EQ(window_.size(), 2u);
  EXPECT_EQ(window_.bytes(), 1000u);
}

TEST_F(DeliveryWindowTest, AnEntrySentAgainReplacesItsBytesAndIsNeverRefused) {
  ASSERT_EQ(track(1, 1, 600), TrackResult::tracked);
  ASSERT_EQ(track(1, 2, 400), TrackResult::tracked);
  EXPECT_EQ(track(1, 1, 700), TrackResult::tracked);  // already held: replaced, not refused
  EXPECT_EQ(window_.size(), 2u);
  EXPECT_EQ(window_.bytes(), 1100u);
  ASSERT_EQ(track(1, 3), TrackResult::too_many_bytes);
  EXPECT_TRUE(window_.ack({1, 1}));
  EXPECT_EQ(window_.bytes(), 400u);
}

TEST_F(DeliveryWindowTest, AckSaysWhetherTheKeyWasHeld) {
  ASSERT_EQ(track(1, 1), TrackResult::tracked);
  EXPECT_FALSE(window_.ack({1, 2}));  // never sent
  EXPECT_FALSE(window_.ack({2, 1}));  // another conversation
  EXPECT_TRUE(window_.ack({1, 1}));
  EXPECT_FALSE(window_.ack({1, 1}));  // already acknowledged
  EXPECT_TRUE(window_.empty());
  EXPECT_EQ(window_.bytes(), 0u);
}

TEST_F(DeliveryWindowTest, CursorStopsJustBeforeTheOldestStillUnacknowledged) {
  DeliveryWindow window({.max_unacked = 100, .max_unacked_bytes = 10'000});
  for (Seq s : {3, 4, 5, 6}) window.track({7, s}, entry(7, s), 10, now_);
  window.track({8, 1}, entry(8, 1), 10, now_);
  const std::array<DeliveryKey, 1> five{{{7, 5}}};
  auto cursors = acknowledge(window, five);
  ASSERT_EQ(cursors.size(), 1u);
  EXPECT_EQ(cursors[0].conversation_id, 7);
  EXPECT_EQ(cursors[0].seq, 2);  // 3 and 4 are still owed
  // Another conversation's entries do not hold this one back.
  const std::array<DeliveryKey, 1> other{{{8, 1}}};
  cursors = acknowledge(window, other);
  ASSERT_EQ(cursors.size(), 1u);
  EXPECT_EQ(cursors[0].seq, 1);
}

TEST_F(DeliveryWindowTest, ABatchIsReleasedBeforeItsCursorsAreComputed) {
  DeliveryWindow window({.max_unacked = 100, .max_unacked_bytes = 10'000});
  for (Seq s : {3, 4, 5, 6}) window.track({7, s}, entry(7, s), 10, now_);
  const std::array<DeliveryKey, 3> batch{{{7, 5}, {7, 3}, {7, 4}}};
  auto cursors = acknowledge(window, batch);
  ASSERT_EQ(cursors.size(), 3u);
  // 3, 4 and 5 acked together: the device holds through 5 (6 is still owed, and is above).
  EXPECT_EQ(cursors[0].seq, 5);
  EXPECT_EQ(cursors[1].seq, 3);
  EXPECT_EQ(cursors[2].seq, 4);
  EXPECT_EQ(window.size(), 1u);
}

// The buffer of an acknowledged entry is kept for the next one, but not the event it held.
TEST_F(DeliveryWindowTest, AnAcknowledgedEventIsReleasedAndItsSlotReused) {
  DeliveryWindow window({.max_unacked = 100, .max_unacked_bytes = 10'000});
  auto event = entry(7, 1);
  ASSERT_EQ(window.track({7, 1}, event, 10, now_), TrackResult::tracked);
  EXPECT_EQ(event.use_count(), 2);
  EXPECT_TRUE(window.ack({7, 1}));
  EXPECT_EQ(event.use_count(), 1);
  for (Seq s = 2; s <= 50; ++s) {
    ASSERT_EQ(window.track({7, s}, entry(7, s), 10, now_), TrackResult::tracked);
    if (s % 2 == 0) {
      ASSERT_TRUE(window.ack({7, s}));
    }
  }
  // The odd ones from 3 are still held, in order, and the cursor rule sees them.
  EXPECT_EQ(window.size(), 24u);
  EXPECT_EQ(window.bytes(), 240u);
  const std::array<DeliveryKey, 1> last{{{7, 49}}};
  auto cursors = acknowledge(window, last);
  ASSERT_EQ(cursors.size(), 1u);
  EXPECT_EQ(cursors[0].seq, 2);
  window.clear();
  EXPECT_TRUE(window.empty());
  EXPECT_EQ(window.track({7, 1}, entry(7, 1), 10, now_), TrackResult::tracked);
}

// Acks out of order leave tombstones inside a conversation's lane; they are skipped by the
// cursor rule and by resends, and compacted away, without changing what is held.
TEST_F(DeliveryWindowTest, AcksOutOfOrderKeepTheRestHeldAndInOrder) {
  DeliveryWindow window({.resend_timeout = 1s, .max_unacked = 1000, .max_unacked_bytes = 1 << 20});
  for (Seq s = 1; s <= 100; ++s) window.track({7, s}, entry(7, s), 10, now_);
  for (Seq s = 100; s >= 2; --s) ASSERT_TRUE(window.ack({7, s}));  // newest first
  EXPECT_EQ(window.size(), 1u);
  EXPECT_EQ(window.bytes(), 10u);
  auto pass = window.due(now_ + 1s);
  ASSERT_EQ(pass.resend.size(), 1u);
  EXPECT_EQ(seq_of(pass.resend[0]), 1);
  // An older seq sent after newer ones (a gap filled late) goes in front of them.
  window.track({7, 101}, entry(7, 101), 10, now_);
  window.track({7, 0}, entry(7, 0), 10, now_);
  const std::array<DeliveryKey, 1> one{{{7, 101}}};
  auto cursors = acknowledge(window, one);
  ASSERT_EQ(cursors.size(), 1u);
  EXPECT_EQ(cursors[0].seq, -1);  // 0 is still owed
  pass = window.due(now_ + 5s);
  ASSERT_EQ(pass.resend.size(), 2u);
  EXPECT_EQ(seq_of(pass.resend[0]), 0);
  EXPECT_EQ(seq_of(pass.resend[1]), 1);
}

// The window against the obvious model (an ordered map of what is held) over random sends,
// resends, acks in any order and batches, in a few conversations.
TEST_F(DeliveryWindowTest, BehavesLikeAnOrderedMapOfWhatIsHeld) {
  const DeliveryLimits limits{.resend_timeout = 10s,
                              .max_resends = 1'000'000,
                              .max_unacked = 64,
                              .max_unacked_bytes = 64 * 40};
  DeliveryWindow window(limits);
  std::map<DeliveryKey, std::size_t> model;  // held key -> bytes
  std::size_t model_bytes = 0;
  std::mt19937 rng(20261202);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  std::vector<ConversationCursor> cursors;
  for (int step = 0; step < 20'000; ++step) {
    DeliveryKey key{1 + pick(3), 1 + pick(120)};
    switch (pick(4)) {
      case 0:
      case 1: {
        std::size_t bytes = 1 + static_cast<std::size_t>(pick(60));
        TrackResult expected = TrackResult::tracked;
        auto it = model.find(key);
        if (it == model.end()) {
          if (model.size() >= limits.max_unacked)
            expected = TrackResult::too_many;
          else if (model_bytes + bytes > limits.max_unacked_bytes)
            expected = TrackResult::too_many_bytes;
        }
        ASSERT_EQ(window.track(key, entry(key.conversation_id, key.seq), bytes, now_), expected);
        if (expected == TrackResult::tracked) {
          if (it != model.end()) model_bytes -= it->second;
          model[key] = bytes;
          model_bytes += bytes;
        }
        break;
      }
      case 2: {
        auto it = model.find(key);
        ASSERT_EQ(window.ack(key), it != model.end());
        if (it != model.end()) {
          model_bytes -= it->second;
          model.erase(it);
        }
        break;
      }
      default: {
        std::vector<DeliveryKey> batch;
        for (int i = pick(5); i >= 0; --i) batch.push_back({1 + pick(3), 1 + pick(120)});
        window.acknowledge(batch, cursors);
        std::vector<ConversationCursor> expected;
        for (const DeliveryKey& k : batch) {
          if (auto it = model.find(k); it != model.end()) {
            model_bytes -= it->second;
            model.erase(it);
            expected.push_back({k.conversation_id, k.seq});
          }
        }
        for (ConversationCursor& c : expected) {
          auto oldest = model.lower_bound({c.conversation_id, std::numeric_limits<Seq>::min()});
          if (oldest != model.end() && oldest->first.conversation_id == c.conversation_id)
            c.seq = std::min(c.seq, oldest->first.seq - 1);
        }
        ASSERT_EQ(cursors.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
          EXPECT_EQ(cursors[i].conversation_id, expected[i].conversation_id);
          EXPECT_EQ(cursors[i].seq, expected[i].seq);
        }
      }
    }
    ASSERT_EQ(window.size(), model.size());
    ASSERT_EQ(window.bytes(), model_bytes);
    if (step % 500 == 0) {  // everything held is resent, in key order
      now_ += 10s;
      auto pass = window.due(now_);
      ASSERT_EQ(pass.resend.size(), model.size());
      std::size_t i = 0;
      for (const auto& [k, bytes] : model) {
        const auto& m = std::get<MessageEvent>(pass.resend[i++]->body()).message;
        ASSERT_EQ(m.conversation_id, k.conversation_id);
        ASSERT_EQ(m.seq, k.seq);
      }
    }
  }
}

TEST_F(DeliveryWindowTest, AcksForKeysNeverSentProveNothing) {
  ASSERT_EQ(track(7, 3), TrackResult::tracked);
  const std::array<DeliveryKey, 3> guessed{{{7, 99}, {9, 1}, {7, 2}}};
  EXPECT_TRUE(acknowledge(window_, guessed).empty());
  EXPECT_EQ(window_.size(), 1u);
}

TEST_F(DeliveryWindowTest, ResendsWhatIsDueOldestKeyFirst) {
  ASSERT_EQ(track(2, 1), TrackResult::tracked);
  now_ += 5s;
  ASSERT_EQ(track(1, 9), TrackResult::tracked);
  ASSERT_EQ(track(1, 8), TrackResult::tracked);
  EXPECT_TRUE(window_.due(now_ + 4s).resend.empty());  // nothing is 10 s old yet
  auto pass = window_.due(now_ + 5s);                  // only (2, 1) is
  EXPECT_FALSE(pass.exhausted);
  ASSERT_EQ(pass.resend.size(), 1u);
  EXPECT_EQ(seq_of(pass.resend[0]), 1);
  pass = window_.due(now_ + 10s);  // (1, 8) and (1, 9); (2, 1) was just resent
  ASSERT_EQ(pass.resend.size(), 2u);
  EXPECT_EQ(seq_of(pass.resend[0]), 8);
  EXPECT_EQ(seq_of(pass.resend[1]), 9);
}

TEST_F(DeliveryWindowTest, GivesUpOnceAnEntryHasHadAllItsResends) {
  ASSERT_EQ(track(1, 1), TrackResult::tracked);
  ASSERT_EQ(track(1, 2), TrackResult::tracked);
  for (int i = 1; i <= 2; ++i) {  // max_resends = 2
    auto pass = window_.due(now_ + i * 10s);
    EXPECT_FALSE(pass.exhausted);
    EXPECT_EQ(pass.resend.size(), 2u);
  }
  auto pass = window_.due(now_ + 29s);  // not due yet: no verdict either
  EXPECT_FALSE(pass.exhausted);
  EXPECT_TRUE(pass.resend.empty());
  pass = window_.due(now_ + 30s);
  EXPECT_TRUE(pass.exhausted);
  EXPECT_TRUE(pass.resend.empty());
}

TEST_F(DeliveryWindowTest, SendingAnEntryAgainRestartsItsResends) {
  ASSERT_EQ(track(1, 1), TrackResult::tracked);
  EXPECT_EQ(window_.due(now_ + 10s).resend.size(), 1u);
  EXPECT_EQ(window_.due(now_ + 20s).resend.size(), 1u);
  now_ += 25s;
  ASSERT_EQ(track(1, 1), TrackResult::tracked);  // e.g. pushed again by a sync
  EXPECT_FALSE(window_.due(now_ + 10s).exhausted);
}

TEST_F(DeliveryWindowTest, NoResendsMeansGivingUpAtTheFirstTimeout) {
  DeliveryWindow window({.resend_timeout = 1s, .max_resends = 0});
  window.track({1, 1}, entry(1, 1), 10, now_);
  EXPECT_FALSE(window.due(now_).exhausted);
  EXPECT_TRUE(window.due(now_ + 1s).exhausted);
}

TEST_F(DeliveryWindowTest, ClearDropsEverything) {
  ASSERT_EQ(track(1, 1), TrackResult::tracked);
  ASSERT_EQ(track(1, 2), TrackResult::tracked);
  window_.clear();
  EXPECT_TRUE(window_.empty());
  EXPECT_EQ(window_.bytes(), 0u);
  EXPECT_FALSE(window_.ack({1, 1}));
  EXPECT_TRUE(window_.due(now_ + 1h).resend.empty());
}

}  // namespace
}  // namespace parley::gateway
