// Core's messaging family: direct conversations, sending with group commit, sync, history and
// per-device delivery cursors. Reached as Core::messaging(); implemented in messaging.cc and
// cursors.cc.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/core.h"
#include "core/store.h"

namespace parley {

struct ConversationState;

class Core::Messaging {
 public:
  explicit Messaging(Core& core);

  // Thread contract for the public methods: those of Core (call on a shard thread; `done` runs
  // on that shard, possibly before the call returns).
  void open_direct(const SessionIdentity& who, std::string username, Callback<Conversation> done);
  // Stores durably, then acks, then fans out to every other online device of every member.
  void send(const SessionIdentity& who, SendCommand command, Callback<SendAck> done);
  // Every conversation of the user (the device compares last_seq with what it holds and pages
  // in what it misses) and the user-log entries above `user_seq`. Pages by conversation id:
  // `after_conversation` 0 is the first page, the only one that carries user-log updates.
  void sync(const SessionIdentity& who, std::int64_t user_seq, ConversationId after_conversation,
            Callback<SyncResult> done);
  void history(const SessionIdentity& who, HistoryQuery query, Callback<HistoryPage> done);
  // The device holds these entries (it acknowledged them): its delivery cursors move. Batched:
  // written within cursor_flush_ms, and when the session closes. Fire and forget; `acked` is
  // read before this returns (the caller keeps its buffer).
  void acknowledge(const SessionIdentity& who, std::span<const ConversationCursor> acked);
  // What this device has not acknowledged (a resumed session is sent exactly that), oldest
  // first per conversation, bounded by `limit` and by page bytes.
  void undelivered(const SessionIdentity& who, std::size_t limit,
                   Callback<std::vector<Message>> done);

 private:
  // The other families and Core drive these (group changes, chat entries, session close).
  friend class Core;
  friend class Core::Chat;
  friend class Core::Contacts;
  // Session's shard: writes the acknowledged cursors of `device` (every device if 0) now.
  void flush_cursors(DeviceId device = 0);
  // Queues one log entry for the next group commit; acks after the commit, then fans out.
  void append(const SessionIdentity& who, AppendRequest request, Callback<SendAck> done);
  // Owner shard of the conversation: moves the membership windows by a group change and fans
  // the system entry out to those it covers (the members after it and those who just left).
  void on_group_changed(GroupOutcome outcome);
  // Owner shard: runs `fn` with the conversation's windows, loading them first if needed. `seq`:
  // the entry the work delivers (0: none); work runs in arrival order, which for entries is seq
  // order, so windows that end before `seq` are dropped after it.
  void with_members(ConversationId id, Seq seq,
                    std::move_only_function<void(ConversationState*)> fn);

  // Owner shard: reads the windows of a loading state, retrying while the pool is full.
  void load_windows(ConversationId id, Seq since, int attempt);
  static constexpr int kMaxWindowLoadAttempts = 50;
  void append(const SessionIdentity& who, ConversationId conversation, SendCommand command,
              Callback<SendAck> done);
  void on_committed(Message message, SessionHandle origin);  // owner shard
  // Owner shard: the state of `id`, created if needed, marked most recently used; evicts the
  // least recently used idle state when the cache is over its bound.
  ConversationState& touch_conversation(ConversationId id);
  void run_waiting(ConversationState& state);
  // Finds or creates the direct conversation with `username` (resolving on the store's write
  // context).
  void resolve_direct(const SessionIdentity& who, std::string username,
                      Callback<Conversation> done);

  Core& core_;
};

}  // namespace parley
