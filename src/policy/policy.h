// GR00T N1.6 policy: a checkpoint folder + an embodiment tag -> an object that turns one
// observation into physical (un-normalised, absolute) actions, as upstream Gr00tPolicy
// (gr00t/policy/gr00t_policy.py, Isaac-GR00T 92f523d; docs/reference/groot_n16_reference.md §8.1).
//
//   Policy p("ckpt/", "new_embodiment", {.device = "cuda"});
//   Observation obs;
//   obs.video["wrist"] = Array::u8({1, 1, 240, 320, 3}, pixels);       // uint8 [B, T_v, H, W, 3]
//   obs.state["eef_pos"] = Array::f32({1, 1, 3}, {0.1f, 0.2f, 0.3f});  // float32 [B, T_s, D]
//   obs.language["annotation.human.task_description"] = {{"insert the block"}};  // B lists of 1
//   ArrayMap act = p.get_action(obs);   // {"arm": float32 [1, 16, 6], "gripper": float32 [1, 16, 1]}
//
// get_action, per call:
//   1. check the observation against the embodiment's modality config (processor_config.json):
//      every video / state / language key present, dtypes uint8 / float32, shapes
//      [B, len(delta_indices), ...], one batch size, state D equal to the statistics' D, 3 channels,
//      B lists of exactly one string; unknown keys are errors too (a typo must not pass silently).
//      Every failure is a groot::Error naming the modality, key, expected and actual value.
//   2. per sample: eval image transforms (letterbox, SmallestMaxSize, centre crop, Eagle resize,
//      normalise), prompt (formalised language + chat template + image tokens, tokenised, left padded),
//      state normalisation (min-max / mean-std / sin-cos) + padding to max_state_dim.
//   3. model: backbone once, `denoising_steps` Euler steps (PolicyOptions / set_denoising_steps;
//      upstream's open-loop eval ignores its --denoising-steps: here it is honoured), noise from the
//      policy's own generator (seeded by PolicyOptions::seed: the same call sequence gives the same
//      actions on one device).
//   4. decode: per-key slicing of action_pred [B, 50, 128] to [B, T_a, D_key], un-normalisation with
//      the checkpoint's statistics.json, RELATIVE keys + the raw last state step (absolute actions).
//
// The header is LibTorch-free (pimpl): the policy server and the eval include it cheaply.
// Thread safety: one get_action at a time per Policy (the server serialises requests).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace groot::policy {

// A dense C-order array as numpy / the .npy format carries it. `dtype` is the numpy name
// ("uint8", "float32", "float64", "int64", ...); `data` holds the raw little-endian bytes.
struct Array {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  static Array u8(std::vector<int64_t> shape, std::vector<uint8_t> values);
  static Array f32(std::vector<int64_t> shape, const std::vector<float>& values);
  int64_t numel() const;
  size_t itemsize() const;  // bytes per element of `dtype` (0 when unknown)
  const float* f32() const;  // throws groot::Error unless dtype == "float32" and the size matches
  const uint8_t* u8() const;  // throws groot::Error unless dtype == "uint8" and the size matches
  std::string shape_str() const;  // "[1, 16, 6]"
};
using ArrayMap = std::map<std::string, Array>;

struct Observation {
  ArrayMap video;  // camera key -> uint8 [B, T_v, H, W, 3]
  ArrayMap state;  // state key -> float32 [B, T_s, D]
  // language key -> B lists of exactly one string (upstream [[str]] * B)
  std::map<std::string, std::vector<std::vector<std::string>>> language;
};

struct PolicyOptions {
  std::string device = "cpu";   // "cpu", "cuda", "cuda:N", "auto" (cuda when available)
  std::string dtype;            // "" = "bfloat16" on CUDA (as upstream), "float32" on CPU
  int denoising_steps = 0;      // 0 = the checkpoint's num_inference_timesteps (4)
  uint64_t seed = 0;            // initial-noise generator seed
  std::string tokenizer_dir;    // "" = the checkpoint folder when it holds one, else the bundled asset
  bool strict = true;           // false: skip step 1's checks beyond what processing itself needs
};

// One modality of the embodiment (processor_config.json modality_configs[tag][modality]).
struct ModalityInfo {
  std::vector<int> delta_indices;
  std::vector<std::string> keys;
};

struct PolicyInfo {
  std::string checkpoint;      // folder as given
  std::string embodiment_tag;  // canonical ("new_embodiment")
  int embodiment_id = 0;       // projector slot
  ModalityInfo video, state, action, language;
  std::map<std::string, int> state_dims;   // key -> D expected in observations
  std::map<std::string, int> action_dims;  // key -> D returned
  int action_horizon = 0;                  // len(action delta_indices): steps returned per call
  std::string device, dtype;
  int denoising_steps = 0;
  std::string modality_config_json;  // {"video": {...}, "state": ..., "action": ..., "language": ...}
                                     // as in processor_config.json (upstream ModalityConfig fields)
};

class Policy {
 public:
  // Loads config.json + model safetensors (single file or sharded with an index; ours or
  // upstream's layout), processor_config.json, statistics.json, embodiment_id.json (optional)
  // and the tokenizer. Throws groot::Error naming the file / tag at fault (e.g. a tag absent from
  // processor_config.json lists the tags present).
  Policy(const std::string& checkpoint_dir, const std::string& embodiment_tag, const PolicyOptions& opt = {});
  ~Policy();
  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;

  // Steps 1-4 above. Returns action key -> float32 [B, action_horizon, D_key], physical units.
  ArrayMap get_action(const Observation& obs);

  // Step 1 alone (throws groot::Error; get_action calls it when strict).
  void check_observation(const Observation& obs) const;

  // Step 4 alone: action_pred float32 [B, rows >= T_a, cols >= sum D] in the model's normalised
  // space -> physical actions; `state` holds the raw observation state (RELATIVE keys need it).
  ArrayMap decode_action(const Array& action_pred, const ArrayMap& state) const;
  // Its inverse (the training-side normalisation of step 4's input): physical actions
  // [B, T_a, D_key] per key -> float32 [B, max_action_horizon, max_action_dim], zero padded.
  Array encode_action(const ArrayMap& actions, const ArrayMap& state) const;

  const PolicyInfo& info() const;
  void set_denoising_steps(int steps);  // >= 1
  void reset() {}                       // stateless, as upstream

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace groot::policy
