// Latency samples, percentiles, and the workers (one io_context per thread) of the generator.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parley::bench {

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Percentiles {
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  std::size_t samples = 0;
};

// Sorts `samples_ns` in place.
Percentiles percentiles(std::vector<std::int64_t>& samples_ns);
std::string to_json(const Percentiles& p);

class Workers {
 public:
  explicit Workers(unsigned threads);
  ~Workers();
  boost::asio::io_context& io(std::size_t i) { return *ios_[i % ios_.size()]; }
  std::size_t size() const { return ios_.size(); }
  // Lets every io_context run out of work and joins the threads.
  void stop();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> ios_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
};

// VmRSS of a process in KiB (0 when unreadable).
std::int64_t rss_kib(int pid);

// CPU time (user + system) of a process, in seconds; 0 when unreadable.
double cpu_seconds(int pid);

// CPU used by the server (when its pid is known) and by this generator over a run: shows which
// one limited a figure, and gives the server's CPU cost per message.
struct CpuUse {
  double server_s = 0, generator_s = 0;
};
class CpuMeter {
 public:
  explicit CpuMeter(int server_pid);
  CpuUse elapsed() const;

 private:
  int server_pid_;
  double server_start_, generator_start_;
};
std::string to_json(const CpuUse& cpu, double messages);

}  // namespace parley::bench
