// GR00T N1.6 state / action processing (no LibTorch): normalisation, sin/cos state encoding,
// RELATIVE actions, key-order concatenation, padding + masks, and the inverse (decode) path.
//
// Mirrors upstream gr00t/data/state_action/state_action_processor.py + gr00t/data/utils.py and
// Gr00tN1d6Processor.__call__ / decode_action (Isaac-GR00T 92f523d):
//
//  state, per key in modality_keys order, value [T_state, D]:
//    sin/cos key (apply_sincos_state_encoding): [sin(v) | cos(v)]  -> [T, 2D], no statistics
//    mean_std key: (v - mean) / std  (std == 0 -> v passes through), NOT clipped
//    otherwise min-max: 2 (v - min) / (max - min) - 1, features with isclose(max, min) -> 0,
//                       clipped to [-1, 1] when clip_outliers
//  action, per key, value [T, D] with T = len(action delta_indices):
//    RELATIVE (and use_relative_action), NON_EEF: a[t] - state[state_key or key][-1] (raw state),
//      normalised with the key's relative_action statistics, per step [T, D]
//    then min-max (or mean-std for mean_std keys); both clipped to [-1, 1] when clip_outliers
//  min/max come from q01/q99 when use_percentiles (absolute statistics only: relative keys always
//  use their min/max).
//  Concatenate keys -> state [T_state, max_state_dim], action [max_action_horizon, max_action_dim],
//  action_mask (1 on [:T, :D_total]).
//  decode: slice [:T, start:start+D] per key, min-max: (clip(x, -1, 1) + 1) / 2 * (max - min) + min,
//  mean-std: x * std + mean (std == 0 -> passthrough), + reference state for RELATIVE keys.
//
// Float semantics follow numpy: inputs float32, statistics float64, each normalised value
// computed in float64 and stored as float32 (then 2t - 1 and the clip in float32); decode
// computes in float64 and returns float32.
//
// EEF relative actions (xyz+rot6d / xyz+rotvec pose composition) are not implemented: processing
// such a key raises a clear error (the rest of the config, e.g. other embodiments, stays usable;
// upstream N1.6 cannot build relative statistics for EEF keys either).
//
// The modality configs are the data layer's (data/modality_config.h: one type for the modality
// file, the dataset checks and the processor); processor_files.h reads and writes them in
// upstream's processor_config.json schema.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "data/lerobot.h"
#include "data/modality_config.h"

namespace groot::proc {

// A statistic array: 1-D [cols] (rows == 0) or 2-D [rows, cols] (per-step relative stats).
struct StatArray {
  int rows = 0, cols = 0;
  std::vector<double> v;
  bool is_2d() const { return rows > 0; }
};
// stat name ("min", "max", "mean", "std", "q01", "q99") -> array, in file order.
using KeyStats = std::vector<std::pair<std::string, StatArray>>;
const StatArray* find_stat(const KeyStats& s, const std::string& name);
// modality ("state", "action", "relative_action") -> key -> stats, in file order.
using EmbodimentStats = std::vector<std::pair<std::string, std::vector<std::pair<std::string, KeyStats>>>>;
// tag -> stats (statistics.json), in file order.
using Statistics = std::vector<std::pair<std::string, EmbodimentStats>>;
const KeyStats* find_key_stats(const EmbodimentStats& e, const std::string& modality, const std::string& key);

// One key's values over time: float32 [rows = steps, cols = dims], row-major.
using KeyValues = std::map<std::string, data::MatrixF>;

struct StateActionFlags {
  bool use_percentiles = false;
  bool clip_outliers = true;
  bool apply_sincos_state_encoding = false;
  bool use_relative_action = false;
};

// Normalisation parameters of one key. 1-D ([dim]) or per-step ([steps, dim]) for relative keys.
struct NormParams {
  int dim = 0;    // feature dimension (the absolute action/state statistics' length)
  int steps = 0;  // 0: the same parameters for every step; >0: per-step arrays [steps, dim]
  std::vector<double> min, max, mean, std;
};

class StateActionProcessor {
 public:
  // modality_configs: embodiment tag -> its config (embodiment_tag is the map key).
  StateActionProcessor(std::map<std::string, data::ModalityConfig> modality_configs, StateActionFlags flags);
  // Upstream set_statistics: existing tags are kept unless override_existing.
  void set_statistics(const Statistics& stats, bool override_existing = false);
  const Statistics& statistics() const { return statistics_; }
  const StateActionFlags& flags() const { return flags_; }
  const std::map<std::string, data::ModalityConfig>& modality_configs() const { return configs_; }
  const data::ModalityConfig& modalities(const std::string& tag) const;  // throws for unknown tag
  const NormParams& params(const std::string& tag, const std::string& modality, const std::string& key) const;

  KeyValues apply_state(const KeyValues& state, const std::string& tag) const;
  KeyValues unapply_state(const KeyValues& state, const std::string& tag) const;  // not for sin/cos keys
  // `state`: raw state (needed for RELATIVE keys; the last row is the reference).
  KeyValues apply_action(const KeyValues& action, const std::string& tag, const KeyValues* state) const;
  KeyValues unapply_action(const KeyValues& action, const std::string& tag, const KeyValues* state) const;

  int state_dim(const std::string& tag, bool include_sincos_expansion) const;
  int action_dim(const std::string& tag) const;

 private:
  void compute_params();
  bool is_sincos(const std::string& tag, const std::string& key) const;

  std::map<std::string, data::ModalityConfig> configs_;
  StateActionFlags flags_;
  Statistics statistics_;
  // tag -> modality ("state"/"action") -> key -> params
  std::map<std::string, std::map<std::string, std::map<std::string, NormParams>>> params_;
};

// ---- the per-sample processor part (Gr00tN1d6Processor.__call__ / decode_action) -----------------
struct PaddingConfig {
  int max_state_dim = 128;
  int max_action_dim = 128;
  int max_action_horizon = 50;
};

struct EncodedStateAction {
  int state_steps = 0;
  std::vector<float> state;  // [state_steps, max_state_dim]
  bool has_action = false;
  int action_steps = 0, action_dim = 0;  // real horizon T and concatenated dim D_total
  int pad_horizon = 0, pad_dim = 0;      // max_action_horizon, max_action_dim of the buffers below
  std::vector<float> action;             // [max_action_horizon, max_action_dim]
  std::vector<float> action_mask;        // [max_action_horizon, max_action_dim], 1 on [:T, :D_total]
};

// Normalises, concatenates in key order and pads. `action` may be null (inference).
EncodedStateAction encode_state_action(const StateActionProcessor& p, const PaddingConfig& pad,
                                       const std::string& tag, const KeyValues& state,
                                       const KeyValues* action);

// Decodes one sample's model output action_pred [rows, cols] (rows >= T, cols >= D_total, e.g.
// [50, 128]) into raw per-key actions [T, D]. `raw_state` is required for RELATIVE keys.
KeyValues decode_action(const StateActionProcessor& p, const std::string& tag, const float* action_pred,
                        int rows, int cols, const KeyValues* raw_state);

}  // namespace groot::proc
