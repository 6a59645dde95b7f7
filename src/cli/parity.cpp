// groot parity GOLDEN_DIR: run the C++ model on a golden folder and compare every tensor.
#include <iostream>

#include "cli/flags.h"
#include "cli/verb.h"
#include "model/device.h"
#include "parity/parity.h"
#include "parity/parity_preprocess.h"
#include "parity/trajectory_parity.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Compare the C++ GR00T N1.6 with an upstream golden folder (weights + every intermediate, loss, "
               "gradients, inference steps); exits 1 if any tensor exceeds its tolerance",
               "groot parity"};
  std::string dir, dtype = "fp32", device = "cpu", dump_path;
  std::vector<std::string> dump;
  std::string model_dir;
  bool ah_only = false;
  app.add_option("golden_dir", dir,
                 "golden folder, e.g. tests/golden/tiny_v1, or a training trajectory (tests/golden/tiny_v1_train)")
      ->required();
  app.add_option("--model", model_dir,
                 "trajectory folders: model folder with the weights and in/* batch [default: the sibling "
                 "folder without the _train suffix]");
  app.add_option("--dtype", dtype, "fp32 (vs io.safetensors) or bf16 (vs io_bf16.safetensors, loose tolerance)")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  app.add_option("--device", device, "cpu, cuda, cuda:N");
  app.add_option("--dump", dump, "print this recorded tensor (or 'prefix*') next to the golden; repeatable [default: none]");
  app.add_option("--dump-file", dump_path,
                 "also write the dumped tensors (ours/NAME, golden/NAME) to this .safetensors [default: none]");
  app.add_flag("--action-head-only", ah_only,
               "feed the golden backbone features to the action head and check only ah/dit/train/grad/infer");
  app.footer("Examples:\n  groot parity tests/golden/tiny_v1\n"
             "  groot parity tests/golden/tiny_v1 --device cuda --dtype bf16\n"
             "  groot parity tests/golden/tiny_v1 --dump 'dit/block0*'\n"
             "  groot parity tests/golden/tiny_v1_train        (replays upstream optimizer steps)\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    if (groot::train::is_trajectory_folder(dir)) {
      groot::train::TrajectoryOptions topt;
      topt.dir = dir;
      topt.model_dir = model_dir;
      topt.device = groot::parse_device(device);
      auto rep = groot::train::run_trajectory_parity(topt, &std::cout);
      groot::train::print_trajectory_report(rep, std::cout);
      if (rep.failures > 0) {
        std::cout << "parity: FAILED (" << rep.failures << " steps / weight checks outside tolerance)\n";
        return 1;
      }
      std::cout << "parity: OK\n";
      return 0;
    }
    groot::model::ParityOptions opt;
    opt.golden_dir = dir;
    opt.dtype = groot::parse_dtype(dtype);
    opt.device = groot::parse_device(device);
    opt.action_head_only = ah_only;
    opt.dump = dump;
    opt.dump_path = dump_path;
    groot::model::register_default_preprocess_checks();
    auto rep = groot::model::run_parity(opt, &std::cout);
    groot::model::print_report(rep, dir, std::cout);
    if (rep.failures() > 0) {
      std::cout << "parity: FAILED (" << rep.failures() << " tensors outside tolerance)\n";
      return 1;
    }
    std::cout << "parity: OK\n";
    return 0;
  });
}

}  // namespace

GROOT_VERB(parity, 60, "compare the C++ model with an upstream golden folder (every tensor)", run);
