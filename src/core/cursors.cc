// Messaging family, delivery cursors: what each device has acknowledged, written in batches, and
// what it has not (for sessions resumed later: XMPP stream management, persistent MQTT sessions,
// a native resume).
#include <algorithm>
#include <tuple>

#include "core/core_internal.h"

namespace parley {

namespace {
// Acks pending on one shard before a flush is forced (a flush normally comes every
// cursor_flush_ms): 64 Ki × 24 B = 1.5 MiB at most, whatever the ack rate.
constexpr std::size_t kMaxPendingCursors = 64 * 1024;
// The pending buffer's capacity kept after a flush; a burst's bigger buffer is let go.
constexpr std::size_t kKeptPendingCapacity = 4096;
}  // namespace

void Core::Messaging::acknowledge(const SessionIdentity& who,
                                  std::span<const ConversationCursor> acked) {
  ShardState& shard = core_.local();
  for (const ConversationCursor& c : acked) {
    if (c.conversation_id <= 0 || c.seq <= 0) continue;
    shard.acked_cursors.push_back({who.device_id, c.conversation_id, c.seq});
  }
  if (shard.acked_cursors.size() >= kMaxPendingCursors) return flush_cursors();
  if (shard.cursor_flush_armed) return;
  shard.cursor_flush_armed = true;
  // One writer task per shard and interval, whatever the ack rate: cursors cost the writer
  // little even when every message is acknowledged one by one.
  core_.executor_.post_after(shard.id, core_.config_.cursor_flush_ms, [this] {
    core_.local().cursor_flush_armed = false;
    flush_cursors();
  });
}

void Core::Messaging::flush_cursors(DeviceId device) {
  std::vector<DeviceCursor>& pending = core_.local().acked_cursors;
  std::vector<DeviceCursor> batch;
  if (device != 0) {
    auto others_end =
        std::partition(pending.begin(), pending.end(),
                       [device](const DeviceCursor& c) { return c.device != device; });
    batch.assign(others_end, pending.end());
    pending.erase(others_end, pending.end());
  } else {
    batch.assign(pending.begin(), pending.end());  // a copy: `pending` keeps its capacity
    pending.clear();
  }
  if (pending.empty() && pending.capacity() > kKeptPendingCapacity) pending = {};
  if (batch.empty()) return;
  // Each (device, conversation) once, at the highest seq acknowledged.
  std::sort(batch.begin(), batch.end(), [](const DeviceCursor& a, const DeviceCursor& b) {
    return std::tie(a.device, a.conversation_id, b.seq) <
           std::tie(b.device, b.conversation_id, a.seq);
  });
  batch.erase(std::unique(batch.begin(), batch.end(),
                          [](const DeviceCursor& a, const DeviceCursor& b) {
                            return a.device == b.device && a.conversation_id == b.conversation_id;
                          }),
              batch.end());
  core_.store_.post_write([this, batch = std::move(batch)] {
    // Best effort: a cursor that fails to be written only means a resumed session is sent some
    // entries again, which every device drops by (conversation, seq).
    (void)core_.store_.advance_cursors(batch);
  });
}

void Core::Messaging::undelivered(const SessionIdentity& who, std::size_t limit,
                                  Callback<std::vector<Message>> done) {
  flush_cursors(who.device_id);
  const ShardId origin = core_.local().id;
  const std::size_t max_bytes = core_.config_.pages.max_bytes;
  // Through the writer first: the read comes after every cursor acknowledged so far is stored.
  core_.store_.post_write([this, origin, who, limit, max_bytes, done = std::move(done)]() mutable {
    core_.executor_.post_blocking(
        [this, origin, who, limit, max_bytes, done = std::move(done)]() mutable {
          auto entries = core_.store_.undelivered(who.user_id, who.device_id, limit);
          if (entries) trim_history(*entries, /*forward=*/true, max_bytes);
          core_.executor_.post(origin,
                               [entries = std::move(entries), done = std::move(done)]() mutable {
                                 done(std::move(entries));
                               });
        });
  });
}

}  // namespace parley
