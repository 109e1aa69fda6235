// Registers many users at once, each on its own connection, and waits until all are in.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "parley_bench/connection.h"
#include "parley_bench/stats.h"

namespace parley::bench {

struct Enrolled {
  std::string name;
  std::shared_ptr<BenchConnection> connection;  // on workers.io(index)
  std::string token;                            // to resume later
  std::int64_t user_id = 0;
};

struct EnrollResult {
  std::vector<Enrolled> users;
  int failed = 0;
  double seconds = 0;
};

// Connects and registers `names[i]` on workers.io(i), from source address 127.0.0.(1 + i %
// sources). Every connection's frames after auth_ok go to `after_auth(i, frame)`, on its io thread;
// set up whatever that handler reads before calling. Connections stay open.
EnrollResult enroll(Workers& workers, const boost::asio::ip::tcp::endpoint& server,
                    const std::vector<std::string>& names, int sources,
                    std::function<void(std::size_t, const v1::ServerFrame&)> after_auth);

// Registers `names` with at most `concurrency` connections open at a time (each closes once its
// user is in); returns each user's token ("" when it failed). Keeps the server's memory free of
// sessions, so a later measurement sees only what it adds.
std::vector<std::string> register_accounts(Workers& workers,
                                           const boost::asio::ip::tcp::endpoint& server,
                                           const std::vector<std::string>& names, int concurrency);

// Like enroll, but each connection resumes with `tokens[i]` instead of registering.
EnrollResult resume_all(Workers& workers, const boost::asio::ip::tcp::endpoint& server,
                        const std::vector<std::string>& tokens, int sources,
                        std::function<void(std::size_t, const v1::ServerFrame&)> after_auth);

// Raises the soft open-file limit to the hard one (many connections from one process).
void raise_file_limit();

}  // namespace parley::bench
