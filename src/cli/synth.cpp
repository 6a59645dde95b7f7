// groot synth: writes a synthetic Isaac Lab teleop HDF5 file (see data/synth.h).
#include <cstdio>

#include "cli/flags.h"
#include "cli/verb.h"
#include "data/synth.h"

namespace {

namespace cli = groot::cli;

int run(int argc, char** argv) {
  CLI::App app{"Write a synthetic Isaac Lab teleop HDF5 (scripted block insertion, two cameras)", "groot synth"};
  groot::synth::Options o;
  app.add_option("-o,--output", o.output, "output .hdf5 file")->required();
  app.add_option("--demos", o.demos, "number of demos")->check(cli::at_least(1));
  app.add_option("--min-length", o.min_length, "shortest demo (frames)")->check(cli::at_least(2));
  app.add_option("--max-length", o.max_length, "longest demo (frames), >= --min-length")->check(cli::at_least(2));
  app.add_option("--height", o.height, "camera height (pixels)")->check(cli::in_range(8, 4096));
  app.add_option("--width", o.width, "camera width (pixels)")->check(cli::in_range(8, 4096));
  app.add_option("--seed", o.seed, "random seed (same seed -> same file content)");
  cli::add_switch(app, "--gzip", "--no-gzip", o.gzip,
                  "chunked + gzip-compressed datasets like current Isaac Lab, or contiguous uncompressed ones");
  app.callback([&] {
    if (o.max_length < o.min_length)
      cli::usage_error("--max-length", std::to_string(o.max_length) + " is below --min-length " +
                                           std::to_string(o.min_length));
  });
  app.add_flag("--gap", o.gap, "leave gaps in demo numbering (demo_0,8,11,14,...) and a stale data@total");
  app.add_flag("-q,--quiet", o.quiet, "no progress output");
  app.footer(
      "Examples:\n"
      "  groot synth --output demos.hdf5 --demos 20\n"
      "  groot synth --output small.hdf5 --demos 3 --min-length 20 --max-length 40 --height 64 --width 80 --no-gzip --gap\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    auto s = groot::synth::write_file(o);
    std::printf("wrote %s: %d demos, %lld frames, %.1f MB\n", o.output.c_str(), s.demos, (long long)s.frames,
                s.bytes / 1e6);
    return 0;
  });
}

}  // namespace

GROOT_VERB(synth, 10, "write a synthetic Isaac Lab teleop HDF5 (scripted insertion)", run);
