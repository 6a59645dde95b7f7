// groot bench: dispatches to the registered benchmarks (cli/bench.h).
#include "cli/bench.h"
#include "cli/flags.h"
#include "util/text.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

namespace groot::cli {

std::vector<Bench>& benches() {
  static std::vector<Bench> b;
  return b;
}

}  // namespace groot::cli

namespace {

void usage(FILE* out) {
  auto b = groot::cli::benches();
  std::sort(b.begin(), b.end(), [](const auto& x, const auto& y) { return std::strcmp(x.name, y.name) < 0; });
  std::fprintf(out, "Usage: groot bench <name> [options]     (groot bench <name> --help for details)\n\nBenchmarks:\n");
  for (const auto& x : b) std::fprintf(out, "  %-10s %s\n", x.name, x.summary);
  std::fprintf(out, "\nExamples:\n  groot bench convert\n  groot bench convert --hdf5 demos.hdf5 --jobs 2 --seed-script tools/seed_convert.py\n");
}

int run(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const auto& b : groot::cli::benches()) {
    if (std::string(argv[1]) == b.name) {
      std::string prog = std::string("groot bench ") + b.name;
      std::vector<char*> args{prog.data()};
      for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
      return b.run(int(args.size()), args.data());
    }
  }
  std::vector<std::string> names;
  for (const auto& b : groot::cli::benches()) names.push_back(b.name);
  std::string near = groot::nearest(argv[1], names);
  std::fprintf(stderr, "groot bench: unknown benchmark '%s'%s\n\n", argv[1],
               near.empty() ? "" : (" (did you mean '" + near + "'?)").c_str());
  usage(stderr);
  return groot::cli::kExitUsage;
}

}  // namespace

GROOT_VERB(bench, 90, "speed benchmarks (groot bench <name>): convert, ...", run);
