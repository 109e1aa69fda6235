// The Asio side of a DeliveryWindow: one timer a session arms while it has events in flight,
// whose callback runs on the session's shard and never after the timer is gone.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <utility>

namespace parley::gateway {

// Thread contract: constructed, used and destroyed on the io_context's thread.
class ResendTimer {
 public:
  explicit ResendTimer(boost::asio::io_context& io) : timer_(io) {}
  ResendTimer(const ResendTimer&) = delete;
  ResendTimer& operator=(const ResendTimer&) = delete;

  // Calls `on_fire` once, `after` from now, unless already armed (then nothing changes) or
  // cancelled or destroyed first.
  template <class F>
  void arm(std::chrono::milliseconds after, F on_fire) {
    if (armed_) return;
    armed_ = true;
    if (!alive_) alive_ = std::make_shared<int>(0);
    timer_.expires_after(after);
    timer_.async_wait([this, alive = std::weak_ptr<int>(alive_),
                       on_fire = std::move(on_fire)](const boost::system::error_code& error) {
      // A handler already queued when the timer was destroyed still runs: the token says so.
      if (error || !alive.lock()) return;
      armed_ = false;
      on_fire();
    });
  }

  void cancel() {
    armed_ = false;
    alive_.reset();  // a handler already queued is disowned too
    timer_.cancel();
  }

  bool armed() const { return armed_; }
  auto get_executor() { return timer_.get_executor(); }

 private:
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  // Made at the first arm, not per connection: an idle session has never armed its timer.
  std::shared_ptr<int> alive_;
};

}  // namespace parley::gateway
