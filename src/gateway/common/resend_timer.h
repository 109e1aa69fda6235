// The Asio side of a DeliveryWindow: one timer a session arms while it has events in flight,
// whose callback runs on the session's shard and never after the timer is gone.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <utility>

namespace parley::gateway {

// Thread contract: constructed, used and destroyed on the io_context's thread. The Asio timer
// exists only while armed: most sessions are idle with nothing unacknowledged, and an idle one
// then holds 16 bytes here instead of a timer's ~130.
class ResendTimer {
 public:
  explicit ResendTimer(boost::asio::io_context& io) : io_(io) {}
  ResendTimer(const ResendTimer&) = delete;
  ResendTimer& operator=(const ResendTimer&) = delete;

  // Calls `on_fire` once, `after` from now, unless already armed (then nothing changes) or
  // cancelled or destroyed first.
  template <class F>
  void arm(std::chrono::milliseconds after, F on_fire) {
    if (timer_) return;
    timer_ = std::make_unique<boost::asio::steady_timer>(io_, after);
    if (!alive_) alive_ = std::make_shared<int>(0);
    timer_->async_wait([this, alive = std::weak_ptr<int>(alive_),
                        on_fire = std::move(on_fire)](const boost::system::error_code& error) {
      // A handler already queued when the timer was cancelled or destroyed still runs: the
      // token says so.
      if (error || !alive.lock()) return;
      timer_.reset();  // Asio is done with it: this handler runs on its own copy
      on_fire();       // may arm again
    });
  }

  void cancel() {
    alive_.reset();  // a handler already queued is disowned too
    timer_.reset();  // destroying it cancels the wait
  }

  bool armed() const { return timer_ != nullptr; }
  boost::asio::io_context::executor_type get_executor() { return io_.get_executor(); }

 private:
  boost::asio::io_context& io_;
  std::unique_ptr<boost::asio::steady_timer> timer_;  // only while armed
  // Made at the first arm, not per connection: an idle session has never armed its timer.
  std::shared_ptr<int> alive_;
};

}  // namespace parley::gateway
