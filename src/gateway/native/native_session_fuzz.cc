// Fuzz target for the native session itself (hello, auth, dispatch, the delivery window), not only
// its decoder: a sequence of client frames drives a real NativeSession over a real Core with a
// SQLite store in a temporary directory, under the deterministic ManualExecutor, through a fake
// transport::Connection. It checks that nothing crashes, that every request is answered unless
// the session ended with a Goodbye (and nothing is answered twice or sent after it), and that the
// output stays bounded. Input format: native_session_fuzz.h. Built for libFuzzer with clang
// (-DPARLEY_LIBFUZZER=ON), and always as a deterministic replay that ctest runs.
#include "gateway/native/native_session_fuzz.h"

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/accounts.h"
#include "core/core.h"
#include "core/messaging.h"
#include "gateway/native/frame_codec.h"
#include "gateway/native/frame_decoder.h"
#include "gateway/native/json_mapping.h"
#include "gateway/native/native_session.h"
#include "testing/fuzz_world.h"

namespace parley::native::session_fuzz {
namespace {

#define FUZZ_CHECK(cond, what)                                             \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "native session fuzz: %s (%s)\n", what, #cond); \
      std::abort();                                                        \
    }                                                                      \
  } while (false)

constexpr std::size_t kMaxFrameBytes = 4096;     // small, so that the limit is reached
constexpr std::size_t kMaxRequestsInFlight = 8;  // small, so that input pauses
// No answer or event is bigger: core bounds a page at 512 KiB of protobuf (PageLimits), and JSON
// escapes at most six bytes for one.
constexpr std::size_t kMaxServerFrameBytes = 6 * 512 * 1024;

bool is_answer(v1::ServerFrame::BodyCase body) {
  using B = v1::ServerFrame::BodyCase;
  switch (body) {
    case B::kMessage:
    case B::kUserUpdate:
    case B::kPresence:
    case B::kTyping:
    case B::kRead:
    case B::kGoodbye:
    case B::BODY_NOT_SET:
      return false;
    default:
      return true;
  }
}

// The transport side: takes every frame at once (as if written), decodes and records it.
class FakeConnection final : public transport::Connection {
 public:
  explicit FakeConnection(transport::Framing framing) : framing_(framing) {}

  transport::Framing framing() const override { return framing_; }
  const std::string& remote_address() const override { return address_; }
  bool send(transport::Outbound out) override {
    FUZZ_CHECK(!closed, "a frame was sent after close()");
    FUZZ_CHECK(out.bytes.size() <= kMaxServerFrameBytes, "a server frame is too big");
    v1::ServerFrame frame;
    bool decoded = false;
    if (framing_ == transport::Framing::stream) {
      FUZZ_CHECK(out.prefix == length_prefix(out.bytes.size()), "bad length prefix");
      decoded = frame.ParseFromArray(out.bytes.data(), static_cast<int>(out.bytes.size()));
    } else if (out.type == transport::MessageType::text) {
      decoded = json_to_message(out.bytes, frame, nullptr);
    } else {
      decoded = frame.ParseFromArray(out.bytes.data(), static_cast<int>(out.bytes.size()));
    }
    FUZZ_CHECK(decoded, "the server sent a frame that does not decode");
    FUZZ_CHECK(!goodbye_sent, "a frame was sent after the goodbye");
    if (frame.has_goodbye()) goodbye_sent = true;
    bytes_sent += out.bytes.size() + out.prefix.size();
    sent.push_back(std::move(frame));
    return true;
  }
  void close(transport::CloseReason) override { closed = true; }
  void set_idle_timeout(std::chrono::milliseconds) override {}
  void set_deadline(std::chrono::steady_clock::time_point) override {}
  void set_partial_frame(bool) override {}
  void pause_input() override { paused = true; }
  void resume_input() override { paused = false; }
  void mark_authenticated() override {}
  void mark_unauthenticated() override {}
  std::size_t queued_bytes() const override { return 0; }

  std::vector<v1::ServerFrame> sent;
  std::size_t bytes_sent = 0;
  bool closed = false;
  bool paused = false;
  bool goodbye_sent = false;

 private:
  transport::Framing framing_;
  std::string address_ = "192.0.2.7:40000";
};

class Harness {
 public:
  explicit Harness(std::uint8_t flags)
      : flags_(flags),
        connection_(flags & kWebSocket ? transport::Framing::messages
                                       : transport::Framing::stream) {
    config_.max_frame_bytes = kMaxFrameBytes;
    config_.max_requests_in_flight = kMaxRequestsInFlight;
    if (flags & kResendAtOnce) config_.resend_timeout = std::chrono::milliseconds(0);
    if (flags & kPeer) world_.start_peer(kPeerName, kPeerPassword);
    ex_.on_shard(0, [&] { session_.emplace(connection_, core_, io_, config_); });
  }

