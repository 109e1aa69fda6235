#include "parley_bench/stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
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

double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

namespace {
double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}
}  // namespace

CpuMeter::CpuMeter(int server_pid)
    : server_pid_(server_pid),
      server_start_(server_pid ? cpu_seconds(server_pid) : 0),
      generator_start_(own_cpu_seconds()) {}

CpuUse CpuMeter::elapsed() const {
  return CpuUse{server_pid_ ? cpu_seconds(server_pid_) - server_start_ : 0,
                own_cpu_seconds() - generator_start_};
}

std::string to_json(const CpuUse& cpu, double messages) {
  std::ostringstream out;
  out << "{\"server_s\":" << cpu.server_s << ",\"generator_s\":" << cpu.generator_s
      << ",\"server_us_per_message\":" << (messages > 0 ? cpu.server_s * 1e6 / messages : 0) << "}";
  return out.str();
}

}  // namespace parley::bench
