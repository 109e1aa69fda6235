// Seed inputs for the native session fuzz target: whole valid sessions (hello, register, send,
// history, logout) over each transport and format, and broken ones (no hello, a version nobody
// speaks, oversized, truncated and garbage frames, requests out of order, unacknowledged events).
#include <string>
#include <vector>

#include "gateway/native/frame_codec.h"
#include "gateway/native/json_mapping.h"
#include "gateway/native/native_session_fuzz.h"
#include "parley_proto/parley.pb.h"

namespace {

using parley::v1::ClientFrame;
namespace sf = parley::native::session_fuzz;

// Frames are numbered 1, 2, 3, ... in the order they are added.
class Script {
 public:
  explicit Script(std::uint8_t flags) : flags_(flags) {}

  ClientFrame& add() {
    ClientFrame& f = frames_.emplace_back();
    f.set_id(frames_.size());
    return f;
  }
  Script& hello(std::uint32_t max_version = 1) {
    add().mutable_hello()->set_max_version(max_version);
    return *this;
  }
  Script& register_account(const std::string& user, const std::string& device_key = {}) {
    auto* r = add().mutable_register_account();
    r->set_username(user);
    r->set_password("password-" + user);
    r->set_device_name("fuzz");
    r->set_device_key(device_key);
    return *this;
  }
  Script& login(const std::string& user, const std::string& password) {
    auto* r = add().mutable_login();
    r->set_username(user);
    r->set_password(password);
    return *this;
  }
  Script& send(const std::string& to, const std::string& text) {
    auto* s = add().mutable_send();
    s->set_to_user(to);
    s->set_text(text);
    s->set_client_msg_id("c" + std::to_string(frames_.size()));
    return *this;
  }
  Script& history(std::int64_t conversation) {
    auto* h = add().mutable_history();
    h->set_conversation_id(conversation);
    h->set_after_seq(0);
    h->set_limit(50);
    return *this;
  }
  Script& ack(std::int64_t conversation, std::int64_t seq) {
    auto* m = add().mutable_delivery_ack()->add_messages();
    m->set_conversation_id(conversation);
    m->set_seq(seq);
    return *this;
  }
  Script& logout() {
    add().mutable_logout();
    return *this;
  }
  Script& ping() {
    add().mutable_ping();
    return *this;
  }
  // Raw bytes after the frames so far (a broken frame).
  Script& raw(std::string bytes) {
    raw_.emplace_back(frames_.size(), std::move(bytes));
    return *this;
  }

  std::string bytes() const {
    std::string out(1, static_cast<char>(flags_));
    std::size_t r = 0;
    for (std::size_t i = 0; i <= frames_.size(); ++i) {
      for (; r < raw_.size() && raw_[r].first == i; ++r) out += raw_[r].second;
      if (i == frames_.size()) break;
      std::string payload = (flags_ & sf::kText) ? parley::native::message_to_json(frames_[i])
                                                 : frames_[i].SerializeAsString();
      out += parley::native::length_prefix(payload.size()) + payload;
    }
    return out;
  }

 private:
  std::uint8_t flags_;
  std::vector<ClientFrame> frames_;
  std::vector<std::pair<std::size_t, std::string>> raw_;
};

std::string prefixed(const std::string& payload) {
  return parley::native::length_prefix(payload.size()) + payload;
}

std::uint8_t end_with(sf::EndAction action) {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(action) << sf::kEndShift);
}

// hello -> register bob -> logout -> register alice -> send -> history -> sync -> ... -> logout
Script whole_session(std::uint8_t flags) {
  Script s(flags);
  s.hello().register_account("bob", "bob-laptop").logout().register_account("alice");
  s.send("bob", "hi bob \xF0\x9F\x91\x8B").history(1).history(2).history(3);
  s.add().mutable_sync();
  s.add().mutable_open_direct()->set_username("bob");
  s.ping().ack(2, 1).ack(1, 1);
  s.add().mutable_mark_read()->set_conversation_id(3);
  s.add().mutable_typing()->set_conversation_id(3);
  auto* group = s.add().mutable_create_group();
  group->set_title("fuzzers");
  group->add_members("bob");
  s.add().mutable_list_conversations();
  auto* contact = s.add().mutable_contact();
  contact->set_username("bob");
  contact->set_action(parley::v1::REQUEST);
  s.add().mutable_list_contacts();
  auto* change = s.add().mutable_change_password();
  change->set_old_password("password-alice");
  change->set_new_password("a-new-password");
  s.logout().login("bob", "password-bob").history(1).logout();
  return s;
}

}  // namespace