  ~Harness() {
    ex_.on_shard(0, [&] { session_.reset(); });  // before the world that core lives in
  }

  void run(std::string_view input) {
    if (flags_ & kWebSocket) {
      deliver_messages(input);
    } else {
      deliver_stream(input);
    }
    settle();
    if (!connection_.closed) {
      FUZZ_CHECK(!connection_.paused, "input stays paused with nothing in flight");
      check_answers(/*all=*/true);
    }
    end();
    check_answers(/*all=*/false);
    check_bounds();
    if (std::getenv("PARLEY_FUZZ_VERBOSE")) describe();
  }

 private:
  // What the session must answer: `id` once for a request; maybe once for a delivery ack (it is
  // answered only before login).
  void expect(std::string_view payload, bool json) {
    v1::ClientFrame frame;
    if (auto decoded = decode_client_frame(payload, json, frame); !decoded) {
      ++expected_[read_request_id(payload, json)];
    } else if (frame.has_delivery_ack()) {
      ++optional_[frame.id()];
    } else {
      ++expected_[frame.id()];
    }
    ++frames_;
  }

  // Hello and the requests that log in or out: a pipelining client still waits for their answer
  // (a request sent before auth_ok is answered NOT_AUTHENTICATED), so input pauses there.
  static bool changes_login(std::string_view payload, bool json) {
    v1::ClientFrame frame;
    if (!decode_client_frame(payload, json, frame)) return false;
    switch (frame.body_case()) {
      case v1::ClientFrame::kHello:
      case v1::ClientFrame::kRegisterAccount:
      case v1::ClientFrame::kLogin:
      case v1::ClientFrame::kResume:
      case v1::ClientFrame::kLogout:
        return true;
      default:
        return false;
    }
  }

  // A transport reads nothing while input is paused: wait for the session to resume it.
  bool may_read() {
    if (connection_.paused) settle();
    if (connection_.closed) return false;
    FUZZ_CHECK(!connection_.paused, "input stays paused with nothing in flight");
    return true;
  }

  void deliver_messages(std::string_view input) {
    const bool text = flags_ & kText;
    const auto type = text ? transport::MessageType::text : transport::MessageType::binary;
    while (!input.empty()) {
      // Cut at each length prefix, whatever it says; a tail that is no whole frame is sent too.
      ParseResult cut = parse_frame(input, input.size());
      std::string_view message = input;
      if (cut.status == ParseStatus::ok) {
        message = cut.payload;
        input.remove_prefix(cut.consumed);
      } else {
        input = {};
      }
      if (!may_read()) return;
      if (message.size() <= kMaxFrameBytes) expect(message, text);
      const std::string copy(message);  // the transport's buffer: gone after the call
      ex_.on_shard(0, [&] { session_->on_message(copy, type); });
      if (!(flags_ & kPipelined) || changes_login(message, text)) settle();
    }
  }

  void deliver_stream(std::string_view input) {
    // The frames the session will find, as it finds them.
    for (std::string_view rest = input;;) {
      ParseResult parsed = parse_frame(rest, kMaxFrameBytes);
      if (parsed.status != ParseStatus::ok) break;
      expect(parsed.payload, false);
      rest.remove_prefix(parsed.consumed);
    }
    // Frame by frame, each in two reads (so that frames also arrive cut short); pipelined, in one
    // read up to each login step.
    std::string pending;
    auto read = [&](std::string_view bytes) {
      if (!may_read()) return false;
      const std::string copy(bytes);
      ex_.on_shard(0, [&] { session_->on_bytes(copy); });
      return true;
    };
    while (!input.empty()) {
      ParseResult cut = parse_frame(input, input.size());
      const bool whole = cut.status == ParseStatus::ok;
      const std::size_t take = whole ? cut.consumed : input.size();
      const std::string_view bytes = input.substr(0, take);
      input.remove_prefix(take);
      if (flags_ & kPipelined) {
        pending += bytes;
        if (!input.empty() && !(whole && changes_login(cut.payload, false))) continue;
        if (!read(pending)) return;
        pending.clear();
      } else {
        if (!read(bytes.substr(0, take / 2)) || !read(bytes.substr(take / 2))) return;
      }
      settle();
    }
  }

  // Runs core, the session's timers and posted tasks, and the peer, until nothing is left.
  void settle() {
    for (int round = 0; round < 10'000; ++round) {
      ex_.run_until_idle();
      std::size_t ran = 0;
      ex_.on_shard(0, [&] { ran = io_.poll(); });
      io_.restart();
      const bool peer_sent = peer_reacts();
      if (ran == 0 && !peer_sent && ex_.writer_queued() == 0 && ex_.blocking_queued() == 0 &&
          ex_.hashing_queued() == 0) {
        return;
      }
    }
    FUZZ_CHECK(false, "the session never settles");
  }

