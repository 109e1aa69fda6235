// The one place that knows which storage backends exist: `[store] backend` names one, and the
// server holds whatever Store it gets back (DESIGN §2: core sees only the port). A new backend
// (store/postgres, the cluster issue) adds one row to the table in open_store.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "core/store.h"

namespace parley::store {

struct StoreOptions {
  std::string backend = "sqlite";
  std::string data_dir;          // the embedded backend keeps its file here (parley.db)
  bool durability_fsync = true;  // commit only once the disk has it
  std::uint64_t max_bytes = 0;   // 0: no cap; past it writes fail with Errc::unavailable
};

// The names `backend` may take, in the order error messages list them.
std::vector<std::string_view> store_backends();

// Opens (creating and migrating as needed) the named backend. An unknown name is
// Errc::invalid_argument naming the known ones. Any thread; the store outlives every call into it.
Result<std::unique_ptr<Store>> open_store(const StoreOptions& options);

}  // namespace parley::store
