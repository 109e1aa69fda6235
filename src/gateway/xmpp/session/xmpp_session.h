// One XMPP client-to-server stream (RFC 6120) on Parley's core: stream negotiation (STARTTLS,
// SASL PLAIN, resource binding), one-to-one chat messages to and from direct conversations,
// offline messages at initial presence, the roster from contacts, ping and service discovery.
// docs/xmpp.md ("The c2s gateway") says what is mapped and what is not yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/core.h"
#include "gateway/common/guarded_callback.h"
#include "gateway/xmpp/jid.h"
#include "gateway/xmpp/session/stream_acks.h"
#include "gateway/xmpp/stream_parser.h"
#include "transport/connection.h"

namespace parley::xmpp {

struct XmppConfig {
  std::string domain = "localhost";
  // Refuse SASL (and so everything else) on a stream that is not encrypted. Off only for tests
  // of the plain protocol and deployments that terminate TLS in front of parleyd.
  bool require_tls = true;
  StreamLimits limits;
  std::chrono::milliseconds login_timeout{30'000};  // from the stream's start to a bound resource
  std::chrono::milliseconds idle_timeout{300'000};  // nothing received (whitespace pings count)
  std::size_t max_requests_in_flight = 128;         // then the session stops reading
  std::size_t max_offline_batch = 200;              // messages fetched per catch-up round
  std::string server_name = "parleyd";
};

class XmppSession final : public transport::ProtocolSession, public SessionSink {
 public:
  // Thread contract: constructed, used and destroyed on the connection's shard thread.
  XmppSession(transport::Connection& connection, Core& core, const XmppConfig& config);
  ~XmppSession() override;

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
  // RFC 6120 §4.3: each restart (after STARTTLS, after SASL) opens a new stream on the same
  // connection, whose header the session awaits again.
  enum class Phase : std::uint8_t { awaiting_header, open, closing };

  // Negotiation (xmpp_session.cc).
  void pump();
  bool input_held() const { return in_flight_ >= config_.max_requests_in_flight; }
  void handle_event(StreamEvent event);
  void on_stream_header(const StreamHeader& header);
  void send_features();
  void on_negotiation_element(const Element& element);
  void on_starttls();
  void on_sasl_auth(const Element& auth);
  void on_sasl_response(const Element& response);
  void check_plain(std::string_view message);
  void on_sasl_result(Result<Credentials> result);
  void on_bind(const Element& iq);
  void on_bound(const std::string& iq_id, const std::string& resource, Result<AuthGrant> grant);
  void reply_session(const Element& iq);
  // Ends the stream with a stream error (RFC 6120 §4.9): error, closing tag, close.
  void stream_fail(StreamCondition condition, std::string_view text);
  void close_stream();
  // Stanzas (iq, message, presence) count toward stream management once it is on; `carried`:
  // the log entry whose delivery waits for the client's ack.
  void send(const Element& element, std::optional<ConversationCursor> carried = std::nullopt);
  void send_raw(std::string bytes);

  // Stanzas of a bound stream (xmpp_stanzas.cc).
  void on_stanza(const Element& stanza);
  void on_iq(const Element& iq);
  void on_message_stanza(const Element& message);
  void on_presence(const Element& presence);
  void reply_roster(const Element& iq);
  // In-band registration (xmpp_registration.cc).
  bool registration_offered() const;
  void on_registration(const Element& iq);
  // Chat states (xmpp_chat_states.cc).
  void remember_direct(ConversationId conversation, const std::string& peer);
  void send_typing(const std::string& peer);
  void on_typing_event(const TypingEvent& typing);
  // Message archive (xmpp_archive.cc).
  struct ArchiveQuery {
    std::string iq_id, query_id, peer;
    std::size_t max = 50;
    std::optional<std::string> after, before;  // RSM positions ("CONV:SEQ"); before may be ""
  };
  void on_archive_query(const Element& iq, const Element& query);
  void run_archive_query(ArchiveQuery query, ConversationId conversation);
  void archive_error(const ArchiveQuery& query, StanzaCondition condition, std::string_view text);
  // Presence and subscriptions (xmpp_presence.cc).
  Element roster_item(std::string_view username, ContactState state) const;
  void on_directed_presence(const Element& presence, std::string_view type, std::string_view to);
  void probe_contacts();
  void on_presence_event(const PresenceEvent& presence);
  void on_contact_update(const UserUpdate& update);
  void reply_error(const Element& request, StanzaCondition condition, std::string_view text = {});
  void reply_error(const Element& request, const Error& error);
  // Counts a request as in flight; the returned callback runs `f` only while the session lives.
  template <class T, class F>
  Callback<T> guarded(F&& f);
  void request_done(std::uint64_t stanza);

  // XEP-0198 stream management (xmpp_stream_management.cc).
  void on_sm(const Element& nonza);
  void on_sm_ack(const Element& a);
  void inbound_done(std::uint64_t stanza);
  void send_sm_ack();
  void send_sm_failed(StanzaCondition why);  // <failed/> with that condition
  void request_sm_ack();

  // Events to stanzas (xmpp_delivery.cc).
  struct Peer {
    ConversationKind kind = ConversationKind::direct;
    std::string username;  // the other member of a direct conversation
  };
  // False when the entry was sent (or is waiting to be) already.
  bool deliver(const Message& message);
  void emit_message(const Message& message, const Peer& peer);
  // The chat message an entry becomes (from, to, type, id), and how it goes out: stanza-id,
  // delay, as a carbon when it is the user's own, counted for XEP-0198.
  ElementBuilder chat_stanza(const Message& message, const Peer& peer) const;
  void send_chat(ElementBuilder chat, const Message& message);
  void release_held(ConversationId conversation);
  // Edits, deletions and reactions (xmpp_changes.cc).
  struct Target {
    std::string id;                      // as the client knows the target; "" = gone
    std::vector<std::string> reactions;  // the change's sender's, on the target, now
  };
  bool changes_target(const Message& message, const Peer& peer) const;
  bool target_known(const Message& change) const;
  void remember_id(const Message& message);
  void look_up_target(const Message& change);
  void emit_change(const Message& change, const Peer& peer);
  // Resolves who a conversation is with (read_positions), then emits what waited for it.
  void resolve_peer(ConversationId conversation);
  // Offline messages: every entry this device has not acknowledged, in rounds until none is
  // left; live events that arrive meanwhile are picked up by the next round.
  void catch_up();
  void on_undelivered(Result<std::vector<Message>> messages);
  std::string bare_jid(std::string_view username) const;

  transport::Connection& connection_;
  Core& core_;
  const XmppConfig& config_;
  SessionHandle handle_;
  StreamParser parser_;
  const bool websocket_;  // RFC 7395 framing: <open/>, <close/>, one element per message
  Phase phase_ = Phase::awaiting_header;
  std::string inbuf_;                    // stream bytes the parser has not consumed yet
  std::string stream_id_;                // of the current stream (RFC 6120 §4.7.3)
  std::optional<Credentials> verified_;  // after SASL, until bind (holds the password hash)
  std::optional<SessionIdentity> identity_;
  Jid jid_;                     // the bound full JID
  bool pumping_ = false;        // pump() is on the stack
  bool waiting_ = false;        // core is checking a SASL attempt or binding: nothing is parsed
  bool ending_ = false;         // the client closed its stream; ours closes once answers are out
  bool plain_pending_ = false;  // PLAIN without an initial response: the response is due
  int sasl_attempts_ = 0;
  bool carbons_ = false;  // XEP-0280 enabled: own messages from other devices come here too
  bool roster_requested_ = false;  // roster pushes go to this resource (RFC 6121 §2.1.6)
  bool available_ = false;         // initial presence sent: messages are delivered
  bool catching_up_ = false;       // an undelivered() round is with core
  bool missed_live_ = false;       // a message event came while not delivering live
  bool catch_up_due_ = false;      // the next round waits for peers being resolved
  TimeMs bound_at_ms_ = 0;         // entries sent before it carry a delay stamp
  bool input_paused_ = false;      // at the in-flight cap
  std::uint32_t in_flight_ = 0;    // core requests not answered yet
  // Conversations whose peer is known, and events waiting for one being resolved.
  std::unordered_map<ConversationId, Peer> peers_;
  std::unordered_map<std::string, ConversationId> direct_with_;  // peer username -> direct
  std::unordered_map<ConversationId, std::vector<Message>> held_;
  std::size_t held_count_ = 0;  // entries in held_, bounded
  std::unordered_map<ConversationId, Seq> emitted_;
  std::map<std::pair<ConversationId, Seq>, std::string> ids_;  // sent entries' ids (a cache)
  std::map<std::pair<ConversationId, Seq>, Target>
      looked_up_;  // by the change's own position  // highest seq sent per conversation
  // Stream management, once the client enabled it; the inbound stanza being dispatched; the
  // client's <r/> waiting for stanzas still being handled; our <r/> not yet answered.
  std::optional<StreamAcks> sm_;
  std::uint64_t current_inbound_ = 0;
  bool sm_ack_due_ = false;
  bool sm_request_out_ = false;
  bool catch_up_after_ack_ = false;  // a catch-up round found only entries awaiting the ack
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

template <class T, class F>
Callback<T> XmppSession::guarded(F&& f) {
  ++in_flight_;
  // The stanza being handled (0: none) is handled only once this answer is in (XEP-0198).
  const std::uint64_t stanza = current_inbound_;
  if (stanza && sm_) sm_->begin(stanza);
  return gateway::while_alive<T>(
      alive_, [this, stanza] { request_done(stanza); }, std::forward<F>(f));
}

// The id a delivered entry carries: the sender's client id, else the log's message id.
std::string xmpp_id(const Message& message);

// XEP-0082 date-time in UTC with milliseconds: 2026-12-04T02:58:00.123Z.
std::string xmpp_time(TimeMs ms);

// The attributes an error reply needs (RFC 6120 §8.3.1: id, to, from), without the payload.
Element request_head(const Element& stanza);

// The factory transports call for each XMPP connection (c2s streams; WebSocket later).
transport::SessionFactory make_xmpp_session_factory(Core& core,
                                                    std::shared_ptr<const XmppConfig> config);

// What a listener writes to a stream it refuses over the caps on unauthenticated connections.
std::string xmpp_stream_refusal(std::string_view domain);

}  // namespace parley::xmpp
