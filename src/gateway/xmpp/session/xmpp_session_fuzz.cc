// Fuzz target for the XMPP c2s session (negotiation, SASL, binding, stanzas, delivery), not only
// its parser: bytes from a client drive a real XmppSession over a real Core with a SQLite store in
// a temporary directory, under the deterministic ManualExecutor, through a fake connection. It
// checks that nothing crashes, that what the server writes is a well-formed XMPP stream (read
// back with the codec's own parser, restarting where the protocol restarts), that nothing is
// written after close() and a closed stream ends with its closing tag, that input is never left
// paused, and that the output stays bounded. Input: one flags byte (below), then the client's
// bytes; over WebSocket, each NUL byte ends one message. Built for libFuzzer with clang
// (-DPARLEY_LIBFUZZER=ON), and always as a deterministic replay that ctest runs.
#include "gateway/xmpp/session/xmpp_session_fuzz.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/chat.h"
#include "core/core.h"
#include "core/messaging.h"
#include "gateway/xmpp/session/xmpp_session.h"
#include "gateway/xmpp/stream_parser.h"
#include "testing/fuzz_world.h"

namespace parley::xmpp::session_fuzz {
namespace {

#define FUZZ_CHECK(cond, what)                                           \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "xmpp session fuzz: %s (%s)\n", what, #cond); \
      std::abort();                                                      \
    }                                                                    \
  } while (false)

constexpr std::size_t kMaxStanzaBytes = 4096;    // small, so that the limit is reached
constexpr std::size_t kMaxRequestsInFlight = 4;  // small, so that input pauses

class FakeConnection final : public transport::Connection {
 public:
  FakeConnection(transport::Framing framing, bool encrypted)
      : framing_(framing), encrypted_(encrypted) {}

  transport::Framing framing() const override { return framing_; }
  const std::string& remote_address() const override { return address_; }
  bool send(transport::Outbound out) override {
    FUZZ_CHECK(!closed, "bytes were sent after close()");
    FUZZ_CHECK(!tls_pending, "bytes were sent between STARTTLS and the handshake");
    if (framing_ == transport::Framing::messages) messages.emplace_back(out.bytes);
    output.append(out.bytes);
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
  bool encrypted() const override { return encrypted_; }
  bool starttls_available() const override {
    return !encrypted_ && !tls_pending && framing_ == transport::Framing::stream && !closed;
  }
  Result<void> start_tls() override {
    if (!starttls_available()) return fail(Errc::invalid_argument, "not offered");
    tls_pending = true;  // the handshake runs before the next read (Harness::read)
    return {};
  }
  // The transport's handshake, done: what follows is "decrypted".
  void finish_tls() {
    if (!tls_pending) return;
    tls_pending = false;
    encrypted_ = true;
  }

  std::string output;                 // every byte written, in order
  std::vector<std::string> messages;  // WebSocket: each message
  bool closed = false;
  bool paused = false;
  bool tls_pending = false;

 private:
  transport::Framing framing_;
  bool encrypted_;
  std::string address_ = "192.0.2.9:40000";
};

class Harness {
 public:
  explicit Harness(std::uint8_t flags)
      : flags_(flags),
        connection_(flags & kWebSocket ? transport::Framing::messages : transport::Framing::stream,
                    (flags & kEncrypted) || (flags & kWebSocket)) {
    config_.domain = "localhost";
    config_.limits.max_stanza_bytes = kMaxStanzaBytes;
    config_.max_requests_in_flight = kMaxRequestsInFlight;
    config_.max_offline_batch = 2;  // several catch-up rounds
    world_.register_user(kUserName, kUserPassword, 0, kUserName);
    world_.start_peer(kPeerName, kPeerPassword);
    if (flags & kOfflineFirst) peer_sends(2);  // waiting for the user's first presence
    ex_.on_shard(0, [&] { session_.emplace(connection_, core_, config_); });
  }

  ~Harness() {
    ex_.on_shard(0, [&] { session_.reset(); });  // before the world that core lives in
  }

  void run(std::string_view input) {
    input_bytes_ = input.size();
    if (flags_ & kWebSocket) {
      while (!input.empty() && may_read()) {
        const std::size_t end = input.find('\0');
        const std::string message(input.substr(0, end));
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        ex_.on_shard(0, [&] { session_->on_message(message, transport::MessageType::text); });
        settle();
      }
    } else {
      // In reads of up to 64 bytes (or all at once), so that stanzas also arrive cut short.
      const std::size_t chunk = flags_ & kSmallReads ? 64 : input.size();
      while (!input.empty() && may_read()) {
        const std::string bytes(input.substr(0, chunk));
        input.remove_prefix(bytes.size());
        ex_.on_shard(0, [&] { session_->on_bytes(bytes); });
        settle();
      }
    }
    settle();
    end();
    check_output();
    if (std::getenv("PARLEY_FUZZ_VERBOSE")) {
      std::fprintf(stderr, "flags %02x: %zu bytes out, closed %d:\n%s\n", flags_,
                   connection_.output.size(), connection_.closed, connection_.output.c_str());
    }
  }

