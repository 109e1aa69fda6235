// The storage interface in core's terms (DESIGN §2: core never writes SQL), one port per family
// (accounts and devices, conversations and members, the conversation log, the user log,
// contacts) joined with the write context the backend owns. Implemented by store/sqlite
// (embedded) and later store/postgres.
//
// Thread contract: the backend owns its write threads and its group commit (DESIGN §3). Core
// appends with submit_append (completion-style) and runs every other write as a task given to
// post_write; methods marked [writer] are called only inside such a task (or, by the conformance
// suite, from one thread while nothing else writes). The other methods may be called from any
// blocking-pool thread concurrently with the writes, so an implementation gives each thread its
// own connection.
#pragma once

#include <cstdint>
#include <functional>

#include "core/account_store.h"
#include "core/contact_store.h"
#include "core/conversation_log.h"
#include "core/conversation_store.h"
#include "core/user_log.h"

namespace parley {

// Microseconds; percentiles may round up by a few percent (the backend's histogram buckets).
struct LatencySummary {
  std::uint64_t count = 0;
  std::uint64_t p50_us = 0;
  std::uint64_t p99_us = 0;
  std::uint64_t p999_us = 0;
  std::uint64_t max_us = 0;
};

// Where an append's time goes inside the store since it opened: the latency decomposition of
// docs/benchmarks.md, and later the metrics endpoint.
struct StoreStats {
  std::uint64_t batches = 0;        // append transactions
  std::uint64_t appends = 0;        // requests they held
  std::uint64_t largest_batch = 0;  // requests in the largest one
  LatencySummary queued;            // per append: submitted until its batch started
  LatencySummary statements;        // per batch: its statements, before the commit
  LatencySummary commit;            // per batch: the commit itself (the fsync, when durable)
};

// Work for the store's write context.
using StoreTask = std::move_only_function<void()>;

class Store : public AccountStore,
              public ConversationStore,
              public ConversationLog,
              public UserLog,
              public ContactStore {
 public:
  ~Store() override = default;

  // ---- the write context
  // Any thread. Runs `task` on the store's write context, in post order; [writer] methods are
  // called from inside it. Must not block the caller.
  virtual void post_write(StoreTask task) = 0;
  // Returns once every task posted and every append submitted before the call has run and
  // completed (shutdown: nothing core queued is dropped). Any thread but the write context.
  virtual void finish_writes() = 0;
  // Any thread. Each figure is exact; together they are not one snapshot.
  virtual StoreStats stats() const = 0;
};

}  // namespace parley
