// `ramp`: `direct` at rising rates, each step against the same server, until a step breaks the
// bound (p99 send->deliver above it, or anything lost, duplicated or reordered). Reports every
// step and the highest rate that held.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <vector>

#include "parley_bench/scenarios.h"

namespace parley::bench {

int run_ramp(const Target& target, const RampOptions& o) {
  std::vector<DirectResult> steps;
  double highest = 0;
  bool setup_failed = false;
  for (double rate = o.from; rate <= o.max; rate = o.factor > 1 ? rate * o.factor : rate + o.step) {
    DirectOptions d;
    d.pairs = o.pairs;
    d.rate = rate;
    d.seconds = o.seconds;
    DirectResult r = measure_direct(target, d);
    if (r.registration_failed) {
      setup_failed = true;
      break;
    }
    const bool held = r.clean() && r.send_to_deliver.p99_ms <= o.bound_ms;
    if (!target.json) {
      std::printf("ramp %.0f msg/s: delivered %.0f/s, p99 send->deliver %.2f ms, lost %lld -> %s\n",
                  rate, r.delivered_per_s, r.send_to_deliver.p99_ms, static_cast<long long>(r.lost),
                  held ? "holds" : "breaks");
    }
    steps.push_back(std::move(r));
    if (!held) break;
    highest = rate;
  }
  if (target.json) {
    std::ostringstream out;
    out << "{\"scenario\":\"ramp\",\"bound_ms\":" << o.bound_ms << ",\"pairs\":" << o.pairs
        << ",\"highest_rate_held\":" << highest << ",\"steps\":[";
    for (std::size_t i = 0; i < steps.size(); ++i) out << (i ? "," : "") << steps[i].json();
    out << "]}";
    std::cout << out.str() << "\n";
  } else {
    std::printf("ramp: highest rate holding p99 <= %.0f ms with zero loss: %.0f msg/s\n",
                o.bound_ms, highest);
  }
  if (setup_failed) return 2;
  // Breaking is the expected end of a ramp. Messages of the breaking step still missing after its
  // drain are reported (as "lost") but may only be late; anything lost by a step that otherwise
  // held, or a duplicate or reordering anywhere, is a failure.
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const DirectResult& r = steps[i];
    const bool breaking = i + 1 == steps.size() && highest < r.options.rate;
    if (r.duplicates || r.out_of_order || r.errors || (!breaking && r.lost)) return 1;
  }
  return 0;
}

}  // namespace parley::bench
