#include <gtest/gtest.h>

#include <zstd.h>

#include <filesystem>
#include <fstream>

#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using namespace groot;

TEST(Safetensors, ReadsGoldenWeights) {
  st::File f(groot::test::golden_root() + "/tiny_v1/weights.safetensors");
  EXPECT_EQ(f.tensors().size(), 159u);
  const auto& emb = f.at("backbone.model.language_model.model.embed_tokens.weight");
  EXPECT_EQ(emb.dtype, st::DType::BF16);
  ASSERT_EQ(emb.shape.size(), 2u);
  EXPECT_EQ(emb.shape[0], 151680);
  EXPECT_EQ(emb.shape[1], 64);
  EXPECT_THROW(f.at("no.such.tensor"), Error);
}

TEST(Safetensors, OpensZstdTwinWhenFileIsAbsent) {
  test::TempDir tmp;
  const std::string p = (tmp / "w.safetensors").string();
  auto a = torch::arange(20, torch::kFloat32).reshape({4, 5});
  st::write_tensors(p, {{"a", a}}, {{"k", "v"}});
  const std::string raw = read_file(p);
  std::string packed(ZSTD_compressBound(raw.size()), '\0');
  packed.resize(ZSTD_compress(packed.data(), packed.size(), raw.data(), raw.size(), 3));
  write_file_atomic(p + ".zst", packed);
  std::filesystem::remove(p);
  EXPECT_TRUE(st::exists(p));
  EXPECT_FALSE(st::exists((tmp / "none.safetensors").string()));
  st::File f(p);
  EXPECT_EQ(f.metadata().at("k"), "v");
  EXPECT_TRUE(torch::equal(st::to_tensor(f.at("a")), a));
  // A corrupt twin is an error naming it, never garbage tensors.
  write_file_atomic(p + ".zst", packed.substr(0, packed.size() / 2));
  try {
    st::File bad(p);
    ADD_FAILURE() << "truncated .zst was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w.safetensors.zst"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, RoundTripAllDtypesAndMetadata) {
  test::TempDir tmp;
  std::string p = (tmp / "a.safetensors").string();
  auto a = torch::arange(12, torch::kFloat32).reshape({3, 4});
  auto b = torch::arange(5, torch::kInt64);
  auto c = torch::randn({2, 3}).to(torch::kBFloat16);
  auto d = torch::tensor({1, 0, 1}, torch::kBool);
  auto e = torch::zeros({0, 4});
  st::write_tensors(p, {{"a", a}, {"b", b}, {"c", c}, {"d", d}, {"e", e}}, {{"format", "pt"}});
  st::File f(p);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_TRUE(torch::equal(st::to_tensor(f.at("a")), a));
  EXPECT_TRUE(torch::equal(st::to_tensor(f.at("b")), b));
  EXPECT_TRUE(torch::equal(st::to_tensor(f.at("c")), c));
  EXPECT_TRUE(torch::equal(st::to_tensor(f.at("d")), d));
  EXPECT_EQ(st::to_tensor(f.at("e")).numel(), 0);
}

TEST(Safetensors, ShardedCheckpointFolder) {
  test::TempDir tmp;
  st::write_tensors((tmp / "model-00001-of-00002.safetensors").string(), {{"x", torch::ones({2})}});
  st::write_tensors((tmp / "model-00002-of-00002.safetensors").string(), {{"y", torch::zeros({3})}});
  std::ofstream(tmp / "model.safetensors.index.json")
      << R"({"metadata":{},"weight_map":{"x":"model-00001-of-00002.safetensors","y":"model-00002-of-00002.safetensors"}})";
  st::Checkpoint ck(tmp.path.string());
  EXPECT_EQ(ck.num_files(), 2u);
  EXPECT_EQ(ck.names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(ck.at("y").shape[0], 3);
  // An index naming a missing shard is an error naming the shard.
  std::ofstream(tmp / "model.safetensors.index.json") << R"({"weight_map":{"x":"nope.safetensors"}})";
  try {
    st::Checkpoint bad(tmp.path.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope.safetensors"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, CorruptFilesGiveClearErrors) {
  test::TempDir tmp;
  std::string p = (tmp / "ok.safetensors").string();
  st::write_tensors(p, {{"w", torch::randn({16, 16})}});
  std::string bytes;
  {
    std::ifstream in(p, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Every truncation must be rejected with groot::Error (never a crash).
  for (size_t n = 0; n < bytes.size(); n += 7) {
    std::string q = (tmp / "t.safetensors").string();
    std::ofstream(q, std::ios::binary).write(bytes.data(), std::streamsize(n));
    EXPECT_THROW(st::File f(q), Error) << "truncated to " << n;
  }
  // Garbage header.
  std::string g = (tmp / "g.safetensors").string();
  std::ofstream(g, std::ios::binary) << std::string("\x10\0\0\0\0\0\0\0{not json!!!!!!}", 24);
  EXPECT_THROW(st::File f(g), Error);
  EXPECT_THROW(st::File f((tmp / "missing.safetensors").string()), Error);
}
