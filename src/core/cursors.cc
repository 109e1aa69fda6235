// Messaging family, delivery cursors: what each device has acknowledged, written in batches, and
// what it has not (for sessions resumed later: XMPP stream management, persistent MQTT sessions,
// a native resume).
#include "core/core_internal.h"

namespace parley {

void Core::Messaging::acknowledge(const SessionIdentity& who,
                                  std::vector<ConversationCursor> acked) {
  ShardState& shard = core_.local();
  auto& cursors = shard.acked_cursors[who.device_id];
  for (const ConversationCursor& c : acked) {
    if (c.conversation_id <= 0 || c.seq <= 0) continue;
    Seq& seq = cursors[c.conversation_id];
    seq = std::max(seq, c.seq);
  }
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
  ShardState& shard = core_.local();
  std::vector<DeviceCursors> batch;
  auto take = [&](auto it) {
    std::vector<ConversationCursor> cursors;
    cursors.reserve(it->second.size());
    for (const auto& [conversation, seq] : it->second) cursors.push_back({conversation, seq});
    batch.push_back({it->first, std::move(cursors)});
  };
  if (device != 0) {
    auto it = shard.acked_cursors.find(device);
    if (it == shard.acked_cursors.end()) return;
    take(it);
    shard.acked_cursors.erase(it);
  } else {
    for (auto it = shard.acked_cursors.begin(); it != shard.acked_cursors.end(); ++it) take(it);
    shard.acked_cursors.clear();
  }
  if (batch.empty()) return;
  core_.executor_.post_writer([this, batch = std::move(batch)] {
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
  core_.executor_.post_writer(
      [this, origin, who, limit, max_bytes, done = std::move(done)]() mutable {
        core_.executor_.post_blocking(
            [this, origin, who, limit, max_bytes, done = std::move(done)]() mutable {
              auto entries = core_.store_.undelivered(who.user_id, who.device_id, limit);
              if (entries) trim_history(*entries, /*forward=*/true, max_bytes);
              core_.executor_.post(
                  origin, [entries = std::move(entries), done = std::move(done)]() mutable {
                    done(std::move(entries));
                  });
            });
      });
}

}  // namespace parley
