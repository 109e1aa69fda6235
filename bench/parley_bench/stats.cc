#include "parley_bench/stats.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace parley::bench {

Percentiles percentiles(std::vector<std::int64_t>& samples) {
  Percentiles p;
  p.samples = samples.size();
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
    return static_cast<double>(samples[i]) / 1e6;
  };
  p.p50_ms = at(0.50);
  p.p99_ms = at(0.99);
  p.p999_ms = at(0.999);
  p.max_ms = static_cast<double>(samples.back()) / 1e6;
  return p;
}

std::string to_json(const Percentiles& p) {
  std::ostringstream out;
  out << "{\"p50_ms\":" << p.p50_ms << ",\"p99_ms\":" << p.p99_ms << ",\"p999_ms\":" << p.p999_ms
      << ",\"max_ms\":" << p.max_ms << ",\"samples\":" << p.samples << "}";
  return out.str();
}

Workers::Workers(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) {
    ios_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(ios_.back()->get_executor());
  }
  for (auto& io : ios_) threads_.emplace_back([io = io.get()] { io->run(); });
}

Workers::~Workers() { stop(); }

void Workers::stop() {
  for (auto& io : ios_) io->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  guards_.clear();
}

std::int64_t rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

}  // namespace parley::bench