 private:
  void peer_sends(int count) {
    for (int i = 0; i < count; ++i) {
      SendCommand command;
      command.to_user = kUserName;
      command.client_msg_id = "peer-" + std::to_string(peer_sent_++);
      command.text = "hello from the peer";
      ex_.on_shard(1, [&] {
        core_.messaging().send(world_.peer(), std::move(command), [this](Result<SendAck> ack) {
          if (ack) last_peer_ack_ = *ack;
        });
      });
    }
  }

  // The peer changes its last message: an edit, a reaction, a reaction taken back, a deletion.
  void peer_changes() {
    ex_.run_until_idle();
    if (!last_peer_ack_) return;
    for (MessageKind kind : {MessageKind::edit, MessageKind::reaction,
                             MessageKind::reaction_removed, MessageKind::deletion}) {
      EntryCommand command{.conversation_id = last_peer_ack_->conversation_id,
                           .target_seq = last_peer_ack_->seq,
                           .kind = kind,
                           .text = kind == MessageKind::edit ? "edited" : "",
                           .client_msg_id = {}};
      ex_.on_shard(1, [&] {
        core_.chat().append_entry(world_.peer(), std::move(command), [](Result<SendAck>) {});
      });
      ++peer_sent_;
    }
  }

  // A transport reads nothing while input is paused, nor during a STARTTLS handshake.
  bool may_read() {
    if (connection_.paused) settle();
    connection_.finish_tls();
    if (connection_.closed) return false;
    FUZZ_CHECK(!connection_.paused, "input stays paused with nothing in flight");
    return true;
  }

  void settle() {
    for (int round = 0; round < 10'000; ++round) {
      ex_.run_until_idle();
      const bool reacted = peer_reacts();
      if (!reacted && ex_.writer_queued() == 0 && ex_.blocking_queued() == 0 &&
          ex_.hashing_queued() == 0) {
        return;
      }
    }
    FUZZ_CHECK(false, "the session never settles");
  }

  // Once the user has bound a resource, the peer sends it a message, live.
  bool peer_reacts() {
    if (peer_reacted_ || connection_.output.find("<jid>") == std::string::npos) return false;
    peer_reacted_ = true;
    peer_sends(1);
    if (flags_ & kPeerChanges) peer_changes();
    return true;
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
          case EndAction::kicked:
            return session_->on_kicked(Errc::token_invalid);
          case EndAction::shutdown:
            return session_->on_shutdown();
          default:
            return;
        }
      });
      settle();
    }
    ex_.on_shard(0, [&] { session_->on_closed(); });
    settle();
    ex_.advance(10'000);  // core's timers: delivery cursors are written
    settle();
  }

  // The server's side read back as a client would: one stream, restarted after <proceed/> and
  // <success/>, every element complete, ending with the closing tag once closed.
  void check_output() {
    const std::string& out = connection_.output;
    // Each stanza in gets at most one answer echoing its addresses (a few hundred bytes more
    // than it), each peer message one delivery.
    FUZZ_CHECK(out.size() <= 16 * 1024 + 64 * input_bytes_ + 1024 * peer_sent_,
               "the output is unbounded");
    StreamParser::Options options;
    options.framing = flags_ & kWebSocket ? StreamFraming::websocket : StreamFraming::tcp;
    options.limits.max_stanza_bytes = 1 << 20;
    StreamParser reader(options);
    bool ended = false;
    auto on_element = [&](const StreamEvent& event) {
      if (std::holds_alternative<StreamEnd>(event)) ended = true;
      if (const auto* e = std::get_if<Element>(&event)) {
        if (e->name == "proceed" || e->name == "success") reader.restart();
      }
    };
    if (flags_ & kWebSocket) {
      for (const std::string& message : connection_.messages) {
        FUZZ_CHECK(!ended, "a WebSocket message after <close/>");
        ParseStep step = reader.feed_message(message);
        if (step.status == ParseStatus::error) {
          std::fprintf(stderr, "bad message: %s\n(%s)\n", message.c_str(), step.fault.text.c_str());
        }
        FUZZ_CHECK(step.status != ParseStatus::error, "the server wrote a bad WebSocket message");
        if (step.status == ParseStatus::event) on_element(step.event);
      }
    } else {
      std::string rest = out;
      while (!rest.empty()) {
        ParseStep step = reader.feed(rest);
        FUZZ_CHECK(step.status != ParseStatus::error, "the server wrote a malformed stream");
        rest.erase(0, step.consumed);
        if (step.status == ParseStatus::need_more) break;
        FUZZ_CHECK(!ended, "bytes after the stream's end");
        on_element(step.event);
      }
    }
    if (connection_.closed) FUZZ_CHECK(ended, "a stream closed without its closing tag");
    if (ended) FUZZ_CHECK(connection_.closed, "a closing tag without a close");
  }

  const std::uint8_t flags_;
  parley::testing::FuzzWorld world_;  // fresh per input, so that an input replays alone
  parley::testing::ManualExecutor& ex_ = world_.ex();
  Core& core_ = world_.core();
  XmppConfig config_;
  FakeConnection connection_;
  std::optional<XmppSession> session_;
  bool peer_reacted_ = false;
  std::size_t peer_sent_ = 0;
  std::size_t input_bytes_ = 0;
  std::optional<SendAck> last_peer_ack_;
};

}  // namespace
}  // namespace parley::xmpp::session_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  parley::xmpp::session_fuzz::Harness harness(data[0]);
  harness.run(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
