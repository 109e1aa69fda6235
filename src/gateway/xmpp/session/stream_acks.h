// The counters of XEP-0198 stream management for one stream, without I/O: which inbound stanzas
// are handled (a message is handled once it is stored, so the client's copy may go only then),
// and which outbound stanzas the client has acknowledged (a message's delivery position moves only
// then). Pure; one per session, on its shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "core/model.h"

namespace parley::xmpp {

class StreamAcks {
 public:
  StreamAcks() = default;
  // Counts that start at `start` stanzas each way (tests of the wrap at 2^32).
  explicit StreamAcks(std::uint64_t start) : received_(start), sent_(start), acked_(start) {}

  // ---- inbound: what the server says with <a h='..'/>
  // A stanza arrived (iq, message or presence): its number since <enable/>, 1-based.
  std::uint64_t received() { return ++received_; }
  // Stanza `n` is being handled by `ops` asynchronous operations; it counts as handled once
  // each has called done(n). A stanza with none is handled when it arrives.
  void begin(std::uint64_t n) { ++pending_[n]; }
  void done(std::uint64_t n);
  // h: every stanza up to this one is handled (mod 2^32 on the wire).
  std::uint32_t handled() const;
  bool all_handled() const { return pending_.empty(); }

  // ---- outbound: what the client says with <a h='..'/>
  // A stanza went out; `cursor` when it carries a log entry whose delivery waits for the ack.
  void sent(std::optional<ConversationCursor> cursor);
  std::uint64_t unacknowledged() const { return sent_ - acked_; }
  bool carrying() const { return !carried_.empty(); }  // log entries wait for an ack
  // The client's h. The entries its stanzas carried are now delivered (oldest first). nullopt
  // when h acknowledges more than was sent (XEP-0198 §4: handled-count-too-high).
  std::optional<std::vector<ConversationCursor>> acknowledge(std::uint32_t h);

 private:
  std::uint64_t received_ = 0;
  std::map<std::uint64_t, int> pending_;  // stanza number -> operations not done yet
  std::uint64_t sent_ = 0;
  std::uint64_t acked_ = 0;
  struct Carried {
    std::uint64_t stanza = 0;
    ConversationCursor cursor;
  };
  std::deque<Carried> carried_;  // sent, not yet acknowledged, in order
};

}  // namespace parley::xmpp
