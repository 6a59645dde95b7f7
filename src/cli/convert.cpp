// groot convert: Isaac Lab HDF5 demos -> LeRobot v2.1 dataset (see data/convert.h).
#include <cstdio>

#include "cli/flags.h"
#include "cli/verb.h"
#include "data/convert.h"
#include "util/interrupt.h"

namespace {

namespace cli = groot::cli;

int run(int argc, char** argv) {
  CLI::App app{"Convert Isaac Lab HDF5 teleop demos to a LeRobot v2.1 dataset for GR00T N1.6", "groot convert"};
  groot::convert::Options o;
  app.add_option("--hdf5", o.inputs, "input HDF5 file (repeat to concatenate several files)")->required();
  app.add_option("-o,--output", o.output, "output dataset folder (must not exist or be empty, see --overwrite)")
      ->required();
  app.add_option("--fps", o.fps, "frame rate of rows and videos [default: the mapping's fps, else 30]")
      ->check(cli::in_range(1, 1000));
  app.add_option("--task", o.task, "task text [default: the mapping's task; built-in mapping: the seed script's]");
  app.add_option("--mapping", o.mapping_path,
                 "mapping file (JSON or YAML) for other Isaac Lab tasks, e.g. examples/mappings/franka_stack.yaml "
                 "[default: built-in mapping of the seed script (examples/mappings/seed_default.yaml)]");
  app.add_option("--codec", o.codec, "video codec")->check(CLI::IsMember({"h264", "av1"}));
  app.add_option("--crf", o.crf, "video quality, lower = better and bigger (h264: 0..51, av1: 0..63)");
  app.add_option("--preset", o.preset, "encoder speed preset (libx264: ultrafast..veryslow)");
  app.add_option("--gop", o.gop, "keyframe interval in frames (0 = codec default)")->check(cli::at_least(0));
  app.add_option("-j,--jobs", o.jobs, "parallel episode workers [default: all cores]")->check(cli::at_least(1));
  app.add_flag("--skip-invalid", o.skip_invalid, "skip bad demos (reported) instead of failing");
  app.add_flag("--overwrite", o.overwrite, "replace an existing output folder (only once the new one is complete)");
  app.add_flag("-q,--quiet", o.quiet, "no progress output");
  app.add_flag("--frames-to-cache", o.frames_to_cache,
               "write camera frames into the training frame cache (DATASET/.groot_frames) instead of mp4 files "
               "(for machines without FFmpeg)");
  app.callback([&] { cli::check_crf(o.crf, o.codec); });
  app.footer(
      "Examples:\n"
      "  groot convert --hdf5 demos.hdf5 --output datasets/mcx\n"
      "  groot convert --hdf5 a.hdf5 --hdf5 b.hdf5 --output datasets/mcx --fps 30 --jobs 8 --skip-invalid\n"
      "  groot convert --hdf5 stack.hdf5 --mapping examples/mappings/franka_stack.yaml --output datasets/stack\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    groot::InterruptGuard guard;  // SIGINT/SIGTERM: stop, remove the staging folder, then exit
    auto r = groot::convert::run(o);
    for (const auto& s : r.skipped)  // first line of the reason (meta/conversion.json has all of it)
      std::printf("skipped %s %s: %s\n", s.file.c_str(), s.demo.c_str(), s.reason.substr(0, s.reason.find('\n')).c_str());
    std::printf("dataset: %s (%d episodes, %lld frames, %zu demos skipped) in %.1f s\n", r.output.c_str(), r.episodes,
                (long long)r.frames, r.skipped.size(), r.seconds);
    return 0;
  });
}

}  // namespace

GROOT_VERB(convert, 20, "HDF5 teleop demos -> LeRobot v2.1 dataset", run);
