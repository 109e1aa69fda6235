#include "gateway/native/native_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/accounts.h"
#include "core/chat.h"
#include "core/contacts.h"
#include "core/messaging.h"
#include "gateway/common/peer_ip.h"
#include "gateway/native/error_mapping.h"
#include "gateway/native/frame_codec.h"
#include "gateway/native/frame_decoder.h"
#include "gateway/native/json_mapping.h"
#include "gateway/native/proto_mapping.h"

namespace parley::native {
namespace {

// This gateway's two wire formats, each with its slot in every event's encoding cache.
const std::size_t kBinarySlot = EncodingSlots::take();
const std::size_t kJsonSlot = EncodingSlots::take();

std::string encode(const v1::ServerFrame& frame, bool json) {
  if (json) return message_to_json(frame);
  std::string bytes;
  frame.SerializeToString(&bytes);
  return bytes;
}

// How a goodbye's reason shows as a WebSocket close code (docs/protocol.md).
transport::CloseReason close_reason_for(v1::ErrorCode reason) {
  switch (reason) {
    case v1::FRAME_TOO_LARGE:
      return transport::CloseReason::too_big;
    case v1::SHUTTING_DOWN:
      return transport::CloseReason::going_away;
    case v1::TOKEN_INVALID:
      return transport::CloseReason::normal;
    default:
      return transport::CloseReason::policy;
  }
}

std::string seconds(std::chrono::milliseconds span) {
  if (span.count() % 1000 == 0) return std::to_string(span.count() / 1000) + " s";
  return std::to_string(span.count()) + " ms";
}

}  // namespace

std::string stream_goodbye(Errc reason, std::string_view message) {
  v1::ServerFrame frame;
  frame.mutable_goodbye()->set_reason(to_wire(reason));
  frame.mutable_goodbye()->set_message(std::string(message));
  const std::string bytes = frame.SerializeAsString();
  return length_prefix(bytes.size()) + bytes;
}

// Before the client's first frame its format is unknown: on WebSocket the server writes JSON
// text (a timeout's goodbye), which any client can read; the first frame then decides.
NativeSession::NativeSession(transport::Connection& connection, Core& core,
                             boost::asio::io_context& io, const NativeConfig& config)
    : connection_(connection),
      core_(core),
      config_(config),
      json_(connection.framing() == transport::Framing::messages),
      unacked_(gateway::DeliveryLimits{config.resend_timeout, config.max_resends,
                                       config.max_unacked, config.max_unacked_bytes}),
      resend_timer_(io) {
  handle_ = core_.open_session(*this);
  const auto now = std::chrono::steady_clock::now();
  connection_.set_deadline(now + config_.hello_timeout);
  login_deadline_ = now + config_.login_timeout;
}

NativeSession::~NativeSession() {
  if (phase_ != Phase::closing) core_.close_session(handle_);
}

// ---------------------------------------------------------------- input

void NativeSession::on_bytes(std::string_view bytes) {
  if (phase_ == Phase::closing) return;
  // Whole frames are parsed straight from the transport's buffer; only the bytes of a frame not
  // yet complete (or of frames held back at the in-flight cap) are copied and kept, so a session
  // between frames holds no buffer at all. Held back, they are at most what one read brought.
  std::string_view input = bytes;
  if (!inbuf_.empty()) {
    inbuf_.append(bytes);
    input = inbuf_;
  }
  std::size_t offset = 0;
  bool completed = false;
  while (phase_ != Phase::closing && !input_held()) {
    ParseResult parsed = parse_frame(input.substr(offset), config_.max_frame_bytes);
    if (parsed.status == ParseStatus::need_more) break;
    if (parsed.status == ParseStatus::too_large) {
      goodbye(SessionCode::frame_too_large,
              "frame over " + std::to_string(config_.max_frame_bytes) + " bytes");
      return;
    }
    handle_frame(parsed.payload, false);
    offset += parsed.consumed;
    completed = true;
  }
  if (phase_ == Phase::closing) return;
  if (input.data() == inbuf_.data()) {
    inbuf_.erase(0, offset);
  } else {
    inbuf_.assign(input.substr(offset));
  }
  if (inbuf_.empty()) std::string().swap(inbuf_);
  if (input_held() && !input_paused_) {
    input_paused_ = true;
    connection_.pause_input();
  }
  // Each frame's own age counts: a completed frame restarts the clock for the next one, and
  // frames held back are not the client's delay.
  if (completed || input_paused_) connection_.set_partial_frame(false);
  if (!inbuf_.empty() && !input_paused_) connection_.set_partial_frame(true);
}

void NativeSession::on_message(std::string_view payload, transport::MessageType type) {
  if (phase_ == Phase::closing) return;
  if (payload.size() > config_.max_frame_bytes) {
    if (phase_ == Phase::awaiting_hello) json_ = type == transport::MessageType::text;
    goodbye(SessionCode::frame_too_large,
            "frame over " + std::to_string(config_.max_frame_bytes) + " bytes");
    return;
  }
  // The transport reads no further message once input is paused; one already read is taken.
  handle_frame(payload, type == transport::MessageType::text);
  if (phase_ != Phase::closing && input_held() && !input_paused_) {
    input_paused_ = true;
    connection_.pause_input();
  }
}

void NativeSession::handle_frame(std::string_view payload, bool json) {
  if (phase_ == Phase::awaiting_hello) json_ = json;  // the first frame sets the session's format
  v1::ClientFrame frame;
  if (auto decoded = decode_client_frame(payload, json, frame); !decoded) {
    if (phase_ == Phase::awaiting_hello) {
      goodbye(decoded.error().code, "undecodable first frame: " + decoded.error().message);
    } else {
      // Answered with the request's id whenever that much of it can be read.
      reply_error(read_request_id(payload, json), decoded.error());
    }
    return;
  }
  dispatch(frame);
}

void NativeSession::request_done() {
  --in_flight_;
  if (!input_paused_ || input_held() || resume_posted_) return;
  resume_posted_ = true;
  boost::asio::post(resend_timer_.get_executor(), [this, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    resume_posted_ = false;
    resume_input();
  });
}

void NativeSession::resume_input() {
  if (phase_ == Phase::closing || !input_paused_ || input_held()) return;
  input_paused_ = false;
  if (!inbuf_.empty()) on_bytes({});  // the frames read before the pause first
  if (phase_ != Phase::closing && !input_paused_) connection_.resume_input();
}

void NativeSession::arm_login_deadline(std::chrono::steady_clock::time_point start) {
  login_deadline_ = start + config_.login_timeout;
  connection_.set_deadline(login_deadline_);
}

void NativeSession::dispatch(v1::ClientFrame& frame) {
  const std::uint64_t id = frame.id();
  if (phase_ == Phase::awaiting_hello) {
    if (frame.body_case() != v1::ClientFrame::kHello) {
      goodbye(SessionCode::hello_required, "the first frame must be hello");
      return;
    }
    on_hello(id, frame.hello());
    return;
  }
  using B = v1::ClientFrame::BodyCase;
  const B body = frame.body_case();
  switch (body) {
    case B::kHello:
      return reply_error(id, Errc::invalid_argument, "hello was already received");
    case B::kPing: {
      v1::ServerFrame out;
      out.set_id(id);
      out.mutable_pong();
      return reply(out);
    }
    case B::kRegisterAccount:
    case B::kLogin:
    case B::kResume: {
      if (identity_)
        return reply_error(id, SessionCode::already_authenticated, "already logged in");
      if (auth_in_flight_) {
        return reply_error(id, Errc::invalid_argument, "an authentication is in progress");
      }
      auth_in_flight_ = true;
      auto done = guarded<AuthGrant>(
          [this, id](Result<AuthGrant> grant) { on_auth_result(id, std::move(grant)); });
      const std::string ip = gateway::peer_ip(connection_.remote_address());
      if (body == B::kRegisterAccount) {
        auto& r = *frame.mutable_register_account();
        core_.accounts().register_account(
            {std::move(*r.mutable_username()), std::move(*r.mutable_password()),
             std::move(*r.mutable_device_name()), ip, std::move(*r.mutable_device_key())},
            std::move(done));
      } else if (body == B::kLogin) {
        auto& r = *frame.mutable_login();
        core_.accounts().login(
            {std::move(*r.mutable_username()), std::move(*r.mutable_password()),
             std::move(*r.mutable_device_name()), ip, std::move(*r.mutable_device_key())},
            std::move(done));
      } else {
        core_.accounts().resume(std::move(*frame.mutable_resume()->mutable_token()),
                                std::move(done));
      }
      return;
    }
    case B::BODY_NOT_SET:
      return reply_error(id, SessionCode::unknown_frame, "unknown or empty frame body");
    default:
      break;
  }

  if (!identity_) return reply_error(id, SessionCode::not_authenticated, "log in or resume first");
  const SessionIdentity& who = *identity_;
  auto ok_reply = [this, id](Result<void> result) {
    if (!result) return reply_error(id, result.error());
    v1::ServerFrame out;
    out.set_id(id);
    out.mutable_ok();
    reply(out);
  };

  switch (body) {
    case B::kDeliveryAck:
      return on_delivery_ack(frame.delivery_ack());
    case B::kSend: {
      auto& s = *frame.mutable_send();
      SendCommand command;
      // Read the oneof by its case: mutable_to_user() would switch it and drop conversation_id.
      if (s.to_case() == v1::SendRequest::kToUser)
        command.to_user = std::move(*s.mutable_to_user());
      if (s.to_case() == v1::SendRequest::kConversationId)
        command.conversation_id = s.conversation_id();
      command.client_msg_id = std::move(*s.mutable_client_msg_id());
      command.text = std::move(*s.mutable_text());
      core_.messaging().send(who, std::move(command),
                             guarded<SendAck>([this, id](Result<SendAck> ack) {
                               reply_send_ack(id, std::move(ack));
                             }));
      return;
    }
    case B::kSync:
      core_.messaging().sync(who, frame.sync().user_seq(), frame.sync().after_conversation_id(),
                             guarded<SyncResult>([this, id](Result<SyncResult> result) {
                               if (!result) return reply_error(id, result.error());
                               v1::ServerFrame out;
                               out.set_id(id);
                               auto* s = out.mutable_sync();
                               for (const ConversationSummary& c : result->conversations) {
                                 to_wire(c, *s->add_conversations());
                               }
                               for (const UserUpdate& u : result->updates)
                                 to_wire(u, *s->add_updates());
                               s->set_updates_truncated(result->updates_truncated);
                               s->set_has_more_conversations(result->has_more_conversations);
                               s->set_user_seq(result->user_seq);
                               reply(out);
                             }));
      return;
    case B::kHistory: {
      const auto& h = frame.history();
      HistoryQuery query;
      query.conversation_id = h.conversation_id();
      query.before_seq = h.before_seq();
      if (h.has_after_seq()) query.after_seq = h.after_seq();
      query.limit = h.limit();
      core_.messaging().history(who, query,
                                guarded<HistoryPage>([this, id](Result<HistoryPage> page) {
                                  if (!page) return reply_error(id, page.error());
                                  v1::ServerFrame out;
                                  out.set_id(id);
                                  auto* history = out.mutable_history();
                                  for (const Message& m : page->messages)
                                    to_wire(m, *history->add_messages());
                                  history->set_has_more(page->has_more);
                                  reply(out);
                                }));
      return;
    }
    case B::kOpenDirect: {
      core_.messaging().open_direct(
          who, std::move(*frame.mutable_open_direct()->mutable_username()),
          guarded<Conversation>([this, id](Result<Conversation> conversation) {
            if (!conversation) {
              return reply_error(id, conversation.error());
            }
            v1::ServerFrame out;
            out.set_id(id);
            to_wire(*conversation, *out.mutable_conversation());
            reply(out);
          }));
      return;
    }
    case B::kLogout:
      core_.accounts().logout(who, guarded<void>([this, ok_reply](Result<void> result) {
                                if (result) {
                                  // The connection stays, unauthenticated: a fresh handle, nothing
                                  // pending.
                                  core_.close_session(handle_);
                                  handle_ = core_.open_session(*this);
                                  identity_.reset();
                                  unacked_.clear();
                                  // Unauthenticated again: it counts against the caps, and must log
                                  // in within the login time limit from now.
                                  connection_.mark_unauthenticated();
                                  arm_login_deadline(std::chrono::steady_clock::now());
                                }
                                ok_reply(std::move(result));
                              }));
      return;
    case B::kChangePassword: {
      auto& c = *frame.mutable_change_password();
      core_.accounts().change_password(who, std::move(*c.mutable_old_password()),
                                       std::move(*c.mutable_new_password()),
                                       guarded<void>(ok_reply));
      return;
    }
    default:
      if (dispatch_chat(frame, who)) return;
      return reply_error(id, SessionCode::unknown_frame, "unknown frame body");
  }
}

void NativeSession::on_hello(std::uint64_t id, const v1::Hello& hello) {
  const std::uint32_t min = hello.min_version() == 0 ? 1 : hello.min_version();
  const std::uint32_t max = std::max(hello.max_version(), min);
  if (kProtocolVersion < min || kProtocolVersion > max) {
    goodbye(SessionCode::version_unsupported,
            "this server speaks protocol version " + std::to_string(kProtocolVersion));
    return;
  }
  std::chrono::milliseconds interval = config_.heartbeat_default;
  if (hello.heartbeat_interval_ms() != 0) {
    interval = std::clamp(std::chrono::milliseconds(hello.heartbeat_interval_ms()),
                          config_.heartbeat_min, config_.heartbeat_max);
  }
  phase_ = Phase::open;
  // DESIGN §6: a session silent for 2.5 intervals is closed.
  connection_.set_idle_timeout(interval * 5 / 2);
  if (!identity_) connection_.set_deadline(login_deadline_);
  v1::ServerFrame out;
  out.set_id(id);
  auto* ok = out.mutable_hello_ok();
  ok->set_version(kProtocolVersion);
  ok->set_server_name(config_.server_name);
  ok->set_heartbeat_interval_ms(static_cast<std::uint32_t>(interval.count()));
  ok->mutable_limits()->set_max_frame_bytes(static_cast<std::uint32_t>(config_.max_frame_bytes));
  ok->mutable_limits()->set_max_message_bytes(
      static_cast<std::uint32_t>(core_.config().max_message_bytes));
  reply(out);
}

void NativeSession::on_auth_result(std::uint64_t id, Result<AuthGrant> grant) {
  auth_in_flight_ = false;
  if (phase_ == Phase::closing) return;
  if (!grant) return reply_error(id, grant.error());
  identity_ = core_.attach(handle_, *grant);
  connection_.mark_authenticated();
  connection_.set_deadline(std::chrono::steady_clock::time_point::max());
  v1::ServerFrame out;
  out.set_id(id);
  auto* ok = out.mutable_auth_ok();
  ok->set_user_id(grant->user_id);
  ok->set_username(grant->username);
  ok->set_device_id(grant->device_id);
  ok->set_token(grant->token);
  ok->set_token_expires_at_ms(grant->token_expires_at);
  reply(out);
}

void NativeSession::on_timeout(transport::Timeout which) {
  switch (which) {
    case transport::Timeout::deadline:
      if (phase_ == Phase::awaiting_hello) {
        return goodbye(SessionCode::hello_required,
                       "no hello within " + seconds(config_.hello_timeout));
      }
      if (!identity_) {
        return goodbye(SessionCode::not_authenticated,
                       "not logged in within " + seconds(config_.login_timeout));
      }
      return;
    case transport::Timeout::partial_frame:
      return goodbye(SessionCode::bad_frame, "a frame begun was not completed in time");
    case transport::Timeout::idle:
      if (phase_ == Phase::awaiting_hello) return;  // the hello deadline covers this phase
      return goodbye(SessionCode::heartbeat_timeout, "no frame within 2.5 heartbeat intervals");
  }
}

void NativeSession::on_shutdown() { goodbye(SessionCode::shutting_down, "the server is stopping"); }

void NativeSession::on_closed() {
  if (phase_ != Phase::closing) {
    phase_ = Phase::closing;
    core_.close_session(handle_);
  }
  alive_.reset();
  resend_timer_.cancel();
  unacked_.clear();
}

void NativeSession::on_kicked(Errc reason) {
  if (phase_ == Phase::closing) return;
  goodbye(reason, reason == Errc::token_invalid ? "this device's token was revoked"
                                                : "the server ended the session");
}

// ---------------------------------------------------------------- output

const std::string& NativeSession::wire_bytes(const Event& event) const {
  // Encoded once per format and shared by every recipient speaking it (Event::encoded).
  const bool json = json_;
  return event.encoded(json ? kJsonSlot : kBinarySlot, [json](const Event& e) {
    v1::ServerFrame frame;
    to_wire(e, frame);
    return encode(frame, json);
  });
}

void NativeSession::send_bytes(std::shared_ptr<const void> owner, std::string_view bytes) {
  transport::Outbound out;
  out.owner = std::move(owner);
  out.bytes = bytes;
  if (connection_.framing() == transport::Framing::stream) {
    out.prefix = length_prefix(bytes.size());
  } else {
    out.type = json_ ? transport::MessageType::text : transport::MessageType::binary;
  }
  if (!connection_.send(std::move(out))) {
    // The transport cut the connection (slow consumer); on_closed follows.
    if (phase_ == Phase::closing) return;
    phase_ = Phase::closing;
    core_.close_session(handle_);
  }
}

void NativeSession::reply(v1::ServerFrame& frame) {
  if (phase_ == Phase::closing) return;
  auto bytes = std::make_shared<const std::string>(encode(frame, json_));
  std::string_view view = *bytes;
  send_bytes(std::move(bytes), view);
}

void NativeSession::reply_error(std::uint64_t id, const Error& error) {
  reply_wire_error(id, to_wire(error.code), error.message, error.retry_after_ms);
}

void NativeSession::reply_error(std::uint64_t id, Errc code, std::string_view message) {
  reply_wire_error(id, to_wire(code), message, 0);
}

void NativeSession::reply_error(std::uint64_t id, const SessionError& error) {
  reply_wire_error(id, to_wire(error.code), error.message, 0);
}

void NativeSession::reply_error(std::uint64_t id, SessionCode code, std::string_view message) {
  reply_wire_error(id, to_wire(code), message, 0);
}

void NativeSession::reply_wire_error(std::uint64_t id, v1::ErrorCode code, std::string_view message,
                                     std::uint32_t retry_after_ms) {
  v1::ServerFrame out;
  out.set_id(id);
  out.mutable_error()->set_code(code);
  if (code == v1::INTERNAL) {
    // An internal error's detail (SQL, file names) is for the operator, never for the client.
    spdlog::error("internal error answering request {} of {}: {}", id, connection_.remote_address(),
                  message);
    out.mutable_error()->set_message("internal error");
  } else {
    out.mutable_error()->set_message(std::string(message));
  }
  out.mutable_error()->set_retry_after_ms(retry_after_ms);
  reply(out);
}

void NativeSession::goodbye(SessionCode reason, std::string_view message) {
  wire_goodbye(to_wire(reason), message);
}

void NativeSession::goodbye(Errc reason, std::string_view message) {
  wire_goodbye(to_wire(reason), message);
}

void NativeSession::wire_goodbye(v1::ErrorCode reason, std::string_view message) {
  if (phase_ == Phase::closing) return;
  v1::ServerFrame out;
  out.mutable_goodbye()->set_reason(reason);
  out.mutable_goodbye()->set_message(std::string(message));
  reply(out);
  if (phase_ == Phase::closing) return;  // the send itself overflowed and closed
  phase_ = Phase::closing;
  core_.close_session(handle_);
  connection_.close(close_reason_for(reason));
}

transport::SessionFactory make_native_session_factory(
    Core& core, std::function<boost::asio::io_context&()> io_for_current_shard,
    std::shared_ptr<const NativeConfig> config) {
  return [&core, io_for_current_shard = std::move(io_for_current_shard),
          config = std::move(config)](transport::Connection& connection) {
    // The config outlives every session: the factory (holding it) outlives the listeners.
    return std::make_unique<NativeSession>(connection, core, io_for_current_shard(), *config);
  };
}

}  // namespace parley::native
