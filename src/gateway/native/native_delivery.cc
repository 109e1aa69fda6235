// The native session's delivery half: message events sent and tracked in the delivery window,
// the device's acknowledgements (and the cursors they prove), and resends on a timeout.
#include <chrono>
#include <string>

#include "core/messaging.h"
#include "gateway/native/native_session.h"

namespace parley::native {

// ---------------------------------------------------------------- events from core

void NativeSession::on_event(std::shared_ptr<const Event> event) {
  if (phase_ == Phase::closing || !identity_) return;
  const auto* message = std::get_if<MessageEvent>(&event->body());
  const std::string& bytes = wire_bytes(*event);
  if (message) {
    const gateway::DeliveryKey key{message->message.conversation_id, message->message.seq};
    switch (unacked_.track(key, event, bytes.size(), std::chrono::steady_clock::now())) {
      case gateway::TrackResult::tracked:
        break;
      case gateway::TrackResult::too_many:
        goodbye(SessionCode::slow_consumer, "too many unacknowledged messages");
        return;
      case gateway::TrackResult::too_many_bytes:
        goodbye(SessionCode::slow_consumer, "unacknowledged messages exceed " +
                                                std::to_string(config_.max_unacked_bytes) +
                                                " bytes");
        return;
    }
    arm_resend_timer();
  }
  send_bytes(event, bytes);
}

void NativeSession::arm_resend_timer() {
  if (unacked_.empty()) return;
  resend_timer_.arm(config_.resend_timeout, [this] { on_resend_timer(); });
}

void NativeSession::on_resend_timer() {
  if (phase_ == Phase::closing) return;
  gateway::ResendPass pass = unacked_.due(std::chrono::steady_clock::now());
  if (pass.exhausted) {
    goodbye(SessionCode::slow_consumer, "message events were not acknowledged");
    return;
  }
  for (const auto& event : pass.resend) {
    send_bytes(event, wire_bytes(*event));
    if (phase_ == Phase::closing) return;
  }
  arm_resend_timer();
}

void NativeSession::on_delivery_ack(const v1::DeliveryAck& ack) {
  // A scratch buffer kept between acks: one ack frame per read is the common case, and it need
  // not cost an allocation each time.
  ack_keys_.clear();
  for (const auto& ref : ack.messages()) ack_keys_.push_back({ref.conversation_id(), ref.seq()});
  // Only what this session was sent counts, so an ack for a guessed (conversation, seq) changes
  // nothing; the window caps each cursor below what is still unacknowledged.
  unacked_.acknowledge(ack_keys_, acked_cursors_);
  if (!acked_cursors_.empty() && identity_)
    core_.messaging().acknowledge(*identity_, acked_cursors_);
  if (ack_keys_.capacity() > 1024) {  // a huge ack frame's buffers are not kept
    ack_keys_ = {};
    acked_cursors_ = {};
  }
}

}  // namespace parley::native
