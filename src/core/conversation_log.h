// The conversation log family of the store port (core/store.h has the thread contract): the
// gap-free, deduplicated entries of each conversation, appended in batches and read as one
// member sees them.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/errors.h"
#include "core/model.h"

namespace parley {

// One message to append. The store assigns seq and message id inside the same transaction that
// checks (sender_id, client_msg_id) for a duplicate, so seq stays gap-free and dedupe survives a
// crash.
struct AppendRequest {
  ConversationId conversation_id = 0;
  UserId sender_id = 0;
  DeviceId sender_device_id = 0;
  std::string client_msg_id;
  MessageKind kind = MessageKind::text;
  std::string text;
  Seq target_seq = 0;  // edit, deletion, reaction kinds
  TimeMs now = 0;
};

// For history reads as one member sees them.
struct Viewer {
  UserId user_id = 0;
  Seq joined_seq = 0;  // entries at or below are not visible
};

struct AppendOutcome {
  Message message;         // the stored message (the original one for a duplicate)
  bool duplicate = false;  // (sender, client_msg_id) was already stored
};

// The completion of one append.
using AppendDone = std::move_only_function<void(Result<AppendOutcome>)>;

class ConversationLog {
 public:
  virtual ~ConversationLog() = default;

  // Any thread. Queues one append; the backend commits it with whatever else is queued (group
  // commit, the semantics of append() below) and calls `done` on its write context once the
  // request is durable or has failed. Appends commit in submission order.
  virtual void submit_append(AppendRequest request, AppendDone done) = 0;
  // [writer] Appends all requests in ONE durable transaction: the batch that submit_append's
  // group commit runs, public for the conformance suite. outcomes[i] answers
  // requests[i]; a failure of one request (e.g. unknown conversation) does not fail the others.
  // Every kind: not_found for an unknown conversation, forbidden unless the sender is a current
  // member, user_not_found in a direct conversation whose other member blocked the sender.
  // text: also moves the sender's read_seq to the new seq.
  // edit, deletion: target_seq must be a text entry visible to the sender, sent by the sender,
  //   not deleted (else not_found / forbidden). deletion erases the body of the target and of
  //   every edit of it, and removes its reactions.
  // reaction, reaction_removed: target_seq must be a visible, not deleted text entry;
  //   invalid_argument when the reaction already exists / does not exist.
  virtual std::vector<Result<AppendOutcome>> append(std::span<const AppendRequest> requests) = 0;
  // Oldest first: entries with seq > after (view_after) or the newest with seq < before
  // (view_before; before = 0: from the end), at most limit, as `viewer` sees them (Viewer{}:
  // everything, as stored): entries at or below the viewer's joined_seq
  // are left out, text hidden by the viewer comes back with hidden=true and no text, and text
  // entries carry their reactions.
  virtual Result<std::vector<Message>> view_after(const Viewer& viewer, ConversationId id,
                                                  Seq after, std::size_t limit) = 0;
  virtual Result<std::vector<Message>> view_before(const Viewer& viewer, ConversationId id,
                                                   Seq before, std::size_t limit) = 0;
};

}  // namespace parley
