// The 3B configuration built shape-only (torch::kMeta) must reproduce the upstream key list
// tests/fixtures/groot_n16_keys.tsv exactly: names, shapes, element counts.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "model/config.h"
#include "model/eagle_backbone.h"
#include "model/weights.h"
#include "test_util.h"

using namespace groot;

namespace {

struct KeyRow {
  std::vector<int64_t> shape;
  int64_t numel = 0;
};

std::map<std::string, KeyRow> read_keys_tsv() {
  std::ifstream f(groot::test::fixtures_dir() + "/groot_n16_keys.tsv");
  EXPECT_TRUE(f.good());
  std::map<std::string, KeyRow> rows;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, shape, numel;
    std::getline(ls, name, '\t');
    std::getline(ls, shape, '\t');
    std::getline(ls, numel, '\t');
    KeyRow r;
    for (char& c : shape)
      if (c == '[' || c == ']' || c == ',') c = ' ';
    std::istringstream ss(shape);
    int64_t d;
    while (ss >> d) r.shape.push_back(d);
    r.numel = std::stoll(numel);
    rows[name] = r;
  }
  return rows;
}

}  // namespace

TEST(Keys3B, BackboneMetaBuildMatchesUpstreamKeyList) {
  const auto rows = read_keys_tsv();
  ASSERT_EQ(rows.size(), 1106u);
  int64_t total = 0;
  for (auto& [k, r] : rows) total += r.numel;
  EXPECT_EQ(total, 3286608832LL);

  auto cfg = default_3b_config();
  EagleBackbone bb(cfg, torch::TensorOptions().device(torch::kMeta).dtype(torch::kBFloat16));
  std::map<std::string, std::vector<int64_t>> built;
  for (auto& item : bb->named_parameters()) {
    EXPECT_TRUE(item.value().is_meta());
    built["backbone." + item.key()] = item.value().sizes().vec();
  }
  for (auto& [k, shape] : ignored_checkpoint_keys(cfg)) {
    EXPECT_TRUE(is_ignored_checkpoint_key(k)) << k;
    EXPECT_FALSE(built.count(k)) << k;
    built[k] = shape;
  }
  std::map<std::string, KeyRow> expected;
  for (auto& [k, r] : rows)
    if (k.rfind("backbone.", 0) == 0) expected[k] = r;
  EXPECT_EQ(expected.size(), 633u);
  int64_t params = 0, vision = 0, mlp1 = 0, llm = 0;
  for (auto& [k, r] : expected) {
    auto it = built.find(k);
    if (it == built.end()) {
      ADD_FAILURE() << "missing in the C++ module: " << k;
      continue;
    }
    EXPECT_EQ(it->second, r.shape) << k;
    int64_t n = 1;
    for (auto d : it->second) n *= d;
    EXPECT_EQ(n, r.numel) << k;
    params += n;
    if (k.rfind("backbone.model.vision_model.", 0) == 0) vision += n;
    if (k.rfind("backbone.model.mlp1.", 0) == 0) mlp1 += n;
    if (k.rfind("backbone.model.language_model.", 0) == 0) llm += n;
  }
  for (auto& [k, s] : built) EXPECT_TRUE(expected.count(k)) << "not an upstream key: " << k;
  EXPECT_EQ(vision, 427680704LL);  // reference 4.2: 427.681 M (incl. the unused head)
  EXPECT_EQ(mlp1, 13644800LL);
  EXPECT_EQ(llm, 1426659328LL);
  EXPECT_EQ(params, vision + mlp1 + llm);
}

#include "model/gr00t_n1d6.h"

// Whole Gr00tN1d6 (backbone + action head) with the 3B configuration, shape-only on torch::kMeta:
// every upstream key (plus the skipped head.* / lm_head), every shape, the 3,286,608,832 total.
TEST(Keys3B, FullModelMatchesUpstreamKeyList) {
  const auto rows = read_keys_tsv();
  auto cfg = default_3b_config();
  model::Gr00tN1d6 m(cfg, torch::TensorOptions().device(torch::kMeta).dtype(torch::kBFloat16));
  std::map<std::string, std::vector<int64_t>> built;
  for (auto& item : m->named_parameters()) {
    EXPECT_TRUE(item.value().is_meta()) << item.key();
    built[item.key()] = item.value().sizes().vec();
  }
  for (auto& [k, shape] : ignored_checkpoint_keys(cfg)) built[k] = shape;
  int64_t total = 0;
  for (auto& [k, r] : rows) {
    auto it = built.find(k);
    if (it == built.end()) {
      ADD_FAILURE() << "missing in the C++ model: " << k;
      continue;
    }
    EXPECT_EQ(it->second, r.shape) << k;
    int64_t n = 1;
    for (auto d : it->second) n *= d;
    total += n;
  }
  for (auto& [k, s] : built) EXPECT_TRUE(rows.count(k)) << "not an upstream key: " << k;
  EXPECT_EQ(built.size(), 1106u);
  EXPECT_EQ(total, 3286608832LL);
}
