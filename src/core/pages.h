// Answers that may be large (history, sync, the conversation list) are cut into pages bounded by
// count and by bytes: one big answer must never be more than a reader can take (issue 8, item 1).
// Pure functions over rows; sizes are estimates of the wire size, on the generous side.
#pragma once

#include <cstddef>
#include <vector>

#include "core/model.h"

namespace parley {

struct PageLimits {
  std::size_t max_bytes = 512 * 1024;  // estimated wire bytes of one answer
  std::size_t max_items = 500;         // conversations per page
  std::size_t preview_bytes = 1024;    // text of a conversation's last_message
};

std::size_t approx_wire_size(const Message& message);
std::size_t approx_wire_size(const ConversationSummary& summary);

// Cuts `text` to at most `max` bytes at a UTF-8 character boundary; true when it cut.
bool cut_utf8(std::string& text, std::size_t max);

// Keeps the longest run of `messages` (oldest first) within max_bytes, at least one message:
// from the front when reading forward (after a seq), from the back when reading backward
// (before a seq), so the page stays next to where the reader stands. True when it dropped any.
bool trim_history(std::vector<Message>& messages, bool forward, std::size_t max_bytes);

struct ConversationPage {
  std::vector<ConversationSummary> conversations;
  std::int64_t total_unread = 0;  // over every conversation
  bool has_more = false;
};

// Where a conversation-list page starts: after the conversation (activity, id) in the order
// most recent activity first, then id descending. Both 0: from the start.
struct ListCursor {
  TimeMs after_activity_ms = 0;
  ConversationId after_conversation_id = 0;
  std::size_t limit = 0;  // 0: limits.max_items
};

// `all`: every conversation of the user, most recent activity first.
ConversationPage page_by_activity(std::vector<ConversationSummary> all, const ListCursor& cursor,
                                  const PageLimits& limits);

// `all` in any order: the conversations with id > after, by increasing id, within the limits.
// `has_more` set when some were left for the next page.
std::vector<ConversationSummary> page_by_id(std::vector<ConversationSummary> all,
                                            ConversationId after, const PageLimits& limits,
                                            bool& has_more);

}  // namespace parley
