// Plain requests of the client: open_direct, history pages, and the generic request().
#include "client/client_impl.h"

namespace parley::client {
namespace {

ConversationView to_view(const v1::ConversationInfo& info) {
  ConversationView v;
  v.id = info.conversation_id();
  v.kind = info.kind();
  v.title = info.title();
  v.last_seq = info.last_seq();
  v.last_activity_ms = info.last_activity_ms();
  for (const auto& m : info.members()) v.members.push_back(m.username());
  return v;
}

HistoryResult to_history(const v1::HistoryResponse& response) {
  HistoryResult h;
  h.messages.assign(response.messages().begin(), response.messages().end());
  h.has_more = response.has_more();
  return h;
}

}  // namespace

ClientResult<ConversationView> Client::Impl::open_direct(const std::string& username) {
  v1::ClientFrame frame;
  frame.mutable_open_direct()->set_username(username);
  auto reply = call(std::move(frame), deadline(), true);
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_conversation()) return fail(v1::INTERNAL, "unexpected answer to open_direct");
  return to_view(reply->conversation());
}

ClientResult<HistoryResult> Client::Impl::history(std::int64_t conversation_id,
                                                  std::int64_t before_seq,
                                                  std::optional<std::int64_t> after_seq,
                                                  std::uint32_t limit, Clock::time_point until) {
  v1::ClientFrame frame;
  auto* h = frame.mutable_history();
  h->set_conversation_id(conversation_id);
  h->set_before_seq(before_seq);
  if (after_seq) h->set_after_seq(*after_seq);
  h->set_limit(limit);
  auto reply = call(std::move(frame), until, true);
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_history()) return fail(v1::INTERNAL, "unexpected answer to history");
  return to_history(reply->history());
}

ClientResult<v1::ServerFrame> Client::Impl::request(v1::ClientFrame frame) {
  auto reply = call(std::move(frame), deadline(), /*need_auth=*/true);
  if (!reply) return reply;
  if (reply->has_send_ack()) {
    // An entry this device wrote (edit, reaction, deletion): counted, never delivered back.
    bool delivered = false;
    {
      std::lock_guard lock(mu_);
      const auto& ack = reply->send_ack();
      delivered =
          place_locked(ack.conversation_id(), ack.seq(), std::nullopt, /*from_event=*/false);
      state_changed_locked();
      cv_.notify_all();
    }
    if (delivered) drain_to_callback();
  }
  return reply;
}

}  // namespace parley::client
