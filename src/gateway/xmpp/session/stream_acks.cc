#include "gateway/xmpp/session/stream_acks.h"

namespace parley::xmpp {

void StreamAcks::done(std::uint64_t n) {
  auto it = pending_.find(n);
  if (it == pending_.end()) return;
  if (--it->second <= 0) pending_.erase(it);
}

std::uint32_t StreamAcks::handled() const {
  const std::uint64_t h = pending_.empty() ? received_ : pending_.begin()->first - 1;
  return static_cast<std::uint32_t>(h);  // XEP-0198 §4: h wraps at 2^32
}

void StreamAcks::sent(std::optional<ConversationCursor> cursor) {
  ++sent_;
  if (cursor) carried_.push_back({sent_, *cursor});
}

std::optional<std::vector<ConversationCursor>> StreamAcks::acknowledge(std::uint32_t h) {
  // The wire value is the low 32 bits of the count: the step since the last ack, mod 2^32.
  const std::uint32_t step = h - static_cast<std::uint32_t>(acked_);
  if (step > unacknowledged()) return std::nullopt;
  acked_ += step;
  std::vector<ConversationCursor> delivered;
  while (!carried_.empty() && carried_.front().stanza <= acked_) {
    delivered.push_back(carried_.front().cursor);
    carried_.pop_front();
  }
  return delivered;
}

}  // namespace parley::xmpp
