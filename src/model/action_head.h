// GR00T N1.6 action head (upstream gr00t/model/gr00t_n1d6/gr00t_n1d6.py::Gr00tN1d6ActionHead and
// gr00t/model/modules/embodiment_conditioned_mlp.py), flow matching over the AlternateVLDiT.
//
// Training (forward_train), with noise eps and time t given (sample_time/sample_noise for real runs):
//   vl   = vlln(backbone_features)                                   [B,S,Dvl]   LayerNorm(eps 1e-5)
//   s    = state_encoder[e](state)                                   [B,1,D]     128 -> hidden -> D, ReLU
//   x_t  = (1-t) eps + t A ;  v* = A - eps ;  tau = long(t * 1000)   (t in the action dtype)
//   a    = action_encoder[e](x_t, tau) + pos_emb[0..H)               [B,H,D]
//          W1(x) ; sinusoid(tau, D) = [sin, cos] ; W3(swish(W2(cat)))
//   out  = DiT(cat[s, a], vl, tau, image_mask, attention_mask)        [B,1+H,hidden]
//   pred = action_decoder[e](out)[:, -H:]                            [B,H,128]
//   loss = sum((pred - v*)^2 * mask) / (sum(mask) + 1e-6)
// Inference (get_action): x ~ N(0,I) in the vl dtype; for k < N: tau = int(k/N * 1000),
//   x += (1/N) * velocity(x, tau). vlln, the state token and every cross-attention K/V are
//   computed once and reused by the N steps.
//
// Per-embodiment layers (CategorySpecificLinear) store W [E, in, out] and b [E, out] (x @ W[e] + b[e]).
// When every sample of a batch has the same embodiment (Embodiment::shared >= 0) they run one plain
// GEMM on that slot; otherwise they gather per-sample weights and use bmm, as upstream.
//
// Parameter names equal upstream keys below "action_head.": vlln.*, state_encoder.layer{1,2}.{W,b},
// action_encoder.W{1,2,3}.{W,b}, action_decoder.layer{1,2}.{W,b}, position_embedding.weight,
// model.* (dit.h), mask_token (only when state_dropout_prob > 0).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "model/config.h"
#include "model/dit.h"
#include "model/eagle_backbone.h"
#include "model/layers.h"

namespace groot::model {

struct ActionHeadConfig {
  int64_t backbone_embedding_dim = 2048;
  int64_t input_embedding_dim = 1536;  // DiT width
  int64_t hidden_size = 1024;          // state/decoder MLP hidden, DiT output_dim
  int64_t max_state_dim = 128;
  int64_t max_action_dim = 128;
  int64_t action_horizon = 50;
  int64_t max_num_embodiments = 32;
  int64_t max_seq_len = 1024;
  bool add_pos_embed = true;
  bool use_vlln = true;
  bool use_alternate_vl_dit = true;
  int64_t num_inference_timesteps = 4;
  int64_t num_timestep_buckets = 1000;
  double noise_beta_alpha = 1.5;
  double noise_beta_beta = 1.0;
  double noise_s = 0.999;
  double state_dropout_prob = 0.0;
  double state_additive_noise_scale = 0.0;
  bool tune_projector = true;
  bool tune_diffusion_model = true;
  bool tune_vlln = true;
  DiTConfig dit;  // dit.cross_attention_dim == backbone_embedding_dim

  // From an upstream Gr00tN1d6 config.json object (missing keys keep the N1.6-3B values above).
  // Throws groot::Error naming the key for wrong types or unsupported settings.
  static ActionHeadConfig from_json(const nlohmann::json& j);
  // From the project-wide model configuration (model/config.h, load_config()).
  static ActionHeadConfig from_config(const groot::Gr00tN1d6Config& c);
  // The released nvidia/GR00T-N1.6-3B values.
  static ActionHeadConfig n16_3b() { return ActionHeadConfig(); }
};

// Embodiment ids of a batch plus, when all are equal, the shared slot (checked once on the host).
struct Embodiment {
  torch::Tensor ids;    // [B] int64 on the model device
  int64_t shared = -1;  // slot used by every sample, or -1 when they differ
  // Validates 0 <= id < num_embodiments (groot::Error naming the bad value).
  static Embodiment from_ids(const torch::Tensor& ids, int64_t num_embodiments, torch::Device device);
};

struct CategorySpecificLinearImpl : torch::nn::Module {
  CategorySpecificLinearImpl(int64_t num_categories, int64_t in, int64_t out, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x, const Embodiment& e);  // [B,T,in] -> [B,T,out]
  torch::Tensor W;  // [E, in, out]
  torch::Tensor b;  // [E, out]
};
TORCH_MODULE(CategorySpecificLinear);

struct CategorySpecificMLPImpl : torch::nn::Module {
  CategorySpecificMLPImpl(int64_t num_categories, int64_t in, int64_t hidden, int64_t out,
                          const torch::TensorOptions& opt);
  // layer2(relu(layer1(x))); records "<trace_name>" for the layer1 output (pre-ReLU) if given.
  torch::Tensor forward(const torch::Tensor& x, const Embodiment& e, const std::string& trace_layer1 = "");
  CategorySpecificLinear layer1{nullptr}, layer2{nullptr};
};
TORCH_MODULE(CategorySpecificMLP);

// SinusoidalPositionalEncoding of the action encoder: [sin(tau f), cos(tau f)], f_k = exp(-k ln(1e4)/(dim/2)).
torch::Tensor action_sinusoid(const torch::Tensor& tau_bt, int64_t dim);  // [B,T] -> [B,T,dim] f32

struct MultiEmbodimentActionEncoderImpl : torch::nn::Module {
  MultiEmbodimentActionEncoderImpl(int64_t action_dim, int64_t hidden, int64_t num_embodiments,
                                   const torch::TensorOptions& opt);
  // actions [B,T,action_dim], tau [B] integer buckets -> [B,T,hidden]
  torch::Tensor forward(const torch::Tensor& actions, const torch::Tensor& tau, const Embodiment& e);
  int64_t hidden;
  CategorySpecificLinear W1{nullptr}, W2{nullptr}, W3{nullptr};
};
TORCH_MODULE(MultiEmbodimentActionEncoder);

// What the action head consumes from the backbone (eagle_backbone.h): features [B,S,Dvl] (before vlln),
// attention_mask bool [B,S] (true = real token), image_mask bool [B,S] (true = <IMG_CONTEXT>).
using BackboneOutput = groot::BackboneOutput;

struct ActionInputs {
  torch::Tensor state;         // [B, T_state(=1), max_state_dim]
  torch::Tensor action;        // [B, horizon, max_action_dim] (training)
  torch::Tensor action_mask;   // [B, horizon, max_action_dim] (training)
  torch::Tensor embodiment_id; // [B] int64
};

struct TrainOutput {
  torch::Tensor loss;         // [] scalar
  torch::Tensor action_loss;  // [B,H,A] masked squared error
  torch::Tensor pred_velocity;// [B,H,A]
};

struct ActionHeadImpl : torch::nn::Module {
  // opt: dtype/device of the parameters (torch::kMeta for a shape-only build). Parameters start
  // deterministic (zeros / ones); real values come from a checkpoint or groot::init_random_.
  explicit ActionHeadImpl(const ActionHeadConfig& cfg, const torch::TensorOptions& opt = {});

