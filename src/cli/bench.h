// `groot bench <name> [options]`: speed benchmarks that print numbers. Each benchmark lives in its
// own src/cli/bench_<name>.cpp and registers itself like a verb:
//
//   static int run(int argc, char** argv) { CLI::App app{"...", "groot bench foo"}; ... }
//   GROOT_BENCH(foo, "what it measures", run);
//
// `groot bench` alone (or --help) lists them.
#pragma once
#include <vector>

#include "cli/verb.h"

namespace groot::cli {

struct Bench {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

std::vector<Bench>& benches();

struct BenchRegistrar {
  explicit BenchRegistrar(Bench b) { benches().push_back(b); }
};

}  // namespace groot::cli

#define GROOT_BENCH(name, summary, fn) \
  static ::groot::cli::BenchRegistrar groot_bench_registrar_##name({#name, summary, fn})
