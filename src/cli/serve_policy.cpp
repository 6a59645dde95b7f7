#include "cli/serve_policy.h"

#include "groot/build_config.h"
#include "util/error.h"

#if GROOT_HAVE_ZMQ
namespace groot::cli {

policy::Observation to_policy_observation(const serve::Observation& o, const std::string& language_key) {
  policy::Observation p;
  auto copy = [](const wire::NdArray& a, const char* dtype) {
    policy::Array x;
    x.dtype = dtype;
    x.shape = a.shape;
    const auto* d = reinterpret_cast<const uint8_t*>(a.data());
    x.data.assign(d, d + a.nbytes());
    return x;
  };
  for (const auto& [k, a] : o.video) p.video[k] = copy(a, "uint8");
  for (const auto& [k, a] : o.state) p.state[k] = copy(a, "float32");
  auto& lang = p.language[language_key];
  for (const auto& s : o.language) lang.push_back({s});
  return p;
}

std::vector<serve::ActionArray> to_action_arrays(const policy::ArrayMap& actions, const std::vector<std::string>& order) {
  std::vector<serve::ActionArray> out;
  for (const auto& key : order) {
    auto it = actions.find(key);
    GROOT_CHECK(it != actions.end(), "the policy returned no action '", key, "'");
    const policy::Array& a = it->second;
    const float* v = a.f32();
    out.push_back({key, a.shape, std::vector<float>(v, v + a.numel())});
  }
  GROOT_CHECK(out.size() == actions.size(), "the policy returned ", actions.size(), " action keys, its config names ",
              order.size());
  return out;
}

ServedPolicy load_served_policy(const ServeSetup& s) {
  policy::PolicyOptions po;
  po.device = s.device;
  po.dtype = s.dtype;
  po.denoising_steps = s.denoising_steps;
  po.seed = s.seed;
  ServedPolicy sp;
  sp.policy = std::make_shared<policy::Policy>(s.checkpoint, s.embodiment_tag, po);
  const policy::PolicyInfo& info = sp.policy->info();

  serve::ObservationSpec& spec = sp.handlers.spec;
  spec.video_keys = info.video.keys;
  spec.video_horizon = int64_t(info.video.delta_indices.size());
  spec.state_keys = info.state.keys;
  spec.state_horizon = int64_t(info.state.delta_indices.size());
  for (const auto& k : spec.state_keys) {
    auto it = info.state_dims.find(k);
    spec.state_dims.push_back(it == info.state_dims.end() ? -1 : it->second);
  }
  GROOT_CHECK(info.language.keys.size() == 1, s.checkpoint, ": the policy needs exactly one language key, its config has ",
              info.language.keys.size());
  spec.language_key = info.language.keys[0];
  spec.max_batch = s.max_batch;
  spec.flat_keys = s.sim_wrapper;
  sp.handlers.modality_config = serve::ojson::parse(info.modality_config_json);

  std::shared_ptr<policy::Policy> pol = sp.policy;
  std::string lang_key = spec.language_key;
  std::vector<std::string> order = info.action.keys;
  sp.handlers.get_action = [pol, lang_key, order](const serve::Observation& o) {
    return to_action_arrays(pol->get_action(to_policy_observation(o, lang_key)), order);
  };
  sp.handlers.reset = [pol] { pol->reset(); };

  sp.description = info.embodiment_tag + ", " + info.device + " " + info.dtype + ", " +
                   std::to_string(info.denoising_steps) + " denoising steps";
  std::string in = "video";
  for (size_t i = 0; i < spec.video_keys.size(); ++i) in += (i ? ", " : " ") + spec.video_keys[i];
  in += " [T=" + std::to_string(spec.video_horizon) + "]; state";
  for (size_t i = 0; i < spec.state_keys.size(); ++i)
    in += (i ? ", " : " ") + spec.state_keys[i] + "(" + std::to_string(spec.state_dims[i]) + ")";
  in += " [T=" + std::to_string(spec.state_horizon) + "]; language " + spec.language_key;
  sp.inputs = in;
  return sp;
}

}  // namespace groot::cli
#endif
