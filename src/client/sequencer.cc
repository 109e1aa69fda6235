// Per-conversation ordering and dedupe of the entries a device receives (live, acked, fetched).
#include "client/sequencer.h"

#include <algorithm>

namespace parley::client {

Sequencer::Placed Sequencer::place(std::int64_t conversation, std::int64_t seq,
                                   std::optional<v1::Message> message) {
  Placed out;
  auto& c = conversations_[conversation];
  if (seq <= c.contiguous || c.ahead.contains(seq)) {
    out.duplicate = true;
    return out;
  }
  c.highest_seen = std::max(c.highest_seen, seq);
  if (seq != c.contiguous + 1) {
    if (held_total_ >= max_held_) {
      out.dropped = true;
      return out;
    }
    c.ahead.emplace(seq, std::move(message));
    ++held_total_;
    return out;
  }
  if (message) out.ready.push_back(std::move(*message));
  c.contiguous = seq;
  while (!c.ahead.empty() && c.ahead.begin()->first == c.contiguous + 1) {
    auto& held = c.ahead.begin()->second;
    if (held) out.ready.push_back(std::move(*held));
    c.ahead.erase(c.ahead.begin());
    --held_total_;
    ++c.contiguous;
  }
  return out;
}

std::int64_t Sequencer::contiguous(std::int64_t conversation) const {
  auto it = conversations_.find(conversation);
  return it == conversations_.end() ? 0 : it->second.contiguous;
}

bool Sequencer::has_gap(std::int64_t conversation) const {
  auto it = conversations_.find(conversation);
  return it != conversations_.end() && it->second.highest_seen > it->second.contiguous;
}

std::size_t Sequencer::held(std::int64_t conversation) const {
  auto it = conversations_.find(conversation);
  return it == conversations_.end() ? 0 : it->second.ahead.size();
}

void Sequencer::start_at(std::int64_t conversation, std::int64_t seq) {
  auto& c = conversations_[conversation];
  if (c.contiguous < seq && c.ahead.empty()) c.contiguous = seq;
}

void Sequencer::restore(std::int64_t conversation, std::int64_t seq) {
  auto& c = conversations_[conversation];
  c.contiguous = std::max(c.contiguous, seq);
}

void Sequencer::clear() {
  conversations_.clear();
  held_total_ = 0;
}

std::map<std::int64_t, std::int64_t> Sequencer::cursors() const {
  std::map<std::int64_t, std::int64_t> out;
  for (const auto& [id, c] : conversations_) {
    if (c.contiguous > 0) out[id] = c.contiguous;
  }
  return out;
}

}  // namespace parley::client
