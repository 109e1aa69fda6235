// Client::Impl, shared by the files that implement it: connection.cc (transport, hello, calls,
// frame dispatch), auth.cc, outbox.cc, delivery.cc (order, dedupe, inbox), sync.cc (sync, gap
// fill, the worker thread), requests.cc and persistence.cc (state.json).
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/sequencer.h"
#include "client/state_file.h"
#include "client/state_writer.h"
#include "client/transport.h"

namespace parley::client {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline constexpr auto kInitialBackoff = 100ms;
inline constexpr auto kMaxBackoff = 5000ms;
inline constexpr auto kGapGrace = 250ms;  // a gap often closes by itself (acks and events cross)
inline constexpr std::uint32_t kFillPage = 200;
inline constexpr std::size_t kMaxEvents = 10'000;  // pushed non-message events kept for next_event
inline constexpr int kMaxSyncRounds = 1'000;  // user-log pages of one sync (1,000 entries each)

inline std::unexpected<ClientError> fail(v1::ErrorCode code, std::string message) {
  return std::unexpected(ClientError{code, std::move(message)});
}

// One outstanding request. Sends carry their client_msg_id: the answer settles the outbox entry.
struct PendingCall {
  std::uint64_t generation = 0;
  std::string client_msg_id;
  std::optional<v1::ServerFrame> reply;
  std::optional<ClientError> error;
  bool done() const { return reply.has_value() || error.has_value(); }
};

struct OutboxEntry {
  OutboxRecord record;
  std::uint64_t sent_generation = 0;  // connection it was last written on (0: not yet)
  std::optional<ClientResult<SendResult>> result;
  bool durable = true;  // false while a new send waits for its entry to reach the disk
};

enum class AuthKind { register_account, login, resume };

// The frame that authenticates (auth.cc): register and login name the device by its key.
v1::ClientFrame auth_frame(AuthKind kind, const std::string& username, const std::string& password,
                           const std::string& device_name, const std::string& device_key,
                           const std::string& token);

// Threads: the io thread runs the transport and on_frame; the worker thread reconnects, syncs
// and fills gaps; callers block in their own threads. mu_ guards all shared state below it.
class Client::Impl {
 public:
  explicit Impl(ClientOptions options);
  ~Impl();

  // auth.cc
  ClientResult<AuthInfo> establish(AuthKind kind, const std::string& username,
                                   const std::string& password);
  ClientResult<void> logout();
  ClientResult<void> change_password(const std::string& old_password,
                                     const std::string& new_password);

  // requests.cc
  ClientResult<ConversationView> open_direct(const std::string& username);
  ClientResult<HistoryResult> history(std::int64_t conversation_id, std::int64_t before_seq,
                                      std::optional<std::int64_t> after_seq, std::uint32_t limit,
                                      Clock::time_point until);
  ClientResult<v1::ServerFrame> request(v1::ClientFrame frame);

  // outbox.cc
  ClientResult<SendResult> send(OutboxRecord record);
  bool wait_outbox_empty(std::chrono::milliseconds timeout);
  std::size_t outbox_size() const;

  // delivery.cc
  std::optional<v1::Message> next_message(std::chrono::milliseconds timeout);
  std::optional<v1::ServerFrame> next_event(std::chrono::milliseconds timeout);
  void set_message_callback(std::function<void(const v1::Message&)> callback);
  std::int64_t highest_seq(std::int64_t conversation_id) const;
  std::size_t inbox_size() const;

  // sync.cc
  ClientResult<void> sync_now() { return run_sync(); }
  std::int64_t user_seq() const;

  // connection.cc
  void drop_connection();
  bool wait_connected(std::chrono::milliseconds timeout);
  std::optional<v1::Goodbye> last_goodbye() const;

  // persistence.cc
  std::optional<AuthInfo> identity() const;
  std::uint64_t state_writes() const;

  Clock::time_point deadline() const { return Clock::now() + options_.request_timeout; }

 private:
  // connection.cc
  ClientResult<void> ensure_open(Clock::time_point until);  // caller holds connect_mu_
  void close_connection(std::uint64_t gen, std::string reason);
  void on_closed(std::uint64_t gen, const std::string& reason);  // io thread
  void arm_heartbeat(std::uint64_t gen);
  void write_locked(const v1::ClientFrame& frame);
  ClientResult<v1::ServerFrame> call(v1::ClientFrame frame, Clock::time_point until,
                                     bool need_auth);
  void on_frame(std::uint64_t gen, std::string payload);  // io thread

