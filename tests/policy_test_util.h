// Test helpers for the policy, `groot eval` and `groot serve` suites (no LibTorch needed):
//  * make_tiny_checkpoint(): a complete GR00T N1.6 checkpoint folder (config.json + eagle_config.json,
//    model.safetensors, processor_config.json, statistics.json, embodiment_id.json) holding the tiny
//    golden model (tests/golden/tiny_v1, random upstream weights) and one embodiment whose modality
//    config and statistics come from a dataset (meta/modality.json + meta/stats.json +
//    meta/relative_stats.json).
//  * make_tiny_dataset(): a small LeRobot v2 dataset from a synthetic seed-layout HDF5 through the
//    `groot convert` and `groot stats` binaries; without cameras it needs no FFmpeg.
#pragma once
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "convert_test_util.h"
#include "data/modality_config.h"
#include "model/config.h"
#include "processor/processor_files.h"
#include "data/safetensors.h"
#include "test_util.h"

namespace groot::test {

inline std::string tiny_golden_dir() { return golden_root() + "/tiny_v1"; }

// Builds `dir` (created) as a checkpoint of the tiny golden model for `dataset`'s embodiment.
// modality_config: a .yaml/.json file, or "" for the default derived from meta/modality.json.
inline void make_tiny_checkpoint(const std::filesystem::path& dir, const std::filesystem::path& dataset,
                                 const std::string& tag = "new_embodiment",
                                 const std::string& modality_config = "") {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const std::string golden = tiny_golden_dir();
  groot::save_config(groot::load_config(golden), dir.string());
  {
    st::File w(golden + "/weights.safetensors");
    std::vector<st::WriteTensor> ts;
    for (const auto& t : w.tensors()) ts.push_back({t.name, t.dtype, t.shape, t.data, t.nbytes});
    st::write((dir / "model.safetensors").string(), ts, {{"format", "pt"}});
  }
  data::Dataset ds = data::open_dataset(dataset);
  data::ModalityConfig mc = modality_config.empty() ? data::default_modality_config(ds.require_modality())
                                                    : data::load_modality_config(modality_config);
  procfiles::ProcessorFiles pf;
  pf.config.modality_configs.emplace_back(tag, mc);
  pf.statistics.emplace_back(tag, procfiles::embodiment_stats_from_dataset_meta((dataset / "meta").string()));
  procfiles::save_processor_files(dir.string(), pf);
}

// A seed-layout HDF5 with `demos` demos of `length` rows (16x16 cameras), converted with the
// default mapping (cameras wrist + table; needs FFmpeg) or, with cameras=false, a mapping without
// video (works in every build), then `groot stats` (with `modality_config` when given, which
// also writes meta/relative_stats.json for its RELATIVE keys). Returns the dataset folder.
inline std::filesystem::path make_tiny_dataset(const std::filesystem::path& work, int demos, int length,
                                               bool cameras, const std::string& modality_config = "") {
  namespace fs = std::filesystem;
  using convert::q;
  fs::create_directories(work);
  const fs::path h5p = work / "demos.hdf5", ds = work / "ds";
  {
    h5::File f = h5::File::create(h5p.string());
    for (int d = 0; d < demos; ++d) convert::write_demo(f, "demo_" + std::to_string(d), length + d);
  }
  std::string args = "convert --hdf5 " + q(h5p) + " --output " + q(ds) + " -q";
  if (!cameras) {
    const fs::path mapping = work / "mapping.yaml";
    std::ofstream(mapping) << "task: insert the block\n"
                              "state:\n"
                              "  - {name: eef_pos, key: obs/eef_pos}\n"
                              "  - {name: eef_quat, key: obs/eef_quat}\n"
                              "  - {name: gripper, key: obs/gripper_pos, slice: [0, 1]}\n"
                              "action:\n"
                              "  - {name: arm, key: actions, slice: [0, 6]}\n"
                              "  - {name: gripper, key: actions, slice: [6, 7]}\n"
                              "video: []\n";
    args += " --mapping " + q(mapping);
  }
  CmdResult r = run_groot(args);
  if (r.exit_code != 0) throw std::runtime_error("groot convert failed: " + r.output);
  r = run_groot("stats " + q(ds) + (modality_config.empty() ? "" : " --modality-config " + q(modality_config)));
  if (r.exit_code != 0) throw std::runtime_error("groot stats failed: " + r.output);
  return ds;
}

}  // namespace groot::test
