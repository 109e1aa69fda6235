// What every transport connection shares: its shard, the protocol session it feeds, the idle
// timer and the once-only close path. Subclasses own the socket and the write queue.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "transport/connection.h"
#include "transport/connection_registry.h"
#include "transport/limits.h"

namespace parley::transport {

class ConnectionBase : public Connection, public std::enable_shared_from_this<ConnectionBase> {
 public:
  ConnectionBase(boost::asio::io_context& io, ShardId shard, ConnectionRegistry& registry,
                 const TransportLimits& limits, std::string remote_address);
  ~ConnectionBase() override;

  const std::string& remote_address() const override { return remote_address_; }
  void set_idle_timeout(std::chrono::milliseconds timeout) override;
  void close() override;
  std::size_t queued_bytes() const override { return queued_bytes_; }

  // For the registry's idle sweep, on the connection's shard: whether the idle timeout has
  // passed at `now`, and telling the session (once per set_idle_timeout).
  bool idle_at(std::chrono::steady_clock::time_point now) const;
  void report_idle();

 protected:
  // Creates the protocol session and registers the connection. Call once the transport is ready.
  void attach(const SessionFactory& factory);
  // Restarts the idle clock; call on every received byte.
  void note_activity() { last_activity_ = std::chrono::steady_clock::now(); }
  // Called when the write queue is empty and close() was asked for: end the transport cleanly.
  virtual void shutdown_transport() = 0;
  // Cuts the socket at once; pending operations complete with an error.
  virtual void abort_transport() = 0;
  // Slow consumer or fatal error: cut now; the pending read's completion finalizes.
  void abort();
  // Last step, from a completion handler only (never from inside a session call): tells the
  // session, unregisters, releases the session.
  void finalize();
  // Whether received data should still go to the session.
  bool accepting_input() const { return session_ && !closing_ && !aborted_; }
  // Bookkeeping for subclasses' write queues; false (and abort) when the bound is exceeded.
  bool reserve_outbound(std::size_t bytes);
  void release_outbound(std::size_t bytes) { queued_bytes_ -= bytes; }
  // A subclass calls this when its queue drained; closes if close() was asked for.
  void on_queue_drained();

  ProtocolSession* session() { return session_.get(); }
  bool closing() const { return closing_; }
  bool aborted() const { return aborted_; }
  bool finalized() const { return finalized_; }
  const TransportLimits& limits() const { return limits_; }

 private:
  boost::asio::io_context& io_;
  ShardId shard_;
  ConnectionRegistry& registry_;
  const TransportLimits& limits_;
  std::string remote_address_;
  std::unique_ptr<ProtocolSession> session_;
  // Only while closing: bounds the drain. Created then, so open connections do not carry it.
  std::unique_ptr<boost::asio::steady_timer> close_timer_;
  std::chrono::milliseconds idle_timeout_{0};
  std::chrono::steady_clock::time_point last_activity_;
  std::size_t queued_bytes_ = 0;
  bool registered_ = false;
  bool closing_ = false;
  bool aborted_ = false;
  bool finalized_ = false;
  bool shutdown_started_ = false;
};

}  // namespace parley::transport
