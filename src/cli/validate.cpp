// groot validate DATASET: checks a LeRobot v2 dataset for GR00T N1.6 training (data/validate.h).
#include "data/validate.h"

#include <cstdio>

#include "cli/flags.h"
#include "cli/verb.h"

namespace {

namespace cli = groot::cli;

int run(int argc, char** argv) {
  CLI::App app{"Check a LeRobot v2.x dataset for GR00T N1.6 training; exit 0 only when it is usable",
               "groot validate"};
  std::string dataset;
  groot::data::ValidateOptions opt;
  bool no_video = false, quiet = false;
  app.add_option("dataset", dataset, "LeRobot v2 dataset folder")->required();
  app.add_option(
      "--modality-config", opt.modality_config,
      "also check this modality config (YAML/JSON) against the dataset [default: the one derived from "
      "meta/modality.json]");
  app.add_flag("--no-video", no_video, "skip video checks");
  app.add_flag("--decode-all", opt.decode_all,
               "decode every video frame (slow; default decodes the last needed frame)");
  app.add_option("--timestamp-tolerance", opt.timestamp_tol_s,
                 "allowed timestamp error in seconds (LeRobot's tolerance_s)")
      ->check(cli::at_least(0));
  app.add_option("--threads", opt.threads, "worker threads (0 = all cores)")->check(cli::at_least(0));
  app.add_option("--max-per-kind", opt.max_issues_per_kind, "report at most this many issues of one kind")
      ->check(cli::at_least(1));
  app.add_flag("-q,--quiet", quiet, "print only problems and the verdict");
  app.footer(
      "Checks meta files, modality.json ranges, every parquet file (rows vs episodes.jsonl, column types "
      "and\n"
      "shapes, nulls, NaN/Inf, timestamps vs fps, frame/episode/global indices, task indices) and every "
      "video\n"
      "(presence, frame count, decodability). Warnings do not fail the run.\n\n"
      "Examples:\n"
      "  groot validate datasets/mcx\n"
      "  groot validate datasets/mcx --modality-config examples/modality/franka_mcx.yaml --decode-all\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    opt.check_videos = !no_video;
    groot::data::ValidateReport r = groot::data::validate_dataset(dataset, opt);
    std::fputs(r.format().c_str(), stdout);
    if (!quiet)
      std::printf("checked %lld episodes, %lld frames, %lld videos\n", (long long)r.episodes_checked,
                  (long long)r.frames_checked, (long long)r.videos_checked);
    std::printf("%s: %s (%d error%s, %d warning%s)\n", dataset.c_str(),
                r.ok() ? "OK, usable for training" : "NOT USABLE", r.errors(), r.errors() == 1 ? "" : "s",
                r.warnings(), r.warnings() == 1 ? "" : "s");
    return r.ok() ? 0 : 1;
  });
}

}  // namespace

GROOT_VERB(validate, 35, "check a LeRobot v2 dataset for GR00T training", run);
