// groot init-model --preset tiny|3b --output DIR [--seed S]: a randomly initialised GR00T N1.6 model
// in the nvidia/GR00T-N1.6-3B folder layout (tests, demos, GPU benchmarks of finetune).
#include <cstdio>

#include "cli/verb.h"
#include "train/init_model.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Write a randomly initialised GR00T N1.6 model folder (config.json, sharded safetensors + index, "
               "processor files) in the layout of nvidia/GR00T-N1.6-3B",
               "groot init-model"};
  groot::train::InitModelOptions o;
  app.add_option("--preset", o.preset, "tiny (the tiny_v1 golden configuration) or 3b (nvidia/GR00T-N1.6-3B)")
      ->check(CLI::IsMember({"tiny", "3b"}));
  app.add_option("--output", o.output, "output folder (must not exist or be empty)")->required();
  app.add_option("--seed", o.seed, "random seed of the initial weights");
  app.add_flag("--overwrite", o.overwrite, "replace an existing output folder");
  app.footer("Examples:\n  groot init-model --preset tiny --output tiny_base\n"
             "  groot init-model --preset 3b --output /data/gr00t_3b_random --seed 1\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    const int64_t n = groot::train::init_model(o);
    std::printf("init-model: wrote %s (%s preset, %lld parameters, seed %llu)\n", o.output.c_str(), o.preset.c_str(),
                (long long)n, (unsigned long long)o.seed);
    return 0;
  });
}

}  // namespace

// Registered by hand: the verb name has a dash.
static ::groot::cli::VerbRegistrar groot_verb_registrar_init_model(
    {"init-model", 45, "write a randomly initialised GR00T N1.6 model (tiny or 3b) in the HF layout", run});