  // The peer sends one message to each user that logs in on the fuzzed session.
  bool peer_reacts() {
    bool sent = false;
    for (; seen_ < connection_.sent.size(); ++seen_) {
      const v1::ServerFrame& frame = connection_.sent[seen_];
      if (!world_.has_peer() || !frame.has_auth_ok()) continue;
      SendCommand command;
      command.to_user = frame.auth_ok().username();
      command.client_msg_id = "peer-" + std::to_string(peer_sends_);
      command.text = "hello from the peer";
      ex_.on_shard(1, [&] {
        core_.messaging().send(world_.peer(), std::move(command), [](Result<SendAck>) {});
      });
      ++peer_sends_;
      sent = true;
    }
    return sent;
  }

  void end() {
    const auto action = static_cast<EndAction>(flags_ >> kEndShift);
    if (!connection_.closed) {
      ex_.on_shard(0, [&] {
        switch (action) {
          case EndAction::idle_timeout:
            return session_->on_timeout(transport::Timeout::idle);
          case EndAction::deadline:
            return session_->on_timeout(transport::Timeout::deadline);
          case EndAction::partial_frame_timeout:
            return session_->on_timeout(transport::Timeout::partial_frame);
          case EndAction::shutdown:
            return session_->on_shutdown();
          default:
            return;
        }
      });
      settle();
    }
    // The peer hangs up, or the close the session asked for is done: the transport's last call.
    ex_.on_shard(0, [&] { session_->on_closed(); });
    settle();
    ex_.advance(10'000);  // core's timers: delivery cursors are written
    settle();
  }

  void check_answers(bool all) {
    std::map<std::uint64_t, int> answered;
    for (const auto& frame : connection_.sent) {
      if (is_answer(frame.body_case())) ++answered[frame.id()];
    }
    for (const auto& [id, count] : answered) {
      FUZZ_CHECK(count <= expected_[id] + optional_[id], "a request was answered twice");
    }
    if (!all) return;
    FUZZ_CHECK(!connection_.goodbye_sent || connection_.closed, "a goodbye without a close");
    for (const auto& [id, count] : expected_) {
      if (count > 0) FUZZ_CHECK(answered[id] >= count, "a request was never answered");
    }
  }

  void check_bounds() {
    FUZZ_CHECK(!connection_.goodbye_sent || connection_.closed, "a goodbye without a close");
    FUZZ_CHECK(!connection_.closed || connection_.goodbye_sent, "closed without a goodbye");
    std::size_t messages = 0, other_events = 0;
    for (const auto& frame : connection_.sent) {
      if (frame.has_message()) {
        ++messages;
      } else if (!is_answer(frame.body_case()) && !frame.has_goodbye()) {
        ++other_events;
      }
    }
    // Each message reaches this device once (a peer's, or a system entry of a request's), and is
    // resent at most max_resends times.
    const std::size_t resends = static_cast<std::size_t>(config_.max_resends) + 1;
    FUZZ_CHECK(messages <= (peer_sends_ + frames_) * resends, "more message events than sent");
    FUZZ_CHECK(other_events <= 16 + 4 * (frames_ + peer_sends_), "too many events");
  }

  // What happened, for a person reading a replay (PARLEY_FUZZ_VERBOSE=1).
  void describe() const {
    std::fprintf(stderr, "flags %02x: %zu frames in, %zu out (%zu bytes), peer sent %zu:", flags_,
                 frames_, connection_.sent.size(), connection_.bytes_sent, peer_sends_);
    for (const auto& frame : connection_.sent) {
      const auto* field = v1::ServerFrame::descriptor()->FindFieldByNumber(frame.body_case());
      std::fprintf(stderr, " %s", field ? field->name().c_str() : "?");
      if (frame.has_error())
        std::fprintf(stderr, "(%s)", v1::ErrorCode_Name(frame.error().code()).c_str());
      if (frame.has_goodbye())
        std::fprintf(stderr, "(%s)", v1::ErrorCode_Name(frame.goodbye().reason()).c_str());
    }
    std::fprintf(stderr, "\n");
  }

  const std::uint8_t flags_;
  // A fresh world per input, so that an input replays alone.
  parley::testing::FuzzWorld world_;
  parley::testing::ManualExecutor& ex_ = world_.ex();
  Core& core_ = world_.core();
  boost::asio::io_context io_;
  NativeConfig config_;
  FakeConnection connection_;
  std::optional<NativeSession> session_;

  std::map<std::uint64_t, int> expected_;  // request id -> answers owed
  std::map<std::uint64_t, int> optional_;  // request id -> answers allowed (delivery acks)
  std::size_t frames_ = 0;
  std::size_t seen_ = 0;  // connection_.sent entries the peer has looked at
  std::size_t peer_sends_ = 0;
};

}  // namespace
}  // namespace parley::native::session_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  parley::native::session_fuzz::Harness harness(data[0]);
  harness.run(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
