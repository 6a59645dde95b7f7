// Dataset statistics exactly as Isaac-GR00T N1.6 computes them (gr00t/data/stats.py):
//
// meta/stats.json: for every info.json feature whose dtype contains "float", all rows of all
//   data/*/*.parquet (sorted paths) cast to float32 (np.asarray(x, dtype=np.float32)), then per
//   dimension np.mean / np.std (population) / np.min / np.max / np.quantile(0.01, 0.99) ("linear").
//   {"<feature>": {"mean": [D], "std": [D], "min": [D], "max": [D], "q01": [D], "q99": [D]}}
//
// meta/relative_stats.json: for every action key whose ActionConfig.rep is RELATIVE (sorted by
//   name), over all episodes (episodes.jsonl order) and every start step i in
//   [0, len - action_delta[-1]): chunk[t] = float32(action[i + action_delta[t]] -
//   state[i + state_delta[-1]]) (NON_EEF), then the same six statistics over all chunks, each a
//   [T][D] list: {"<key>": {"max", "min", "q01", "q99", "mean", "std"}}.
//
// float32 semantics: the statistics reproduce numpy's float32 arithmetic bit for bit (numpy 1.26):
//   sums over axis 0 accumulate row by row in float32 when a row has more than one value, and use
//   numpy's pairwise summation when it has one (an (N, 1) array); the division by N is float32;
//   np.quantile takes the float32 neighbours, their float32 difference and a float64 weight and
//   returns float64 (numpy 1.26.4, pinned by Isaac-GR00T; numpy 2.x casts that to float32).
//   The robot_sim fixture's upstream stats.json / relative_stats.json are reproduced bit for bit.
//   tests/data/test_stats_numpy.cpp checks this against numpy output (tests/data/golden/).
//
// Speed: parquet files are decoded in parallel into one float32 column store (4 bytes per value:
// exact quantiles need every value), then columns are reduced in parallel. bench/bench_stats.cpp.
#pragma once
#include <string>
#include <vector>

#include "data/lerobot.h"
#include "data/modality_config.h"

namespace groot::data {

// The six statistics of one column of float32 values, numpy semantics (see above).
struct ColumnStats {
  float mean = 0, std = 0, min = 0, max = 0;
  double q01 = 0, q99 = 0;  // numpy 1.26 returns float64 quantiles for float32 input
};
// `values` (n >= 1, finite) is reordered (partitioned) in place. `pairwise`: numpy reduces a
// single-value-per-row array with pairwise summation, otherwise row by row.
ColumnStats numpy_column_stats(float* values, int64_t n, bool pairwise);
// np.quantile(values, q) for float32 input ("linear"), numpy 1.26.4 (the version Isaac-GR00T pins):
// a float64 result; numpy >= 2 returns the same value cast to float32. Partitions `values`.
double numpy_quantile_f32(float* values, int64_t n, double q);
// numpy's float32 add.reduce of a contiguous run (pairwise summation, blocks of 8 and 128).
float numpy_pairwise_sum_f32(const float* values, int64_t n);

struct FeatureStats {
  std::string key;
  int64_t dim = 0;
  std::vector<float> mean, std, min, max;  // [dim]
  std::vector<double> q01, q99;            // [dim] (float64, as numpy 1.26 returns them)
};

struct RelativeStats {
  std::string key;
  int64_t horizon = 0, dim = 0;            // T, D
  std::vector<float> max, min, mean, std;  // [T * D], row-major [t][d]
  std::vector<double> q01, q99;            // [T * D] (float64 like numpy 1.26)
  int64_t num_chunks = 0;                  // windows the stats are over
};

struct StatsOptions {
  int threads = 0;    // 0 = all cores
  bool quiet = true;  // progress lines on stderr
};

// data/*/*.parquet under the dataset root, sorted like Python's sorted(Path.glob(...)).
std::vector<fs::path> list_parquet_files(const fs::path& root);

// Features N1.6 computes stats for: info.json features whose dtype contains "float".
std::vector<std::string> n16_stats_features(const Info& info);

std::vector<FeatureStats> compute_stats(const Dataset& ds, const StatsOptions& opt = {});

// Relative stats for `keys` (each must be a RELATIVE action key of cfg; empty = all of them).
// Throws for EEF keys (Isaac-GR00T N1.6 raises NotImplementedError there too).
std::vector<RelativeStats> compute_relative_stats(const Dataset& ds, const ModalityConfig& cfg,
                                                  const std::vector<std::string>& keys = {},
                                                  const StatsOptions& opt = {});

// JSON in upstream's key order; values are the float32 results widened to double (as .tolist()).
ojson stats_to_json(const std::vector<FeatureStats>& stats);
ojson relative_stats_to_json(const std::vector<RelativeStats>& stats);
// Python json.dump(indent=4) text, byte for byte (floats as Python repr). Throws on non-finite
// values (Python would write NaN, which is not JSON).
std::string dump_stats_json(const ojson& j);
// repr(float) of CPython: shortest round-trip digits, e.g. 0.005017762165516615, 1e-05, 1.0.
std::string python_float_repr(double x);

// True when `stats` (a parsed stats.json) has every feature with all six keys (upstream's
// check_stats_validity: such a file is kept as is).
bool stats_complete(const ojson& stats, const std::vector<std::string>& features);

}  // namespace groot::data
