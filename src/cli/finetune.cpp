// groot finetune: the seed's `python -m gr00t.experiment.launch_finetune ...` command, same flags.
// Parsing: train/finetune_config.h; the run: train/finetune.h.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/verb.h"
#include "train/finetune.h"
#include "util/error.h"

namespace {

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  groot::train::FinetuneConfig cfg;
  try {
    bool help = false;
    cfg = groot::train::parse_finetune_args(args, &help);
    if (help) {
      std::fputs(groot::train::finetune_help().c_str(), stdout);
      return 0;
    }
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "groot finetune: error: %s\n", e.what());
    return 2;  // usage error: nothing was loaded
  }
  try {
    auto res = groot::train::run_finetune(cfg);
    return res.interrupted ? 130 : 0;
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "groot finetune: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "groot finetune: internal error: %s\n", e.what());
    return 1;
  }
}

}  // namespace

GROOT_VERB(finetune, 50, "fine-tune GR00T N1.6 on a LeRobot v2 dataset (upstream launch_finetune flags)", run);
