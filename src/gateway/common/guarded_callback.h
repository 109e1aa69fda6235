// The wrapper every gateway session puts around a core callback: core may answer after the
// session is gone (the connection closed meanwhile), and then the answer must do nothing.
#pragma once

#include <memory>
#include <utility>

#include "common/flow.h"

namespace parley::gateway {

// Runs `settle()` then `f(result)` when core answers, unless `alive` has died by then. A session
// holds `alive` (a shared_ptr it resets in on_closed) and counts the request as in flight in
// between; `settle` takes it off that count.
template <class T, class Settle, class F>
Callback<T> while_alive(const std::shared_ptr<int>& alive, Settle settle, F&& f) {
  return [alive = std::weak_ptr<int>(alive), settle = std::move(settle),
          f = std::forward<F>(f)](Result<T> r) mutable {
    if (!alive.lock()) return;
    settle();
    f(std::move(r));
  };
}

}  // namespace parley::gateway
