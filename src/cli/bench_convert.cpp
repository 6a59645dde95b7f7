// groot bench convert: converts a synthetic Isaac Lab file (>= 50 demos x ~300 frames x 2 cameras
// 240x320 by default, or --hdf5) and prints demos/s, frames/s and MB/s; with --seed-script, also
// times the Python seed converter (tools/seed_convert.py) on the same file and prints the ratio.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/bench.h"
#include "cli/flags.h"
#include "data/convert.h"
#include "data/synth.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

namespace cli = groot::cli;

namespace fs = std::filesystem;

int64_t dir_bytes(const fs::path& p) {
  int64_t n = 0;
  std::error_code ec;
  for (auto& e : fs::recursive_directory_iterator(p, ec))
    if (e.is_regular_file(ec)) n += int64_t(e.file_size(ec));
  return n;
}

// CPU seconds (user + sys) of this process or of its waited-for children.
double cpu_seconds(int who) {
  rusage ru{};
  ::getrusage(who, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

int run(int argc, char** argv) {
  CLI::App app{"Benchmark groot convert (and optionally the Python seed converter) on the same HDF5 file",
               "groot bench convert"};
  std::string hdf5, workdir = fs::temp_directory_path().string(), seed_script, python = "/usr/bin/python3";
  groot::synth::Options so;
  so.demos = 50;
  so.min_length = 280;
  so.max_length = 320;
  so.quiet = true;
  groot::convert::Options co;
  co.quiet = true;
  bool keep = false;
  app.add_option("--hdf5", hdf5, "existing input file [default: synthesize one into --workdir]");
  app.add_option("--workdir", workdir, "where the synthetic input and the outputs go");
  app.add_option("--demos", so.demos, "synthetic demos")->check(cli::at_least(1));
  app.add_option("--min-length", so.min_length, "synthetic demo length, min")->check(cli::at_least(2));
  app.add_option("--max-length", so.max_length, "synthetic demo length, max")->check(cli::at_least(2));
  app.add_option("--height", so.height, "synthetic camera height")->check(cli::in_range(8, 4096));
  app.add_option("--width", so.width, "synthetic camera width")->check(cli::in_range(8, 4096));
  app.add_option("-j,--jobs", co.jobs, "convert workers [default: all cores]")->check(cli::at_least(1));
  app.add_option("--codec", co.codec, "video codec")->check(CLI::IsMember({"h264", "av1"}));
  app.add_option("--crf", co.crf, "video quality (h264: 0..51, av1: 0..63)");
  app.add_option("--preset", co.preset, "encoder preset");
  app.add_option("--seed-script", seed_script,
                 "also time this Python seed converter (tools/seed_convert.py) [default: none]");
  app.add_option("--python", python, "interpreter for --seed-script");
  app.callback([&] {
    if (so.max_length < so.min_length)
      cli::usage_error("--max-length", std::to_string(so.max_length) + " is below --min-length " +
                                           std::to_string(so.min_length));
    cli::check_crf(co.crf, co.codec);
  });
  app.add_flag("--keep", keep, "keep the synthetic input and outputs");
  app.footer(
      "Examples:\n"
      "  groot bench convert --seed-script tools/seed_convert.py\n"
      "  groot bench convert --hdf5 demos.hdf5 --jobs 2\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    fs::path wd = fs::path(workdir) / ("groot-bench-convert-" + std::to_string(::getpid()));
    fs::create_directories(wd);
    struct Cleanup {
      fs::path p;
      bool keep;
      ~Cleanup() {
        if (!keep) groot::remove_tree(p);
      }
    } cleanup{wd, keep};
    if (hdf5.empty()) {
      hdf5 = (wd / "bench.hdf5").string();
      so.output = hdf5;
      std::printf("synthesizing %s: %d demos x %d-%d frames x 2 cameras %dx%d (gzip) ...\n", hdf5.c_str(), so.demos,
                  so.min_length, so.max_length, so.height, so.width);
      std::fflush(stdout);
      groot::synth::write_file(so);
    }
    double in_mb = double(fs::file_size(hdf5)) / 1e6;
    co.inputs = {hdf5};
    co.output = (wd / "groot_out").string();
    double la0[3] = {0, 0, 0};
    if (::getloadavg(la0, 3) == 3) std::printf("load average at the start: %.2f %.2f %.2f\n", la0[0], la0[1], la0[2]);
    std::fflush(stdout);
    double cpu0 = cpu_seconds(RUSAGE_SELF);
    auto r = groot::convert::run(co);
    double cpu = cpu_seconds(RUSAGE_SELF) - cpu0;
    double out_mb = double(dir_bytes(r.output)) / 1e6;
    std::printf("input: %s (%.1f MB on disk)\n", hdf5.c_str(), in_mb);
    std::printf("groot convert (jobs=%d, %s crf %d preset %s): %d demos, %lld frames in %.2f s\n", co.jobs, co.codec.c_str(),
                co.crf, co.preset.c_str(), r.episodes, (long long)r.frames, r.seconds);
    std::printf("  %.2f demos/s  %.1f frames/s  %.1f MB/s decoded input  %.1f MB/s file input  (output %.1f MB)\n",
                r.episodes / r.seconds, r.frames / r.seconds, r.raw_bytes / 1e6 / r.seconds, in_mb / r.seconds, out_mb);
    std::printf("  CPU time %.2f s (user+sys)\n", cpu);
    std::fflush(stdout);
    if (!seed_script.empty()) {
      fs::path sout = wd / "seed_out";
      std::string cmd = python + " '" + seed_script + "' --hdf5 '" + hdf5 + "' --output '" + sout.string() + "'";
      auto t0 = std::chrono::steady_clock::now();
      double ccpu0 = cpu_seconds(RUSAGE_CHILDREN);
      int rc = std::system(cmd.c_str());
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double ccpu = cpu_seconds(RUSAGE_CHILDREN) - ccpu0;
      if (rc != 0) groot::fail("seed converter failed (exit ", WIFEXITED(rc) ? WEXITSTATUS(rc) : rc, "): ", cmd);
      std::printf("seed converter (python, parquet write = no-op): %d demos, %lld frames in %.2f s\n", r.episodes,
                  (long long)r.frames, s);
      std::printf("  %.2f demos/s  %.1f frames/s  %.1f MB/s file input\n", r.episodes / s, r.frames / s, in_mb / s);
      std::printf("  CPU time %.2f s (user+sys, python + ffmpeg)\n", ccpu);
      std::printf("speedup groot/seed: %.1fx wall clock, %.1fx CPU time\n", s / r.seconds, ccpu / cpu);
    }
    double la[3] = {0, 0, 0};
    if (::getloadavg(la, 3) == 3) std::printf("load average at the end: %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    if (keep) std::printf("kept: %s\n", wd.string().c_str());
    return 0;
  });
}

}  // namespace

GROOT_BENCH(convert, "HDF5 -> LeRobot conversion: demos/s, frames/s, MB/s (vs the Python seed)", run);
