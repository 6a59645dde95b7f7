// The whole-model parity runner (parity.h, action-head engineer) with the Eagle backbone linked:
// every backbone intermediate, the loss, the gradients of the trainable top LLM layer and the
// inference steps of the real upstream golden.
#include <gtest/gtest.h>

#include <sstream>

#include "golden_util.h"
#include "model/eagle_vl_backbone.h"
#include "model/parity.h"

using namespace groot;

TEST(BackboneParityRunner, WholeModelWithEagleBackboneMatchesGolden) {
  model::register_eagle_backbone_for_parity();
  model::ParityOptions opt;
  opt.golden_dir = groot::test::golden_dir();
  std::ostringstream log;
  auto rep = model::run_parity(opt, &log);
  EXPECT_TRUE(rep.backbone_checked);
  int backbone_checks = 0, llm_grads = 0;
  for (auto& c : rep.checks) {
    EXPECT_TRUE(c.pass) << c.describe();
    const std::string top = c.name.substr(0, c.name.find('/'));
    if (top == "vision" || top == "mlp1" || top == "llm" || top == "backbone") ++backbone_checks;
    if (c.name.rfind("grad/backbone.model.language_model.model.layers.1.", 0) == 0) ++llm_grads;
  }
  EXPECT_GE(backbone_checks, 27);
  EXPECT_EQ(llm_grads, 11);  // every trainable backbone tensor's gradient compared
  EXPECT_EQ(rep.failures(), 0) << log.str();
}
