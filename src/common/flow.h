// Coroutine flows over the Executor (common/executor.h), so a request that hops between shards
// and pools reads top to bottom instead of as nested callbacks (STYLE: call(shard, f) ->
// awaitable<T>). A flow lives on the shard that started it and comes back there after each hop.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <type_traits>
#include <utility>

#include "common/errors.h"
#include "common/executor.h"

namespace parley {

template <class T>
using Flow = boost::asio::awaitable<T>;

template <class T>
using Callback = std::move_only_function<void(Result<T>)>;

namespace detail {
template <class F>
Flow<std::invoke_result_t<F&>> run_on(boost::asio::any_io_executor target, F f) {
  using R = std::invoke_result_t<F&>;
  co_return co_await boost::asio::co_spawn(
      std::move(target), [f = std::move(f)]() mutable -> Flow<R> { co_return f(); },
      boost::asio::use_awaitable);
}
}  // namespace detail

// Runs f() on `shard` and resumes the caller on its own shard; inline when already on `shard`.
// Thread contract: from a flow running on a shard.
template <class F>
Flow<std::invoke_result_t<F&>> call(Executor& ex, ShardId shard, F f) {
  if (ex.current_shard() == shard) co_return f();
  co_return co_await detail::run_on(ex.shard_executor(shard), std::move(f));
}

// Runs blocking f() (a store read) on the blocking pool and resumes the caller on its shard.
template <class F>
Flow<std::invoke_result_t<F&>> on_blocking(Executor& ex, F f) {
  co_return co_await detail::run_on(ex.blocking_executor(), std::move(f));
}

// Runs f() (a password hash) on the hashing pool and resumes the caller on its shard.
template <class F>
Flow<std::invoke_result_t<F&>> on_hashing(Executor& ex, F f) {
  co_return co_await detail::run_on(ex.hashing_executor(), std::move(f));
}

// Starts `flow` on the calling shard; `done` gets its result there (possibly before spawn
// returns). Flows report failures as Result, never by exception: one escaping is a bug.
template <class T>
void spawn(Executor& ex, Flow<Result<T>> flow, Callback<T> done) {
  boost::asio::co_spawn(
      ex.shard_executor(ex.current_shard().value_or(0)), std::move(flow),
      [done = std::move(done)](std::exception_ptr error, Result<T> result) mutable {
        if (error) std::terminate();
        done(std::move(result));
      });
}

}  // namespace parley
