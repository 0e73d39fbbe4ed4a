// SPDX-License-Identifier: MIT
//
// What the bench programs share: timing a piece of work, keeping both sides' rounds, printing
// the BENCH line scripts/build.sh collects, and the --rounds / --dir flags. Header-only; each
// bench/<name>.cpp includes it.
//
//   const auto options = bench::parse_options(argc, argv, 7);
//   bench::Rounds insert;
//   for (int r = 0; r < options.rounds; ++r) {   // each round times raw, then ours, back to back
//     insert.raw(bench::time_ms([&] { raw_insert(); }));
//     insert.ours(bench::time_ms([&] { crucible_insert(); }));
//   }
//   bench::report("core_insert", "sqlite", 100'000, insert);
//   // BENCH workload=core_insert backend=sqlite rows=100000 crucible_ms=... raw_ms=... ratio=...
//
// The figures are medians. crucible_ms and raw_ms: each side's median round. ratio: the median
// of the rounds' own ratios (ours over raw of the same round), so that a machine slowing down
// or speeding up between rounds, as a shared one does, moves both sides of a ratio alike. The
// best round of each side would hide a slowdown that shows after the first round (a statement
// re-keyed at every execution once rebuilt did exactly that: 1.06 best against 1.20 typical).
//
// Thread-safety: for single-threaded programs (report() writes to stdout).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double time_ms(const std::function<void()>& fn) {
  const auto start = Clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The middle value (the mean of the two middle ones for an even count); 0 for none.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Both sides' timings, round by round: raw() then ours() once per round.
class Rounds {
 public:
  void raw(double ms) { raw_.push_back(ms); }
  void ours(double ms) { ours_.push_back(ms); }
  double raw_ms() const { return median(raw_); }
  double ours_ms() const { return median(ours_); }
  // The median over rounds of ours / raw; rounds missing either side do not count.
  double ratio() const {
    std::vector<double> ratios;
    for (std::size_t i = 0; i < std::min(raw_.size(), ours_.size()); ++i) ratios.push_back(ours_[i] / raw_[i]);
    return median(std::move(ratios));
  }

 private:
  std::vector<double> raw_;
  std::vector<double> ours_;
};

inline void report(const char* workload, const char* backend, int rows, const Rounds& rounds) {
  std::printf("BENCH workload=%s backend=%s rows=%d crucible_ms=%.2f raw_ms=%.2f ratio=%.3f\n", workload, backend,
              rows, rounds.ours_ms(), rounds.raw_ms(), rounds.ratio());
  std::fflush(stdout);
}

struct Options {
  int rounds = 1;
  std::filesystem::path dir;  // for database files; the system's temporary directory by default
};

// --rounds N (at least 1) and --dir DIR; other arguments are ignored.
inline Options parse_options(int argc, char** argv, int default_rounds) {
  Options options{default_rounds, std::filesystem::temp_directory_path()};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--rounds") options.rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--dir") options.dir = argv[i + 1];
  }
  return options;
}

}  // namespace bench
