// SPDX-License-Identifier: MIT
//
// What the bench programs share: timing a piece of work, keeping each side's best round,
// printing the BENCH line scripts/build.sh collects, and the --rounds / --dir flags.
// Header-only; each bench/<name>.cpp includes it.
//
//   const auto options = bench::parse_options(argc, argv, 5);
//   bench::Best best;
//   for (int r = 0; r < options.rounds; ++r) {   // rounds alternate between the two sides
//     best.raw(bench::time_ms([&] { raw_insert(); }));
//     best.ours(bench::time_ms([&] { crucible_insert(); }));
//   }
//   bench::report("core_insert", "sqlite", 100'000, best);
//   // BENCH workload=core_insert backend=sqlite rows=100000 crucible_ms=... raw_ms=... ratio=...
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

namespace bench {

using Clock = std::chrono::steady_clock;

inline double time_ms(const std::function<void()>& fn) {
  const auto start = Clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Each side's best (lowest) round: the figure least disturbed by the rest of the machine.
struct Best {
  double ours_ms = 1e300;
  double raw_ms = 1e300;
  void ours(double ms) { ours_ms = std::min(ours_ms, ms); }
  void raw(double ms) { raw_ms = std::min(raw_ms, ms); }
};

inline void report(const char* workload, const char* backend, int rows, const Best& best) {
  std::printf("BENCH workload=%s backend=%s rows=%d crucible_ms=%.2f raw_ms=%.2f ratio=%.3f\n", workload, backend,
              rows, best.ours_ms, best.raw_ms, best.ours_ms / best.raw_ms);
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
