// Runs a libFuzzer-style target without libFuzzer: the seed inputs, then a fixed number of
// deterministic mutations of them (byte flips, truncation, splices, length-field edits). It cannot
// match a coverage-guided run, but CI runs it on every build with ASan/UBSan, and a crash or
// sanitizer report fails the test. Usage: fuzz_replay [iterations]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
std::vector<std::string> fuzz_seeds();  // provided per target

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 20000;
  std::vector<std::string> corpus = fuzz_seeds();
  std::mt19937_64 rng(0x5eed);
  // Each input goes in an exact-size heap copy, as libFuzzer passes it: a std::string has spare
  // capacity and a terminating NUL that would hide a read past the end from ASan.
  auto run = [](const std::string& s) {
    const std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[s.size()]);
    std::memcpy(copy.get(), s.data(), s.size());
    LLVMFuzzerTestOneInput(copy.get(), s.size());
  };
  for (const auto& s : corpus) run(s);
  for (long i = 0; i < iterations; ++i) {
    std::string input = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 6) {
        case 0:  // flip a byte
          if (!input.empty()) input[rng() % input.size()] = static_cast<char>(rng());
          break;
        case 1:  // truncate
          if (!input.empty()) input.resize(rng() % input.size());
          break;
        case 2:  // splice from another seed
          input += corpus[rng() % corpus.size()].substr(0, rng() % 64);
          break;
        case 3:  // insert random bytes
          input.insert(input.empty() ? 0 : rng() % input.size(),
                       std::string(rng() % 16, static_cast<char>(rng())));
          break;
        case 4:  // extreme length prefix
          if (input.size() >= 4) input[rng() % 4] = static_cast<char>(0xFF);
          break;
        case 5:  // duplicate a slice
          if (input.size() > 2) input += input.substr(rng() % input.size());
          break;
      }
    }
    run(input);
    if (input.size() < 4096 && corpus.size() < 512 && rng() % 16 == 0) corpus.push_back(input);
  }
  std::printf("fuzz replay: %ld iterations over %zu inputs, no crash\n", iterations, corpus.size());
  return 0;
}
