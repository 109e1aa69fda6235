// One client connection speaking the native protocol: decodes ClientFrames (length-prefixed
// protobuf on streams, protobuf or JSON on WebSocket), calls core, encodes ServerFrames back, and
// resends message events the device has not acknowledged.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/core.h"
#include "gateway/common/delivery_window.h"
#include "gateway/common/guarded_callback.h"
#include "gateway/common/resend_timer.h"
#include "gateway/native/error_mapping.h"
#include "parley_proto/parley.pb.h"
#include "transport/connection.h"

namespace parley::native {

struct NativeConfig {
  std::size_t max_frame_bytes = 256 * 1024;
  std::chrono::milliseconds heartbeat_default{30'000};
  std::chrono::milliseconds heartbeat_min{1'000};
  std::chrono::milliseconds heartbeat_max{300'000};
  // From the session's start (after any TLS or WebSocket handshake), whatever is received.
  std::chrono::milliseconds hello_timeout{10'000};
  std::chrono::milliseconds login_timeout{30'000};
  std::chrono::milliseconds resend_timeout{10'000};
  int max_resends = 3;              // then the session is closed; the device syncs on reconnect
  std::size_t max_unacked = 8'192;  // message events in flight to one device
  std::size_t max_unacked_bytes = 16 * 1024 * 1024;  // their encoded size
  // Requests being answered at once; at the cap no more frames are taken (nor read) until
  // answers go out. Nothing is refused for pipelining.
  std::size_t max_requests_in_flight = 128;
  std::string server_name = "parleyd";
};

class NativeSession final : public transport::ProtocolSession, public SessionSink {
 public:
  // Thread contract: constructed, used and destroyed on the connection's shard thread.
  NativeSession(transport::Connection& connection, Core& core, boost::asio::io_context& io,
                const NativeConfig& config);
  ~NativeSession() override;

  // transport::ProtocolSession
  void on_bytes(std::string_view bytes) override;
  void on_message(std::string_view payload, transport::MessageType type) override;
  void on_timeout(transport::Timeout which) override;
  void on_shutdown() override;
  void on_closed() override;

  // SessionSink
  void on_event(std::shared_ptr<const Event> event) override;
  void on_kicked(Errc reason) override;

 private:
  enum class Phase : std::uint8_t { awaiting_hello, open, closing };

  void handle_frame(std::string_view payload, bool json);
  void dispatch(v1::ClientFrame& frame);
  void on_hello(std::uint64_t id, const v1::Hello& hello);
  void on_auth_result(std::uint64_t id, Result<AuthGrant> grant);
  void on_delivery_ack(const v1::DeliveryAck& ack);
  // Chat-feature requests (chat_requests.cc); false when the body is not one of them.
  bool dispatch_chat(v1::ClientFrame& frame, const SessionIdentity& who);
  void reply_ok(std::uint64_t id, Result<void> result);
  void reply_send_ack(std::uint64_t id, Result<SendAck> ack);
  void reply_conversation(std::uint64_t id, Result<Conversation> conversation);

  void reply(v1::ServerFrame& frame);
  // An Error answering request `id`: a core command's failure, or the session's own.
  void reply_error(std::uint64_t id, const Error& error);
  void reply_error(std::uint64_t id, Errc code, std::string_view message);
  void reply_error(std::uint64_t id, const SessionError& error);
  void reply_error(std::uint64_t id, SessionCode code, std::string_view message);
  void reply_wire_error(std::uint64_t id, v1::ErrorCode code, std::string_view message,
                        std::uint32_t retry_after_ms);
  // Sends a Goodbye and closes after it is written: the session's own reason, or core's (a kick).
  void goodbye(SessionCode reason, std::string_view message);
  void goodbye(Errc reason, std::string_view message);
  void wire_goodbye(v1::ErrorCode reason, std::string_view message);
  void send_bytes(std::shared_ptr<const void> owner, std::string_view bytes);
  // `event` as this session's wire format encodes it (cached in the event).
  const std::string& wire_bytes(const Event& event) const;
  // Wraps the core callback answering one request: it does nothing once this session is gone,
  // and the request counts as in flight until it runs.
  template <class T, class F>
  Callback<T> guarded(F&& f);

  // Input back-pressure: at max_requests_in_flight the session takes no more frames and pauses
  // the transport's reads; an answer going out resumes both (from a posted task, never inside
  // core's callback).
  bool input_held() const { return in_flight_ >= config_.max_requests_in_flight; }
  void request_done();
  void resume_input();
  // Deadlines that received bytes do not move: hello, then login (again after a logout).
  void arm_login_deadline(std::chrono::steady_clock::time_point start);

  void arm_resend_timer();
  void on_resend_timer();

  transport::Connection& connection_;
  Core& core_;
  const NativeConfig& config_;
  SessionHandle handle_;
  Phase phase_ = Phase::awaiting_hello;
  bool json_ = false;  // WebSocket text frames: answer in JSON too
  bool auth_in_flight_ = false;
  bool input_paused_ = false;   // at the in-flight cap: frames wait in inbuf_, reads are paused
  bool resume_posted_ = false;  // a resume_input task is queued
  std::uint32_t in_flight_ = 0;
  std::chrono::steady_clock::time_point login_deadline_;
  std::optional<SessionIdentity> identity_;
  std::string inbuf_;  // stream bytes not yet taken: a frame's start, or frames held back
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  // Message events sent and not yet acknowledged (gateway/common), and its timer.
  gateway::DeliveryWindow unacked_;
  std::vector<gateway::DeliveryKey> ack_keys_;     // on_delivery_ack's scratch (small: see there)
  std::vector<ConversationCursor> acked_cursors_;  // on_delivery_ack's scratch too
  gateway::ResendTimer resend_timer_;
};

// Core runs every callback once, on this shard (its contract), so the count comes back.
template <class T, class F>
Callback<T> NativeSession::guarded(F&& f) {
  ++in_flight_;
  return gateway::while_alive<T>(
      alive_, [this] { request_done(); }, std::forward<F>(f));
}

// The factory transports call for each new native connection (TCP, TLS, WebSocket "/ws").
// `io_for_shard` gives the io_context of the calling shard (for the session's timers).
transport::SessionFactory make_native_session_factory(
    Core& core, std::function<boost::asio::io_context&()> io_for_current_shard,
    std::shared_ptr<const NativeConfig> config);

// A whole stream frame (length prefix included) carrying Goodbye `reason`: what a listener writes
// to a connection it refuses at once.
std::string stream_goodbye(Errc reason, std::string_view message);

}  // namespace parley::native
