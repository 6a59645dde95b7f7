// groot's numpy float32 emulation (data/stats.h) against real numpy 2.5 output (quantiles compared
// after the float32 cast numpy 2 applies; numpy 1.26 parity is tested on the fixture in
// test_stats_dataset.cpp): tests/data/golden/numpy_stats_f32.json was written by
// tools/gen_numpy_stats_golden.py (numpy 2.x on the GPU machine) from the same deterministic inputs
// regenerated here. Bit-exact comparison.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "data/stats.h"
#include "util/fs.h"

namespace {

using groot::data::ColumnStats;

std::vector<float> make(uint32_t seed, int64_t n, float offset) {
  std::vector<float> out(static_cast<size_t>(n));
  uint32_t s = seed;
  for (int64_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    int64_t iv = int64_t(s % 2000001u) - 1000000;
    out[i] = float(iv) / 1000.0f + offset;
  }
  return out;
}

nlohmann::json golden() {
  return nlohmann::json::parse(
      groot::read_file(std::string(GROOT_SOURCE_DIR) + "/tests/data/golden/numpy_stats_f32.json"));
}

TEST(StatsNumpy, InputsMatchGenerator) {
  for (const auto& c : golden()["cases"]) {
    auto v = make(c["seed"].get<uint32_t>(), 4, float(c["offset"].get<double>()));
    auto first = c["first_values"];
    for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(double(v[i]), first[i].get<double>()) << c["name"];
  }
}

TEST(StatsNumpy, BitExactAgainstNumpy) {
  auto g = golden();
  ASSERT_GE(g["cases"].size(), 9u);
  for (const auto& c : g["cases"]) {
    const std::string name = c["name"];
    std::vector<int64_t> shape = c["shape"].get<std::vector<int64_t>>();
    int64_t n = shape[0], cols = 1;
    for (size_t i = 1; i < shape.size(); ++i) cols *= shape[i];
    auto data = make(c["seed"].get<uint32_t>(), n * cols, float(c["offset"].get<double>()));
    for (int64_t col = 0; col < cols; ++col) {
      std::vector<float> v(static_cast<size_t>(n));
      for (int64_t r = 0; r < n; ++r) v[r] = data[r * cols + col];
      ColumnStats s = groot::data::numpy_column_stats(v.data(), n, cols == 1);
      SCOPED_TRACE(name + " col " + std::to_string(col));
      EXPECT_EQ(double(s.mean), c["mean"][col].get<double>()) << "mean";
      EXPECT_EQ(double(s.std), c["std"][col].get<double>()) << "std";
      EXPECT_EQ(double(s.min), c["min"][col].get<double>()) << "min";
      EXPECT_EQ(double(s.max), c["max"][col].get<double>()) << "max";
      EXPECT_EQ(double(float(s.q01)), c["q01"][col].get<double>()) << "q01";  // numpy 2 casts to float32
      EXPECT_EQ(double(float(s.q99)), c["q99"][col].get<double>()) << "q99";
    }
  }
}

// The float32 path really differs from a float64 computation on these inputs: the emulation is
// not trivially "the exact mean rounded".
TEST(StatsNumpy, Float32AccumulationIsVisible) {
  auto g = golden();
  const auto& c = g["cases"][0];  // col_n20000, offset 1000
  EXPECT_NE(c["mean"][0].get<double>(), double(float(c["mean_f64"][0].get<double>())));
}

TEST(StatsNumpy, QuantileEdgeCases) {
  std::vector<float> one = {3.5f};
  EXPECT_EQ(groot::data::numpy_quantile_f32(one.data(), 1, 0.01), 3.5f);
  EXPECT_EQ(groot::data::numpy_quantile_f32(one.data(), 1, 0.99), 3.5f);
  std::vector<float> two = {2.f, 0.f};
  // vi = 0.01 * 1 -> 0 + 0.01 * 2
  EXPECT_DOUBLE_EQ(groot::data::numpy_quantile_f32(two.data(), 2, 0.01), 0.02);
  std::vector<float> two2 = {2.f, 0.f};
  EXPECT_DOUBLE_EQ(groot::data::numpy_quantile_f32(two2.data(), 2, 0.99), 1.98);
  std::vector<float> same(101, 0.25f);
  EXPECT_EQ(groot::data::numpy_quantile_f32(same.data(), 101, 0.01), 0.25f);
}

TEST(StatsNumpy, PairwiseSumSmallIsSequential) {
  std::vector<float> v = {1e8f, 1.f, -1e8f, 1.f};
  // n < 8: plain left-to-right float32 loop
  EXPECT_EQ(groot::data::numpy_pairwise_sum_f32(v.data(), 4), ((1e8f + 1.f) + -1e8f) + 1.f);
}

}  // namespace
