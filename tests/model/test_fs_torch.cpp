// Folder cleanup inside a binary that links LibTorch. PyTorch 2.x wheels export their own
// std::filesystem::remove_all from libtorch.so; it interposed on libstdc++'s and crashed with a
// null function pointer as soon as it recursed into a folder (PyTorch 2.11, Ubuntu 24.04), which
// took down every test using a temp folder and `groot convert` cleanup. groot::remove_tree is
// the replacement; these tests run in the torch-linked test binary on purpose.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "model/torch_compat.h"
#include "test_util.h"
#include "util/fs.h"

namespace groot {
namespace {

void touch(const fs::path& p, const std::string& text = "x") { std::ofstream(p) << text; }

TEST(FsTorch, RemoveTreeDeletesNestedFoldersWithoutFollowingSymlinks) {
  test::TempDir tmp;
  const fs::path keep = tmp / "outside";
  fs::create_directories(keep);
  touch(keep / "precious.txt");
  const fs::path root = tmp / "tree";
  fs::create_directories(root / "a" / "b" / "c");
  fs::create_directories(root / "empty");
  touch(root / "top.txt");
  touch(root / "a" / "b" / "c" / "deep.bin");
  touch(root / "a" / ".hidden");
  ASSERT_EQ(::symlink(keep.c_str(), (root / "a" / "link_to_outside").c_str()), 0);
  ASSERT_EQ(::symlink("/nonexistent/target", (root / "dangling").c_str()), 0);
  // Tensors alive in this process: the point is that LibTorch is loaded and initialised.
  auto t = torch::ones({4});
  EXPECT_TRUE(remove_tree(root));
  EXPECT_FALSE(fs::exists(root));
  EXPECT_TRUE(fs::exists(keep / "precious.txt")) << "remove_tree followed a symlink";
  EXPECT_EQ(t.sum().item<float>(), 4.f);
  // missing path: success; plain file: removed
  EXPECT_TRUE(remove_tree(root));
  touch(tmp / "f.txt");
  EXPECT_TRUE(remove_tree(tmp / "f.txt"));
  EXPECT_FALSE(fs::exists(tmp / "f.txt"));
}

TEST(FsTorch, StagingDirCleansUpNestedContentAndReplacesOldOutput) {
  test::TempDir tmp;
  const fs::path out = tmp / "dataset";
  fs::path staged;
  {
    StagingDir s(out, false);
    staged = s.path();
    fs::create_directories(s.path() / "data" / "chunk-000");
    touch(s.path() / "data" / "chunk-000" / "episode_000000.parquet");
    // destroyed without commit: the staging folder and its content are gone, no output
  }
  EXPECT_FALSE(fs::exists(staged));
  EXPECT_FALSE(fs::exists(out));
  for (int round = 0; round < 2; ++round) {
    StagingDir s(out, true);
    fs::create_directories(s.path() / "meta");
    touch(s.path() / "meta" / "info.json", "round" + std::to_string(round));
    s.commit();
  }
  EXPECT_EQ(read_file(out / "meta" / "info.json"), "round1");
  int entries = 0;
  for (auto& e : fs::directory_iterator(tmp.path)) entries += e.path().filename().string()[0] == '.';
  EXPECT_EQ(entries, 0) << "a staging or old folder was left behind";
}

}  // namespace
}  // namespace groot

// The control of tests/test_no_libtorch.cpp (run in the data and processor binaries): this binary
// maps LibTorch, so the probe recognises it when it is present.
TEST(Layering, ModelBinaryMapsLibTorch) {
  EXPECT_EQ(torch::ones({2}).sum().item<float>(), 2.f);  // LibTorch is really in use here
  EXPECT_FALSE(groot::test::mapped_libtorch().empty());
}
