// gpu_quick_parity GOLDEN_DIR DEVICE DTYPE: whole-model parity (Eagle backbone linked) without the CLI
// (used by tools/gpu_quick_check.sh on machines without the full build dependencies).
#include <cstdio>
#include <iostream>

#include "model/device.h"
#include "model/eagle_vl_backbone.h"
#include "model/parity.h"
#include "util/error.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gpu_quick_parity GOLDEN_DIR DEVICE fp32|bf16\n");
    return 2;
  }
  try {
    groot::model::register_eagle_backbone_for_parity();
    groot::model::ParityOptions opt;
    opt.golden_dir = argv[1];
    opt.device = groot::parse_device(argv[2]);
    opt.dtype = groot::parse_dtype(argv[3]);
    auto rep = groot::model::run_parity(opt, &std::cout);
    groot::model::print_report(rep, opt.golden_dir, std::cout);
    std::cout << (rep.failures() == 0 && rep.backbone_checked ? "parity: OK" : "parity: FAILED") << " ("
              << rep.failures() << " failure(s), " << rep.checks.size() << " tensors)\n";
    return rep.failures() == 0 ? 0 : 1;
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
