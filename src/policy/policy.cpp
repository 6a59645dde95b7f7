// GR00T N1.6 policy: see policy.h.
#include "policy/policy.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/build.h"
#include "model/config.h"
#include "model/device.h"
#include "processor/embodiment.h"
#include "model/gr00t_n1d6.h"
#include "processor/image_transforms.h"
#include "model/image_transforms_torch.h"
#include "model/processor_collate.h"
#include "processor/processor_files.h"
#include "processor/prompt.h"
#include "processor/state_action.h"
#include "processor/tokenizer.h"
#include "model/weights.h"
#include "util/error.h"

namespace groot::policy {

namespace fs = std::filesystem;

// ---- Array --------------------------------------------------------------------------------------
static size_t dtype_itemsize(const std::string& d) {
  if (d == "uint8" || d == "int8" || d == "bool") return 1;
  if (d == "uint16" || d == "int16" || d == "float16") return 2;
  if (d == "uint32" || d == "int32" || d == "float32") return 4;
  if (d == "uint64" || d == "int64" || d == "float64") return 8;
  return 0;
}

Array Array::u8(std::vector<int64_t> shape, std::vector<uint8_t> values) {
  Array a;
  a.dtype = "uint8";
  a.shape = std::move(shape);
  a.data = std::move(values);
  GROOT_CHECK(int64_t(a.data.size()) == a.numel(), "Array::u8: ", a.data.size(), " values for shape ",
              a.shape_str());
  return a;
}

Array Array::f32(std::vector<int64_t> shape, const std::vector<float>& values) {
  Array a;
  a.dtype = "float32";
  a.shape = std::move(shape);
  GROOT_CHECK(int64_t(values.size()) == a.numel(), "Array::f32: ", values.size(), " values for shape ",
              a.shape_str());
  a.data.resize(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

int64_t Array::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

size_t Array::itemsize() const { return dtype_itemsize(dtype); }

std::string Array::shape_str() const {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

const float* Array::f32() const {
  GROOT_CHECK(dtype == "float32", "array ", shape_str(), " is ", dtype, ", expected float32");
  GROOT_CHECK(data.size() == size_t(numel()) * 4, "float32 array ", shape_str(), " holds ", data.size(),
              " bytes, its shape needs ", numel() * 4);
  return reinterpret_cast<const float*>(data.data());
}

const uint8_t* Array::u8() const {
  GROOT_CHECK(dtype == "uint8", "array ", shape_str(), " is ", dtype, ", expected uint8");
  GROOT_CHECK(data.size() == size_t(numel()), "uint8 array ", shape_str(), " holds ", data.size(),
              " bytes, its shape needs ", numel());
  return data.data();
}

// ---- helpers ------------------------------------------------------------------------------------
namespace {

// The processor files next to the model (ours, upstream checkpoint-N) or in processor/ (upstream's
// output_dir root after trainer.save_model).
std::string processor_dir(const std::string& dir) {
  if (fs::exists(fs::path(dir) / "processor_config.json")) return dir;
  if (fs::exists(fs::path(dir) / "processor" / "processor_config.json")) return (fs::path(dir) / "processor").string();
  fail("checkpoint ", dir, " has no processor_config.json (nor processor/processor_config.json): a GR00T N1.6 "
       "checkpoint folder holds config.json, the model safetensors and the processor files "
       "(processor_config.json, statistics.json, embodiment_id.json); for an upstream output_dir root, copy "
       "processor/* next to the model");
}

ModalityInfo modality_info(const data::ModalityConfig& em, const std::string& modality) {
  ModalityInfo m;
  if (const data::ModalityGroup* c = em.group(modality)) {
    m.delta_indices = c->delta_indices;
    m.keys = c->modality_keys;
  }
  return m;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string dims_str(const std::vector<std::string>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + dims[i];
  return s + "]";
}

}  // namespace

// ---- Impl ---------------------------------------------------------------------------------------
struct Policy::Impl {
  PolicyInfo info;
  PolicyOptions opt;
  procfiles::ProcessorFiles files;
  std::unique_ptr<proc::StateActionProcessor> sap;
  proc::PaddingConfig pad;
  img::ImageTransformConfig icfg;
  bool formalize = true;
  Tokenizer tok;
  Gr00tN1d6Config cfg;
  model::Gr00tN1d6 model{nullptr};
  torch::Device device{torch::kCPU};
  torch::ScalarType dtype = torch::kFloat32;
  at::Generator gen;

  void check(const Observation& obs, bool strict) const;
  int64_t batch_of(const Observation& obs) const;
  proc::KeyValues sample_state(const ArrayMap& state, int64_t b) const;
};

int64_t Policy::Impl::batch_of(const Observation& obs) const {
  if (!info.video.keys.empty()) return obs.video.at(info.video.keys[0]).shape[0];
  if (!info.state.keys.empty()) return obs.state.at(info.state.keys[0]).shape[0];
  return int64_t(obs.language.at(info.language.keys[0]).size());
}

void Policy::Impl::check(const Observation& obs, bool strict) const {
  const std::string tag = info.embodiment_tag;
  int64_t B = -1;
  std::string b_from;
  auto batch = [&](int64_t b, const std::string& what) {
    GROOT_CHECK(b >= 1, "observation: ", what, " has batch size ", b, " (must be >= 1)");
    if (B < 0) {
      B = b;
      b_from = what;
    }
    GROOT_CHECK(b == B, "observation: ", what, " has batch size ", b, " but ", b_from, " has ", B);
  };
  auto unknown = [&](const auto& map, const ModalityInfo& m, const char* modality) {
    if (!strict) return;
    for (const auto& kv : map) {
      bool known = false;
      for (const auto& k : m.keys) known |= k == kv.first;
      GROOT_CHECK(known, "observation: unknown ", modality, " key '", kv.first, "' (embodiment ", tag,
                  " expects ", m.keys.empty() ? std::string("none") : join(m.keys), ")");
    }
  };
  unknown(obs.video, info.video, "video");
  unknown(obs.state, info.state, "state");
  unknown(obs.language, info.language, "language");
  auto present = [&](const ArrayMap& map, const std::string& key, const char* modality) -> const Array& {
    auto it = map.find(key);
    GROOT_CHECK(it != map.end(), "observation: missing ", modality, " key '", key, "' (embodiment ", tag,
                " expects ", modality, " keys ", modality == std::string("video") ? join(info.video.keys)
                                                                                  : join(info.state.keys),
                ")");
    return it->second;
  };
  const int64_t Tv = int64_t(info.video.delta_indices.size());
  for (const auto& key : info.video.keys) {
    const Array& a = present(obs.video, key, "video");
    const std::string what = "video '" + key + "'";
    const std::string want = "uint8 " + dims_str({"B", std::to_string(Tv), "H", "W", "3"});
    GROOT_CHECK(a.dtype == "uint8", "observation: ", what, " must be ", want, ", got ", a.dtype, " ", a.shape_str());
    GROOT_CHECK(a.shape.size() == 5 && a.shape[1] == Tv && a.shape[2] > 0 && a.shape[3] > 0 && a.shape[4] == 3,
                "observation: ", what, " must be ", want, " (RGB frames), got ", a.dtype, " ", a.shape_str());
    GROOT_CHECK(a.data.size() == size_t(a.numel()), "observation: ", what, " ", a.shape_str(), " holds ",
                a.data.size(), " bytes, its shape needs ", a.numel());
    batch(a.shape[0], what);
  }
  const int64_t Ts = int64_t(info.state.delta_indices.size());
  for (const auto& key : info.state.keys) {
    const Array& a = present(obs.state, key, "state");
    const int D = info.state_dims.at(key);
    const std::string what = "state '" + key + "'";
    const std::string want = "float32 " + dims_str({"B", std::to_string(Ts), std::to_string(D)});
    GROOT_CHECK(a.dtype == "float32", "observation: ", what, " must be ", want, ", got ", a.dtype, " ",
                a.shape_str());
    GROOT_CHECK(a.shape.size() == 3 && a.shape[1] == Ts && a.shape[2] == D, "observation: ", what, " must be ",
                want, ", got ", a.dtype, " ", a.shape_str());
    GROOT_CHECK(a.data.size() == size_t(a.numel()) * 4, "observation: ", what, " ", a.shape_str(), " holds ",
                a.data.size(), " bytes, its shape needs ", a.numel() * 4);
    const float* p = a.f32();
    for (int64_t i = 0; i < a.numel(); ++i)
      GROOT_CHECK(std::isfinite(p[i]), "observation: ", what, " value ", i, " is ", p[i], " (must be finite)");
    batch(a.shape[0], what);
  }
  for (const auto& key : info.language.keys) {
    auto it = obs.language.find(key);
    GROOT_CHECK(it != obs.language.end(), "observation: missing language key '", key, "' (embodiment ", tag,
                " expects ", join(info.language.keys), ")");
    const auto& l = it->second;
    const std::string what = "language '" + key + "'";
    batch(int64_t(l.size()), what);
    for (size_t b = 0; b < l.size(); ++b)
      GROOT_CHECK(l[b].size() == 1, "observation: ", what, " sample ", b, " has ", l[b].size(),
                  " strings (expected B lists of exactly one string, [[\"text\"]] * B)");
  }
  GROOT_CHECK(B >= 1, "observation: empty (embodiment ", tag, " has no video, state or language keys)");
}

proc::KeyValues Policy::Impl::sample_state(const ArrayMap& state, int64_t b) const {
  proc::KeyValues kv;
  for (const auto& key : info.state.keys) {
    auto it = state.find(key);
    GROOT_CHECK(it != state.end(), "missing state key '", key, "'");
    const Array& a = it->second;
    GROOT_CHECK(a.shape.size() == 3 && b < a.shape[0], "state '", key, "' must be [B, T, D], got ", a.shape_str());
    const int T = int(a.shape[1]), D = int(a.shape[2]);
    data::MatrixF m(T, D);
    std::memcpy(m.data.data(), a.f32() + b * T * D, size_t(T) * D * sizeof(float));
    kv[key] = std::move(m);
  }
  return kv;
}

// ---- Policy -------------------------------------------------------------------------------------
Policy::Policy(const std::string& checkpoint_dir, const std::string& embodiment_tag, const PolicyOptions& opt)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.opt = opt;
  GROOT_CHECK(fs::is_directory(checkpoint_dir), "checkpoint folder ", checkpoint_dir, " does not exist");
  m.info.checkpoint = checkpoint_dir;
  const std::string pdir = processor_dir(checkpoint_dir);
  m.files = procfiles::load_processor_files(pdir);
  const std::string tag = embodiment::canonical_tag(embodiment_tag);
  m.info.embodiment_tag = tag;
  const data::ModalityConfig* em = m.files.config.find(tag);
  if (!em) {
    std::vector<std::string> tags;
    for (const auto& kv : m.files.config.modality_configs) tags.push_back(kv.first);
    fail(pdir, "/processor_config.json has no modality config for embodiment tag '", embodiment_tag,
         "' (tags present: ", tags.empty() ? std::string("none") : join(tags), ")");
  }
  m.info.embodiment_id = m.files.embodiment_ids.slot(tag);
  m.info.video = modality_info(*em, "video");
  m.info.state = modality_info(*em, "state");
  m.info.action = modality_info(*em, "action");
  m.info.language = modality_info(*em, "language");
  GROOT_CHECK(!m.info.action.keys.empty(), pdir, "/processor_config.json: embodiment ", tag, " has no action keys");
  GROOT_CHECK(m.info.language.keys.size() == 1, pdir, "/processor_config.json: embodiment ", tag, " has ",
              m.info.language.keys.size(), " language keys (N1.6 uses exactly one)");
  m.info.action_horizon = int(m.info.action.delta_indices.size());
  m.sap = std::make_unique<proc::StateActionProcessor>(procfiles::make_state_action_processor(m.files));
  m.pad = procfiles::padding_config(m.files.config);
  m.icfg = procfiles::image_transform_config(m.files.config);
  m.formalize = m.files.config.formalize_language;
  // Expected state dims come from statistics.json (every state key has statistics, sin/cos ones too).
  bool found_tag = false;
  for (const auto& [t, es] : m.files.statistics) {
    if (t != tag) continue;
    found_tag = true;
    for (const auto& key : m.info.state.keys) {
      const proc::KeyStats* ks = proc::find_key_stats(es, "state", key);
      GROOT_CHECK(ks, pdir, "/statistics.json has no state statistics for ", tag, " key '", key, "'");
      const proc::StatArray* mn = proc::find_stat(*ks, "min");
      GROOT_CHECK(mn && mn->cols > 0, pdir, "/statistics.json: ", tag, " state '", key, "' has no 'min' array");
      m.info.state_dims[key] = mn->cols;
    }
  }
  GROOT_CHECK(found_tag, pdir, "/statistics.json has no statistics for embodiment tag '", tag, "'");
  for (const auto& key : m.info.action.keys) m.info.action_dims[key] = m.sap->params(tag, "action", key).dim;
  {
    auto j = nlohmann::json::parse(procfiles::processor_config_json(m.files.config));
    m.info.modality_config_json = j.at("processor_kwargs").at("modality_configs").at(tag).dump();
  }

  // Model (built directly in its run dtype on its device; load_state_dict casts per tensor).
  m.device = parse_device(opt.device.empty() ? "cpu" : opt.device);
  m.dtype = opt.dtype.empty() ? (m.device.is_cuda() ? torch::kBFloat16 : torch::kFloat32) : parse_dtype(opt.dtype);
  m.cfg = load_config(checkpoint_dir);
  GROOT_CHECK(m.pad.max_action_horizon >= m.info.action_horizon, pdir, "/processor_config.json: action horizon ",
              m.info.action_horizon, " exceeds max_action_horizon ", m.pad.max_action_horizon);
  GROOT_CHECK(m.cfg.action_horizon >= m.info.action_horizon && m.cfg.max_action_dim >= m.pad.max_action_dim &&
                  m.cfg.max_state_dim == m.pad.max_state_dim,
              checkpoint_dir, ": config.json (action_horizon ", m.cfg.action_horizon, ", max_action_dim ",
              m.cfg.max_action_dim, ", max_state_dim ", m.cfg.max_state_dim,
              ") does not match processor_config.json (horizon ", m.info.action_horizon, ", max_action_dim ",
              m.pad.max_action_dim, ", max_state_dim ", m.pad.max_state_dim, ")");
  BuildOptions bo;  // inference: every parameter in the run dtype, no gradients
  bo.device = m.device;
  bo.compute_dtype = m.dtype;
  bo.frozen_dtype = m.dtype;
  bo.training = false;
  bo.tf32 = false;  // as upstream inference (PyTorch's default: no TF32 matmuls)
  m.model = load_pretrained(checkpoint_dir, m.cfg, bo);
  m.model->eval();
  m.info.device = m.device.str();
  m.info.dtype = m.dtype == torch::kBFloat16 ? "bfloat16" : m.dtype == torch::kFloat16 ? "float16" : "float32";
  m.tok = Tokenizer::load(opt.tokenizer_dir.empty() ? Tokenizer::default_dir(checkpoint_dir) : opt.tokenizer_dir);
  m.gen = at::detail::createCPUGenerator(opt.seed);
  set_denoising_steps(opt.denoising_steps > 0 ? opt.denoising_steps : int(m.cfg.num_inference_timesteps));
}

Policy::~Policy() = default;
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;

const PolicyInfo& Policy::info() const { return impl_->info; }

void Policy::set_denoising_steps(int steps) {
  GROOT_CHECK(steps >= 1, "denoising steps must be >= 1, got ", steps);
  impl_->info.denoising_steps = steps;
  impl_->model->action_head->cfg.num_inference_timesteps = steps;
}

void Policy::check_observation(const Observation& obs) const { impl_->check(obs, true); }

ArrayMap Policy::get_action(const Observation& obs) {
  Impl& m = *impl_;
  m.check(obs, m.opt.strict);
  const std::string& tag = m.info.embodiment_tag;
  const int64_t B = m.batch_of(obs);
  const int64_t Tv = int64_t(m.info.video.delta_indices.size());
  const int64_t V = int64_t(m.info.video.keys.size());

  // Images, in upstream prompt order per sample: time-major, then view.
  std::vector<img::SampleImages> samples(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < Tv; ++t)
      for (int64_t v = 0; v < V; ++v) {
        const Array& a = obs.video.at(m.info.video.keys[size_t(v)]);
        const int H = int(a.shape[2]), W = int(a.shape[3]);
        samples[size_t(b)].push_back(img::ImageView(a.u8() + ((b * Tv + t) * H * W * 3), H, W, 3));
      }
  // CPU: the C++ transforms on a thread pool; CUDA: the same transforms in LibTorch on the GPU
  // (bit-identical, image_transforms_torch.h), so frames are uploaded once as uint8.
  std::vector<std::vector<img::Pixels>> pixels;
  std::vector<std::vector<torch::Tensor>> gpu_pixels;
  if (V > 0) {
    if (m.device.is_cuda())
      gpu_pixels = img::preprocess_batch_torch(samples, m.icfg, /*train=*/false, 0, m.device, m.dtype);
    else
      pixels = img::preprocess_batch(samples, m.icfg, /*train=*/false);
  }

  // Prompt and state.
  std::vector<std::string> langs;
  std::vector<std::vector<int>> tpi(static_cast<size_t>(B));
  std::vector<proc::EncodedStateAction> enc;
  std::vector<proc::KeyValues> raw_states;
  const auto& lang = obs.language.at(m.info.language.keys[0]);
  for (int64_t b = 0; b < B; ++b) {
    langs.push_back(lang[size_t(b)][0]);
    if (V > 0 && !gpu_pixels.empty())
      for (const torch::Tensor& t : gpu_pixels[size_t(b)])
        tpi[size_t(b)].push_back(prompt::image_token_count(int(t.size(1)), int(t.size(2))));
    else if (V > 0)
      for (const img::Pixels& p : pixels[size_t(b)]) tpi[size_t(b)].push_back(prompt::image_token_count(p.h, p.w));
    raw_states.push_back(m.sample_state(obs.state, b));
    enc.push_back(proc::encode_state_action(*m.sap, m.pad, tag, raw_states.back(), nullptr));
  }
  prompt::PromptBatch pb = prompt::encode_prompts(m.tok, langs, tpi, m.formalize);
  std::vector<int64_t> ids(size_t(B), m.info.embodiment_id);
  proc::CollatedBatch cb = proc::collate(enc, ids, V > 0 && gpu_pixels.empty() ? &pixels : nullptr);
  if (!gpu_pixels.empty()) proc::set_pixel_values(cb, gpu_pixels);

  torch::NoGradGuard ng;
  BackboneInput bin;
  bin.input_ids = torch::tensor(pb.input_ids, torch::kInt64).view({pb.batch, pb.length}).to(m.device);
  bin.attention_mask = torch::tensor(pb.attention_mask, torch::kInt64).view({pb.batch, pb.length}).to(m.device);
  for (const auto& pv : cb.pixel_values) bin.images.push_back(pv.to(m.device, m.dtype));
  model::ActionInputs ain;
  ain.state = cb.state.to(m.device, m.dtype);
  ain.embodiment_id = cb.embodiment_id.to(m.device);
  // Noise drawn on the CPU in float32 from the policy's generator: the same draws on every device.
  auto noise = at::randn({B, m.cfg.action_horizon, m.cfg.max_action_dim}, m.gen, torch::kFloat32);
  torch::Tensor pred = m.model->get_action(bin, ain, noise.to(m.device, m.dtype));

  std::vector<std::string> tags(size_t(B), tag);
  std::vector<proc::KeyValues> dec = proc::decode_action_batch(*m.sap, tags, pred, raw_states);
  ArrayMap out;
  for (const auto& key : m.info.action.keys) {
    const int T = m.info.action_horizon, D = m.info.action_dims.at(key);
    std::vector<float> v(size_t(B) * T * D);
    for (int64_t b = 0; b < B; ++b) {
      const data::MatrixF& a = dec[size_t(b)].at(key);
      GROOT_CHECK(a.rows == T && a.cols == D, "decode: action '", key, "' is [", a.rows, ", ", a.cols,
                  "], expected [", T, ", ", D, "]");
      std::memcpy(v.data() + b * T * D, a.data.data(), size_t(T) * D * sizeof(float));
    }
    out[key] = Array::f32({B, T, D}, v);
  }
  return out;
}

ArrayMap Policy::decode_action(const Array& action_pred, const ArrayMap& state) const {
  const Impl& m = *impl_;
  GROOT_CHECK(action_pred.shape.size() == 3, "decode_action: action_pred must be float32 [B, rows, cols], got ",
              action_pred.dtype, " ", action_pred.shape_str());
  const float* p = action_pred.f32();
  const int64_t B = action_pred.shape[0];
  const int rows = int(action_pred.shape[1]), cols = int(action_pred.shape[2]);
  ArrayMap out;
  std::vector<proc::KeyValues> dec;
  for (int64_t b = 0; b < B; ++b) {
    proc::KeyValues raw = m.sample_state(state, b);
    dec.push_back(proc::decode_action(*m.sap, m.info.embodiment_tag, p + b * rows * cols, rows, cols, &raw));
  }
  for (const auto& key : m.info.action.keys) {
    const int T = m.info.action_horizon, D = m.info.action_dims.at(key);
    std::vector<float> v(size_t(B) * T * D);
    for (int64_t b = 0; b < B; ++b) std::memcpy(v.data() + b * T * D, dec[size_t(b)].at(key).data.data(), size_t(T) * D * 4);
    out[key] = Array::f32({B, T, D}, v);
  }
  return out;
}

Array Policy::encode_action(const ArrayMap& actions, const ArrayMap& state) const {
  const Impl& m = *impl_;
  int64_t B = -1;
  for (const auto& key : m.info.action.keys) {
    auto it = actions.find(key);
    GROOT_CHECK(it != actions.end(), "encode_action: missing action key '", key, "'");
    const Array& a = it->second;
    const int T = m.info.action_horizon, D = m.info.action_dims.at(key);
    GROOT_CHECK(a.dtype == "float32" && a.shape.size() == 3 && a.shape[1] == T && a.shape[2] == D,
                "encode_action: action '", key, "' must be float32 [B, ", T, ", ", D, "], got ", a.dtype, " ",
                a.shape_str());
    GROOT_CHECK(B < 0 || a.shape[0] == B, "encode_action: action '", key, "' batch ", a.shape[0], " != ", B);
    B = a.shape[0];
  }
  const int H = m.pad.max_action_horizon, A = m.pad.max_action_dim;
  std::vector<float> out(size_t(B) * H * A);
  for (int64_t b = 0; b < B; ++b) {
    proc::KeyValues raw = m.sample_state(state, b), act;
    for (const auto& key : m.info.action.keys) {
      const Array& a = actions.at(key);
      const int T = int(a.shape[1]), D = int(a.shape[2]);
      data::MatrixF mt(T, D);
      std::memcpy(mt.data.data(), a.f32() + b * T * D, size_t(T) * D * 4);
      act[key] = std::move(mt);
    }
    proc::EncodedStateAction e = proc::encode_state_action(*m.sap, m.pad, m.info.embodiment_tag, raw, &act);
    std::memcpy(out.data() + b * H * A, e.action.data(), size_t(H) * A * 4);
  }
  return Array::f32({B, H, A}, out);
}

}  // namespace groot::policy
