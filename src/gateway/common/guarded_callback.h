// The wrapper every gateway session puts around a core callback: core may answer after the
// session is gone (the connection closed meanwhile), and then the answer must do nothing.
#pragma once

#include <memory>
#include <utility>

#include "common/flow.h"

namespace parley::gateway {

// Runs `f(result)` then `settle()` when core answers, unless `alive` has died by then. A session
// holds `alive` (a shared_ptr it resets in on_closed) and counts the request as in flight in
// between; `settle` takes it off that count. The answer goes first: what the freed slot lets in
// (more input, the client's end of stream) must come after it.
template <class T, class Settle, class F>
Callback<T> while_alive(const std::shared_ptr<int>& alive, Settle settle, F&& f) {
  return [alive = std::weak_ptr<int>(alive), settle = std::move(settle),
          f = std::forward<F>(f)](Result<T> r) mutable {
    if (!alive.lock()) return;
    f(std::move(r));
    settle();
  };
}

}  // namespace parley::gateway