  // Flow-matching loss with the given noise [B,H,A] and t [B] (t is cast to the action dtype first).
  TrainOutput forward_train(const BackboneOutput& bb, const ActionInputs& in, const torch::Tensor& noise,
                            const torch::Tensor& t);
  // Same with noise ~ N(0,I) and t = (1 - Beta(alpha, beta)) * noise_s drawn from `gen` (or the default).
  TrainOutput forward_train(const BackboneOutput& bb, const ActionInputs& in,
                            c10::optional<at::Generator> gen = c10::nullopt);

  // t = (1 - u) * noise_s with u ~ Beta(noise_beta_alpha, noise_beta_beta) (upstream sample_time).
  torch::Tensor sample_time(int64_t batch, torch::Device device, torch::ScalarType dtype,
                            c10::optional<at::Generator> gen = c10::nullopt) const;

  // Euler integration, num_inference_timesteps steps. init_noise [B,H,A] (undefined = draw from gen).
  // Returns action_pred [B,H,A] in normalized space. Runs under NoGradGuard.
  torch::Tensor get_action(const BackboneOutput& bb, const ActionInputs& in,
                           const torch::Tensor& init_noise = torch::Tensor(),
                           c10::optional<at::Generator> gen = c10::nullopt);
  // The same with the embodiment resolved beforehand (Embodiment::from_ids on the host when the inputs
  // are built): nothing in the call reads device memory on the host, so it can be captured in a CUDA graph.
  // steps: step_modulations(B, ...) to reuse the timestep-only DiT work across calls (nullptr = compute).
  torch::Tensor get_action(const BackboneOutput& bb, const ActionInputs& in, const Embodiment& e,
                           const torch::Tensor& init_noise, c10::optional<at::Generator> gen = c10::nullopt,
                           const std::vector<TimestepModulation>* steps = nullptr);
  // Timestep bucket of denoising step k: int(k / num_inference_timesteps * num_timestep_buckets).
  int64_t step_bucket(int64_t k) const;
  // DiT timestep modulation of every denoising step for batch B (DiTImpl::timestep_modulation).
  std::vector<TimestepModulation> step_modulations(int64_t B, torch::Device device, torch::ScalarType dtype);

  // Applies tune_projector / tune_diffusion_model / tune_vlln to requires_grad (as upstream).
  void set_trainable(bool tune_projector, bool tune_diffusion_model, bool tune_vlln);
  // Frozen sub-modules go to eval() after train() (upstream set_frozen_modules_to_eval_mode).
  void set_frozen_modules_to_eval();

  // Velocity for x [B,H,A] at integer bucket tau [B]: cat[state_features, enc(x,tau)+pos] -> DiT -> decoder.
  torch::Tensor velocity(const torch::Tensor& x, const torch::Tensor& tau, const torch::Tensor& state_features,
                         const torch::Tensor& vl, const BackboneOutput& bb, const Embodiment& e,
                         const std::vector<CrossKV>* kv, const TimestepModulation* mod = nullptr);

  ActionHeadConfig cfg;
  DiT model{nullptr};
  CategorySpecificMLP state_encoder{nullptr};
  MultiEmbodimentActionEncoder action_encoder{nullptr};
  CategorySpecificMLP action_decoder{nullptr};
  groot::LayerNorm vlln{nullptr};  // only when use_vlln
  groot::Embedding position_embedding{nullptr};  // only when add_pos_embed
  torch::Tensor mask_token;  // [1,1,D], only when state_dropout_prob > 0
  // Activation dtype (default: the dtype of model.proj_out_2.weight). With fp32 masters + bf16 compute,
  // set it to kBFloat16: every layer casts its weights to the activation dtype.
  c10::optional<torch::ScalarType> compute_dtype;
  torch::ScalarType activation_dtype() const;

 private:
  Embodiment embodiment(const ActionInputs& in) const;
  torch::Tensor encode_state(const torch::Tensor& state, const Embodiment& e);
  torch::Tensor process_vl(const torch::Tensor& features);
  void check_backbone(const BackboneOutput& bb) const;
};
TORCH_MODULE(ActionHead);

}  // namespace groot::model
