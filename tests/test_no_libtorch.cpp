// Built into the torch-free test binaries (groot_data_tests, groot_processor_tests; CMakeLists.txt):
// proves at run time that the layer links no LibTorch. groot_model_tests checks the opposite
// (tests/model/test_links_libtorch.cpp), so the probe is known to see LibTorch when it is there.
#include <gtest/gtest.h>

#include "test_util.h"

TEST(Layering, NoLibTorchMapped) {
  const auto libs = groot::test::mapped_libraries();
  ASSERT_FALSE(libs.empty()) << "/proc/self/maps lists no shared objects";
  std::string found;
  for (const auto& l : groot::test::mapped_libtorch()) found += l + " ";
  EXPECT_TRUE(found.empty()) << "LibTorch mapped into a torch-free test binary: " << found;
}
