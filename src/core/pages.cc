#include "core/pages.h"

#include <algorithm>

namespace parley {
namespace {

// Field tags, lengths and numbers of a protobuf message, or the quoting and names in JSON.
constexpr std::size_t kMessageOverhead = 160;
constexpr std::size_t kMemberOverhead = 48;
constexpr std::size_t kSummaryOverhead = 160;

void cut_previews(ConversationSummary& s, std::size_t preview_bytes) {
  if (s.last_message && cut_utf8(s.last_message->text, preview_bytes)) {
    s.last_message->truncated = true;
  }
}

// Takes items from `sorted` in order until the count or byte bound is reached (at least one).
std::vector<ConversationSummary> take(std::vector<ConversationSummary>& sorted, std::size_t first,
                                      std::size_t limit, const PageLimits& limits, bool& has_more) {
  std::vector<ConversationSummary> page;
  std::size_t bytes = 0;
  std::size_t i = first;
  for (; i < sorted.size() && page.size() < limit; ++i) {
    cut_previews(sorted[i], limits.preview_bytes);
    const std::size_t size = approx_wire_size(sorted[i]);
    if (!page.empty() && bytes + size > limits.max_bytes) break;
    bytes += size;
    page.push_back(std::move(sorted[i]));
  }
  has_more = i < sorted.size();
  return page;
}

}  // namespace

std::size_t approx_wire_size(const Message& m) {
  // A system event goes out as JSON text: at most twice its content (every character escaped).
  const std::size_t text = m.text.size() + (m.system ? 2 * content_bytes(*m.system) : 0);
  std::size_t size = kMessageOverhead + text + m.client_msg_id.size() + m.sender_username.size();
  for (const Reaction& r : m.reactions) size += 32 + r.username.size() + r.emoji.size();
  // JSON escapes can double a text; a protobuf answer never exceeds this estimate.
  return size + text / 2;
}

std::size_t approx_wire_size(const ConversationSummary& s) {
  std::size_t size =
      kSummaryOverhead + s.title.size() + s.nickname.size() + s.conversation.title.size();
  for (const Member& member : s.conversation.members) {
    size += kMemberOverhead + member.username.size();
  }
  if (s.last_message) size += approx_wire_size(*s.last_message);
  return size;
}

bool cut_utf8(std::string& text, std::size_t max) {
  if (text.size() <= max) return false;
  std::size_t end = max;
  // Step back over continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return true;
}

bool trim_history(std::vector<Message>& messages, bool forward, std::size_t max_bytes) {
  std::size_t bytes = 0;
  std::size_t kept = 0;
  for (std::size_t n = 0; n < messages.size(); ++n) {
    const Message& m = forward ? messages[n] : messages[messages.size() - 1 - n];
    const std::size_t size = approx_wire_size(m);
    if (kept > 0 && bytes + size > max_bytes) break;
    bytes += size;
    ++kept;
  }
  if (kept == messages.size()) return false;
  if (forward) {
    messages.resize(kept);
  } else {
    messages.erase(messages.begin(),
                   messages.begin() + static_cast<std::ptrdiff_t>(messages.size() - kept));
  }
  return true;
}

ConversationPage page_by_activity(std::vector<ConversationSummary> all, const ListCursor& cursor,
                                  const PageLimits& limits) {
  ConversationPage page;
  for (const ConversationSummary& s : all) page.total_unread += s.unread;
  std::size_t first = 0;
  if (cursor.after_activity_ms != 0 || cursor.after_conversation_id != 0) {
    // The first conversation ordered after the cursor: older activity, or the same and a
    // smaller id (the order of the store's list).
    auto after = [&](const ConversationSummary& s) {
      const TimeMs a = s.conversation.last_activity_at;
      return a < cursor.after_activity_ms ||
             (a == cursor.after_activity_ms && s.conversation.id < cursor.after_conversation_id);
    };
    first = static_cast<std::size_t>(std::find_if(all.begin(), all.end(), after) - all.begin());
  }
  const std::size_t limit =
      cursor.limit == 0 ? limits.max_items : std::min(cursor.limit, limits.max_items);
  page.conversations = take(all, first, limit, limits, page.has_more);
  return page;
}

std::vector<ConversationSummary> page_by_id(std::vector<ConversationSummary> all,
                                            ConversationId after, const PageLimits& limits,
                                            bool& has_more) {
  std::erase_if(all, [&](const ConversationSummary& s) { return s.conversation.id <= after; });
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.conversation.id < b.conversation.id; });
  return take(all, 0, limits.max_items, limits, has_more);
}

}  // namespace parley
