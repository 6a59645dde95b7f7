// groot bench infer on the CPU (tiny preset): runs every path and stage, and the fast path gives
// exactly the reference path's actions there (no CUDA graphs on the CPU).
#include <gtest/gtest.h>

#include "test_util.h"

using groot::test::run_groot;

TEST(BenchInferCli, TinyCpuSmoke) {
  auto r = run_groot(
      "bench infer --preset tiny --device cpu --dtype fp32 --batch 1,2 --views 1 --iters 3 --warmup 1 "
      "--staged-iters 1 --frame 60x80");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"== batch 1, 1 view(s)", "== batch 2, 1 view(s)", "reference     p50", "fast-eager    p50",
                        "fast          p50", "preprocess    p50", "vision        p50", "LLM           p50",
                        "action head   p50", "fast-eager vs reference: max |diff| 0 ",
                        "fast       vs reference: max |diff| 0 ", "preprocess 60x80 -> [1, 3, "})
    EXPECT_NE(r.output.find(s), std::string::npos) << "missing '" << s << "' in\n" << r.output;
}

TEST(BenchInferCli, BadOptionsFail) {
  auto r = run_groot("bench infer --preset tiny --device cpu --paths reference,turbo --iters 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown path 'turbo'"), std::string::npos) << r.output;
}