std::vector<std::string> fuzz_seeds() {
  using sf::EndAction;
  std::vector<std::string> seeds;
  // Valid sessions: stream frame by frame, WebSocket binary all at once, WebSocket JSON.
  seeds.push_back(whole_session(sf::kPeer).bytes());
  seeds.push_back(whole_session(sf::kWebSocket | sf::kPeer).bytes());
  seeds.push_back(whole_session(sf::kWebSocket | sf::kPipelined).bytes());
  seeds.push_back(whole_session(sf::kWebSocket | sf::kText | sf::kPeer).bytes());
  seeds.push_back(whole_session(sf::kPipelined | end_with(EndAction::shutdown)).bytes());
  // Logins in every order: wrong password, already logged in, a bogus token, then right.
  {
    Script s(sf::kPipelined | sf::kPeer);
    s.hello().register_account("alice").register_account("carol").logout();
    s.login("alice", "wrong-password").login("alice", "password-alice");
    s.login("alice", "password-alice");
    s.add().mutable_resume()->set_token("not-a-token");
    for (int i = 0; i < 20; ++i) s.history(1);  // past the in-flight cap: input pauses
    s.logout();
    s.add().mutable_resume()->set_token("still-not-a-token");
    seeds.push_back(s.bytes());
  }
  // Events never acknowledged: resent, then the session is given up on (slow consumer).
  {
    Script s(sf::kResendAtOnce | sf::kPeer);
    s.hello().register_account("alice").ping();
    seeds.push_back(s.bytes());
  }
  // Broken: a request before hello; a version nobody speaks; requests before login.
  seeds.push_back(Script(0).send("bob", "too early").bytes());
  seeds.push_back(Script(sf::kWebSocket | sf::kText).hello(0).bytes());
  {
    Script s(0);
    s.add().mutable_hello()->set_min_version(99);
    seeds.push_back(s.bytes());
  }
  seeds.push_back(Script(sf::kWebSocket).hello().send("bob", "not logged in").ack(1, 1).bytes());
  // Broken frames: oversized, garbage, empty, a second hello, truncated at the end.
  seeds.push_back(Script(0).hello().raw(std::string("\xFF\xFF\xFF\xFF", 4)).ping().bytes());
  seeds.push_back(Script(0).hello().raw(prefixed("\xFF\xFF\xFF")).ping().bytes());
  seeds.push_back(Script(0).hello().raw(prefixed("")).hello().bytes());
  seeds.push_back(Script(end_with(EndAction::partial_frame_timeout))
                      .hello()
                      .raw(std::string("\x00\x00\x01\x00partial", 11))
                      .bytes());
  seeds.push_back(Script(sf::kWebSocket | sf::kText)
                      .hello()
                      .raw(prefixed("{not json"))
                      .raw(prefixed(R"({"id":"7","bogus_field":{}})"))
                      .ping()
                      .bytes());
  {
    // Invalid UTF-8 in a protobuf string field: answered INVALID_UTF8 with the request's id.
    ClientFrame bad;
    bad.set_id(9);
    bad.mutable_send()->set_text("ok");
    std::string payload = bad.SerializeAsString();
    payload.replace(payload.find("ok"), 2, "\xC3\x28");
    seeds.push_back(Script(0).hello().raw(prefixed(payload)).bytes());
  }
  // Time limits: no hello in time; silence after hello; shutdown after login.
  seeds.push_back(std::string(1, static_cast<char>(end_with(EndAction::deadline))));
  seeds.push_back(Script(end_with(EndAction::idle_timeout)).hello().bytes());
  seeds.push_back(Script(end_with(EndAction::deadline)).hello().bytes());
  seeds.push_back(Script(sf::kPeer | end_with(EndAction::shutdown))
                      .hello()
                      .register_account("alice")
                      .ack(9, 9)
                      .ack(2, 1)
                      .bytes());
  return seeds;
}