  // outbox.cc
  void write_send_locked(OutboxEntry& entry);
  void flush_outbox_locked();
  void settle_send_locked(const std::string& client_msg_id, const v1::ServerFrame& frame);

  // delivery.cc
  bool ingest_locked(const v1::Message& m, bool from_event);
  bool place_locked(std::int64_t conversation, std::int64_t seq, std::optional<v1::Message> message,
                    bool from_event);
  void on_event_locked(v1::ServerFrame frame);
  void drain_to_callback();
  std::size_t inbox_room_locked(std::int64_t conversation) const;
  void took_from_inbox_locked();

  // sync.cc
  ClientResult<void> run_sync();
  ClientResult<void> fill(std::int64_t conversation, std::int64_t target);
  std::chrono::milliseconds jitter(std::chrono::milliseconds base);
  void request_reconnect_locked(std::chrono::milliseconds delay);
  void work();  // the worker thread

  // persistence.cc. The rule: a new send's outbox entry is on disk before the send is written
  // (send() calls persist_now()); login and logout are written at once too; everything else
  // (acks, cursors, the user-log position) only marks the state changed, and the writer thread
  // writes it within options_.state_write_delay, and at the latest when the client stops.
  void restore(PersistedState state);
  PersistedState snapshot_locked() const;
  void state_changed_locked();  // cheap: never waits for the disk (io thread included)
  void persist_now();           // waits for a durable write; caller must not hold mu_

  const ClientOptions options_;
  // The inbox bound (at least 1); the sequencer holds fewer, so one arrival always fits.
  const std::size_t max_inbox_ = std::max<std::size_t>(options_.max_inbox_messages, 1);
  ServerUrl url_;
  bool url_ok_ = false;
  std::string url_error_;

  // Declared first among the io objects: destroyed after everything bound to it.
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_guard_{
      io_.get_executor()};
  boost::asio::steady_timer heartbeat_timer_{io_};  // io thread only
  std::thread io_thread_;
  std::thread worker_;

  std::mutex connect_mu_;  // serializes opening + authenticating

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  AuthInfo auth_;                    // GUARDED_BY(mu_)
  bool want_session_ = false;        // GUARDED_BY(mu_): stay logged in across connection loss
  std::shared_ptr<Transport> conn_;  // GUARDED_BY(mu_); its methods run on the io thread
  std::uint64_t generation_ = 0;     // GUARDED_BY(mu_): bumped per connection attempt
  bool connected_ = false;
  bool hello_done_ = false;
  bool authenticated_ = false;
  bool synced_ = false;
  std::chrono::milliseconds heartbeat_{30'000};
  Clock::time_point last_write_ = Clock::now();
  std::atomic<std::uint64_t> next_id_{1};
  std::map<std::uint64_t, std::shared_ptr<PendingCall>> pending_;
  std::vector<std::shared_ptr<OutboxEntry>> outbox_;
  Sequencer sequencer_{std::min(options_.max_held_messages, max_inbox_ - 1)};  // GUARDED_BY(mu_)
  std::deque<v1::Message> inbox_;  // GUARDED_BY(mu_): ready for next_message, max_inbox_ at most
  // GUARDED_BY(mu_): conversations with entries left out while the inbox was full.
  std::set<std::int64_t> stalled_;
  std::deque<v1::ServerFrame> events_;  // GUARDED_BY(mu_): pushed non-message events
  std::function<void(const v1::Message&)> callback_;
  std::mutex callback_mu_;
  bool need_sync_ = false;
  bool reconnect_requested_ = false;
  Clock::time_point reconnect_at_;
  std::chrono::milliseconds backoff_ = kInitialBackoff;
  std::map<std::int64_t, Clock::time_point> gap_fills_;
  std::optional<v1::Goodbye> goodbye_;
  std::int64_t user_seq_ = 0;  // GUARDED_BY(mu_): highest user-log entry seen
  std::mt19937_64 rng_{std::random_device{}()};
  // Last: destroyed first, with a final write, while everything its snapshot reads still exists.
  std::unique_ptr<StateWriter> state_writer_;  // null without state_dir
};

}  // namespace parley::client
