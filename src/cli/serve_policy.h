// The checkpoint's policy (policy/policy.h) behind the policy server's handlers (serve/protocol.h):
// shared by `groot serve` and `groot bench serve`. Built only with GROOT_HAVE_ZMQ.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "serve/protocol.h"

namespace groot::cli {

struct ServeSetup {
  std::string checkpoint;
  std::string embodiment_tag = "new_embodiment";
  std::string device = "auto";
  std::string dtype;        // "" = the policy's default (bf16 on CUDA, fp32 on CPU)
  int denoising_steps = 0;  // 0 = the checkpoint's
  uint64_t seed = 0;
  int64_t max_batch = 64;
  bool sim_wrapper = false;  // flat keys (upstream --use-sim-policy-wrapper)
};

struct ServedPolicy {
  std::shared_ptr<policy::Policy> policy;
  serve::Handlers handlers;  // get_action / reset call `policy`; spec and modality config from its info
  std::string description;   // "new_embodiment, cuda bfloat16, 4 denoising steps"
  std::string inputs;        // "video wrist, table [T=1]; state eef_pos(3) ... ; language task"
};

ServedPolicy load_served_policy(const ServeSetup& s);

// Wire observation -> policy observation (the bytes are copied) and policy actions -> wire arrays
// (in `order`, the checkpoint's action keys).
policy::Observation to_policy_observation(const serve::Observation& o, const std::string& language_key);
std::vector<serve::ActionArray> to_action_arrays(const policy::ArrayMap& actions, const std::vector<std::string>& order);

}  // namespace groot::cli
