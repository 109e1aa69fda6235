// Client::Impl's lifetime: load the state, start the io and worker threads; stop them in order.
#include "client/client_impl.h"

#include <boost/asio/post.hpp>
#include <future>

#include "client/random_id.h"

namespace parley::client {

namespace asio = boost::asio;

Client::Impl::Impl(ClientOptions options) : options_(std::move(options)) {
  url_ok_ = parse_server_url(options_.server_url, url_, url_error_);
  if (!options_.state_dir.empty()) {
    PersistedState s;
    std::string error;
    if (load_state(options_.state_dir, s, error)) restore(std::move(s));
    state_writer_ =
        std::make_unique<StateWriter>(options_.state_dir, options_.state_write_delay, [this] {
          std::lock_guard lock(mu_);
          return snapshot_locked();
        });
  }
  // The device key names this installation to the server: chosen once, then kept, and on disk
  // before any login can use it.
  const std::string key = !options_.device_key.empty() ? options_.device_key
                          : !auth_.device_key.empty()  ? auth_.device_key
                                                       : random_id();
  if (key != auth_.device_key) {
    auth_.device_key = key;
    persist_now();
  }
  io_thread_ = std::thread([this] { io_.run(); });
  worker_ = std::thread([this] { work(); });
}

Client::Impl::~Impl() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    want_session_ = false;
    for (auto& [id, call] : pending_) {
      if (!call->done()) call->error = ClientError{v1::UNAVAILABLE, "client stopped"};
    }
    pending_.clear();
    cv_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
  std::promise<void> closed;
  asio::post(io_, [this, &closed] {
    std::shared_ptr<Transport> conn;
    {
      std::lock_guard lock(mu_);
      conn = std::move(conn_);
      connected_ = false;
      ++generation_;
    }
    if (conn) conn->close();
    heartbeat_timer_.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
  work_guard_.reset();
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
  state_writer_.reset();  // writes what changed since the last write
}

}  // namespace parley::client
