// GR00T N1.6 action head (see action_head.h).
#include "model/action_head.h"

#include <cmath>

#include "model/ah_trace.h"
#include "util/error.h"

namespace groot::model {

// ---------------------------------------------------------------------------------------------
// Configuration
namespace {

template <typename T>
void read_key(const nlohmann::json& j, const char* key, T& out, const char* where) {
  if (!j.contains(key) || j.at(key).is_null()) return;
  try {
    out = j.at(key).get<T>();
  } catch (const std::exception& e) {
    fail(where, ": key \"", key, "\" has an unexpected type (", j.at(key).dump(), ")");
  }
}

}  // namespace

ActionHeadConfig ActionHeadConfig::from_json(const nlohmann::json& j) {
  GROOT_CHECK(j.is_object(), "action head config: expected a JSON object (Gr00tN1d6 config.json)");
  ActionHeadConfig c;
  const char* w = "Gr00tN1d6 config";
  read_key(j, "backbone_embedding_dim", c.backbone_embedding_dim, w);
  read_key(j, "input_embedding_dim", c.input_embedding_dim, w);
  read_key(j, "hidden_size", c.hidden_size, w);
  read_key(j, "max_state_dim", c.max_state_dim, w);
  read_key(j, "max_action_dim", c.max_action_dim, w);
  read_key(j, "action_horizon", c.action_horizon, w);
  read_key(j, "max_num_embodiments", c.max_num_embodiments, w);
  read_key(j, "max_seq_len", c.max_seq_len, w);
  read_key(j, "add_pos_embed", c.add_pos_embed, w);
  read_key(j, "use_vlln", c.use_vlln, w);
  read_key(j, "use_alternate_vl_dit", c.use_alternate_vl_dit, w);
  read_key(j, "num_inference_timesteps", c.num_inference_timesteps, w);
  read_key(j, "num_timestep_buckets", c.num_timestep_buckets, w);
  read_key(j, "noise_beta_alpha", c.noise_beta_alpha, w);
  read_key(j, "noise_beta_beta", c.noise_beta_beta, w);
  read_key(j, "noise_s", c.noise_s, w);
  read_key(j, "state_dropout_prob", c.state_dropout_prob, w);
  read_key(j, "state_additive_noise_scale", c.state_additive_noise_scale, w);
  read_key(j, "tune_projector", c.tune_projector, w);
  read_key(j, "tune_diffusion_model", c.tune_diffusion_model, w);
  read_key(j, "tune_vlln", c.tune_vlln, w);
  read_key(j, "attend_text_every_n_blocks", c.dit.attend_text_every_n_blocks, w);
  if (j.contains("diffusion_model_cfg") && j.at("diffusion_model_cfg").is_object()) {
    const auto& d = j.at("diffusion_model_cfg");
    const char* wd = "Gr00tN1d6 config diffusion_model_cfg";
    read_key(d, "num_layers", c.dit.num_layers, wd);
    read_key(d, "num_attention_heads", c.dit.num_heads, wd);
    read_key(d, "attention_head_dim", c.dit.head_dim, wd);
    read_key(d, "output_dim", c.dit.output_dim, wd);
    read_key(d, "dropout", c.dit.dropout, wd);
    read_key(d, "final_dropout", c.dit.final_dropout, wd);
    read_key(d, "interleave_self_attention", c.dit.interleave_self_attention, wd);
    std::string norm_type = "ada_norm";
    read_key(d, "norm_type", norm_type, wd);
    GROOT_CHECK(norm_type == "ada_norm", wd, ": norm_type \"", norm_type, "\" is not supported (only ada_norm)");
    if (d.contains("positional_embeddings") && !d.at("positional_embeddings").is_null())
      fail(wd, ": positional_embeddings=", d.at("positional_embeddings").dump(),
           " is not supported (N1.6 uses null)");
  }
  c.dit.cross_attention_dim = c.backbone_embedding_dim;
  GROOT_CHECK(c.use_alternate_vl_dit, w, ": use_alternate_vl_dit=false (plain DiT) is not supported");
  GROOT_CHECK(c.dit.interleave_self_attention, w, ": AlternateVLDiT requires interleave_self_attention=true");
  GROOT_CHECK(c.dit.inner_dim() == c.input_embedding_dim, w, ": num_attention_heads*attention_head_dim = ",
              c.dit.inner_dim(), " must equal input_embedding_dim = ", c.input_embedding_dim);
  GROOT_CHECK(c.dit.output_dim == c.hidden_size, w, ": diffusion_model_cfg.output_dim = ", c.dit.output_dim,
              " must equal hidden_size = ", c.hidden_size, " (action decoder input)");
  GROOT_CHECK(c.action_horizon > 0 && c.action_horizon <= c.max_seq_len, w, ": action_horizon ", c.action_horizon,
              " must be in [1, max_seq_len=", c.max_seq_len, "]");
  GROOT_CHECK(c.num_inference_timesteps > 0, w, ": num_inference_timesteps must be > 0");
  GROOT_CHECK(c.input_embedding_dim % 2 == 0, w, ": input_embedding_dim must be even (sinusoid)");
  GROOT_CHECK(c.dit.attend_text_every_n_blocks > 0, w, ": attend_text_every_n_blocks must be > 0");
  return c;
}

ActionHeadConfig ActionHeadConfig::from_config(const groot::Gr00tN1d6Config& g) {
  ActionHeadConfig c;
  c.backbone_embedding_dim = g.backbone_embedding_dim;
  c.input_embedding_dim = g.input_embedding_dim;
  c.hidden_size = g.hidden_size;
  c.max_state_dim = g.max_state_dim;
  c.max_action_dim = g.max_action_dim;
  c.action_horizon = g.action_horizon;
  c.max_num_embodiments = g.max_num_embodiments;
  c.max_seq_len = g.max_seq_len;
  c.add_pos_embed = g.add_pos_embed;
  c.use_vlln = g.use_vlln;
  c.use_alternate_vl_dit = g.use_alternate_vl_dit;
  c.num_inference_timesteps = g.num_inference_timesteps;
  c.num_timestep_buckets = g.num_timestep_buckets;
  c.noise_beta_alpha = g.noise_beta_alpha;
  c.noise_beta_beta = g.noise_beta_beta;
  c.noise_s = g.noise_s;
  c.state_dropout_prob = g.state_dropout_prob;
  c.state_additive_noise_scale = g.state_additive_noise_scale;
  c.tune_projector = g.tune_projector;
  c.tune_diffusion_model = g.tune_diffusion_model;
  c.tune_vlln = g.tune_vlln;
  const auto& d = g.diffusion_model_cfg;
  c.dit.num_layers = d.num_layers;
  c.dit.num_heads = d.num_attention_heads;
  c.dit.head_dim = d.attention_head_dim;
  c.dit.output_dim = d.output_dim;
  c.dit.dropout = d.dropout;
  c.dit.final_dropout = d.final_dropout;
  c.dit.interleave_self_attention = d.interleave_self_attention;
  c.dit.attend_text_every_n_blocks = g.attend_text_every_n_blocks;
  c.dit.cross_attention_dim = g.backbone_embedding_dim;
  GROOT_CHECK(d.norm_type == "ada_norm", g.source, ": diffusion_model_cfg.norm_type \"", d.norm_type,
              "\" is not supported (only ada_norm)");
  GROOT_CHECK(d.positional_embeddings.empty(), g.source, ": diffusion_model_cfg.positional_embeddings \"",
              d.positional_embeddings, "\" is not supported (N1.6 uses null)");
  GROOT_CHECK(c.use_alternate_vl_dit, g.source, ": use_alternate_vl_dit=false (plain DiT) is not supported");
  GROOT_CHECK(c.dit.interleave_self_attention, g.source, ": AlternateVLDiT requires interleave_self_attention");
  GROOT_CHECK(c.dit.inner_dim() == c.input_embedding_dim, g.source, ": heads*head_dim ", c.dit.inner_dim(),
              " != input_embedding_dim ", c.input_embedding_dim);
  GROOT_CHECK(c.dit.output_dim == c.hidden_size, g.source, ": diffusion_model_cfg.output_dim ", c.dit.output_dim,
              " != hidden_size ", c.hidden_size);
  return c;
}

// ---------------------------------------------------------------------------------------------
Embodiment Embodiment::from_ids(const torch::Tensor& ids, int64_t num_embodiments, torch::Device device) {
  GROOT_CHECK(ids.defined() && ids.dim() == 1 && ids.size(0) > 0, "embodiment_id must be a non-empty [B] tensor");
  GROOT_CHECK(!ids.is_floating_point(), "embodiment_id must be an integer tensor, got ", ids.scalar_type());
  auto h = ids.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t* p = h.data_ptr<int64_t>();
  Embodiment e;
  e.shared = p[0];
  for (int64_t i = 0; i < h.numel(); ++i) {
    GROOT_CHECK(p[i] >= 0 && p[i] < num_embodiments, "embodiment_id[", i, "] = ", p[i],
                " is outside [0, max_num_embodiments=", num_embodiments, ")");
    if (p[i] != e.shared) e.shared = -1;
  }
  e.ids = h.to(device);
  return e;
}

CategorySpecificLinearImpl::CategorySpecificLinearImpl(int64_t E, int64_t in, int64_t out,
                                                       const torch::TensorOptions& opt) {
  W = register_parameter("W", groot::make_param({E, in, out}, opt, 0.0));
  b = register_parameter("b", groot::make_param({E, out}, opt, 0.0));
}

torch::Tensor CategorySpecificLinearImpl::forward(const torch::Tensor& x, const Embodiment& e) {
  if (e.shared >= 0) {
    // One GEMM on the shared slot: [B*T, in] @ [in, out]
    return torch::matmul(x, groot::as_dtype_of(W.select(0, e.shared), x)) +
           groot::as_dtype_of(b.select(0, e.shared), x);
  }
  auto w = groot::as_dtype_of(W.index_select(0, e.ids), x);                // [B, in, out]
  auto bb = groot::as_dtype_of(b.index_select(0, e.ids).unsqueeze(1), x);  // [B, 1, out]
  return torch::bmm(x, w) + bb;
}

CategorySpecificMLPImpl::CategorySpecificMLPImpl(int64_t E, int64_t in, int64_t hidden, int64_t out,
                                                 const torch::TensorOptions& opt) {
  layer1 = register_module("layer1", CategorySpecificLinear(E, in, hidden, opt));
  layer2 = register_module("layer2", CategorySpecificLinear(E, hidden, out, opt));
}

torch::Tensor CategorySpecificMLPImpl::forward(const torch::Tensor& x, const Embodiment& e,
                                               const std::string& trace_layer1) {
  auto h = layer1(x, e);
  if (!trace_layer1.empty()) ah_trace(trace_layer1, h);
  return layer2(torch::relu(h), e);
}

torch::Tensor action_sinusoid(const torch::Tensor& tau_bt, int64_t dim) {
  const int64_t half = dim / 2;
  // As upstream SinusoidalPositionalEncoding, all float32.
  // torch::full, not torch::tensor: no host-to-device copy (capturable in a CUDA graph), same value.
  auto c = torch::log(torch::full({}, 10000.0f, torch::dtype(torch::kFloat32).device(tau_bt.device()))) / half;
  auto exponent = -torch::arange(half, torch::dtype(torch::kFloat32).device(tau_bt.device())) * c;  // [half]
  auto freqs = tau_bt.to(torch::kFloat32).unsqueeze(-1) * exponent.exp();                          // [B,T,half]
  return torch::cat({torch::sin(freqs), torch::cos(freqs)}, -1);                                   // [B,T,dim]
}

MultiEmbodimentActionEncoderImpl::MultiEmbodimentActionEncoderImpl(int64_t action_dim, int64_t hidden_,
                                                                   int64_t E, const torch::TensorOptions& opt)
    : hidden(hidden_) {
  W1 = register_module("W1", CategorySpecificLinear(E, action_dim, hidden, opt));
  W2 = register_module("W2", CategorySpecificLinear(E, 2 * hidden, hidden, opt));
  W3 = register_module("W3", CategorySpecificLinear(E, hidden, hidden, opt));
}

torch::Tensor MultiEmbodimentActionEncoderImpl::forward(const torch::Tensor& actions, const torch::Tensor& tau,
                                                        const Embodiment& e) {
  const int64_t B = actions.size(0), T = actions.size(1);
  GROOT_CHECK(tau.dim() == 1 && tau.size(0) == B, "action encoder: timesteps must be [B=", B, "], got ",
              tau.sizes());
  auto tau_bt = tau.unsqueeze(1).expand({B, T});
  auto a = W1(actions, e);  // [B,T,w]
  ah_trace("ah/action_encoder_W1_out", a);
  auto s = action_sinusoid(tau_bt, hidden).to(a.scalar_type());  // [B,T,w]
  ah_trace("ah/action_encoder_tau_sinusoid", s);
  auto h = W2(torch::cat({a, s}, -1), e);  // [B,T,w]
  ah_trace("ah/action_encoder_W2_out_preswish", h);
  h = h * torch::sigmoid(h);  // swish
  return W3(h, e);
}

// ---------------------------------------------------------------------------------------------
ActionHeadImpl::ActionHeadImpl(const ActionHeadConfig& c, const torch::TensorOptions& opt) : cfg(c) {
  cfg.dit.cross_attention_dim = cfg.backbone_embedding_dim;
  GROOT_CHECK(cfg.dit.inner_dim() == cfg.input_embedding_dim, "action head: DiT width ", cfg.dit.inner_dim(),
              " != input_embedding_dim ", cfg.input_embedding_dim);
  GROOT_CHECK(cfg.dit.output_dim == cfg.hidden_size, "action head: DiT output_dim ", cfg.dit.output_dim,
              " != hidden_size ", cfg.hidden_size);
  const int64_t E = cfg.max_num_embodiments;
  model = register_module("model", DiT(cfg.dit, opt));
  state_encoder = register_module(
      "state_encoder", CategorySpecificMLP(E, cfg.max_state_dim, cfg.hidden_size, cfg.input_embedding_dim, opt));
  action_encoder = register_module("action_encoder",
                                   MultiEmbodimentActionEncoder(cfg.max_action_dim, cfg.input_embedding_dim, E, opt));
  action_decoder = register_module(
      "action_decoder", CategorySpecificMLP(E, cfg.hidden_size, cfg.hidden_size, cfg.max_action_dim, opt));
  if (cfg.use_vlln) vlln = register_module("vlln", groot::LayerNorm(cfg.backbone_embedding_dim, 1e-5, true, opt));
  if (cfg.add_pos_embed)
    position_embedding =
        register_module("position_embedding", groot::Embedding(cfg.max_seq_len, cfg.input_embedding_dim, opt));
  if (cfg.state_dropout_prob > 0)
    mask_token = register_parameter("mask_token", groot::make_param({1, 1, cfg.input_embedding_dim}, opt, 0.0));
  set_trainable(cfg.tune_projector, cfg.tune_diffusion_model, cfg.tune_vlln);
}

torch::ScalarType ActionHeadImpl::activation_dtype() const {
  return compute_dtype ? *compute_dtype : model->proj_out_2->weight.scalar_type();
}

void ActionHeadImpl::set_trainable(bool tune_projector, bool tune_diffusion_model, bool tune_vlln) {
  cfg.tune_projector = tune_projector;
  cfg.tune_diffusion_model = tune_diffusion_model;
  cfg.tune_vlln = tune_vlln;
  for (auto& p : parameters()) p.set_requires_grad(true);
  auto freeze = [](torch::nn::Module& m) {
    for (auto& p : m.parameters()) p.set_requires_grad(false);
  };
  if (!tune_projector) {
    freeze(*state_encoder);
    freeze(*action_encoder);
    freeze(*action_decoder);
    if (position_embedding) freeze(*position_embedding);
    if (mask_token.defined()) mask_token.set_requires_grad(false);
  }
  if (!tune_diffusion_model) freeze(*model);
  if (!tune_vlln && vlln) freeze(*vlln);
}

void ActionHeadImpl::set_frozen_modules_to_eval() {
  if (!is_training()) return;
  if (!cfg.tune_projector) {
    state_encoder->eval();
    action_encoder->eval();
    action_decoder->eval();
    if (position_embedding) position_embedding->eval();
  }
  if (!cfg.tune_diffusion_model) model->eval();
}

torch::Tensor ActionHeadImpl::sample_time(int64_t batch, torch::Device device, torch::ScalarType dtype,
                                          c10::optional<at::Generator> gen) const {
  // Beta(a, b) as torch.distributions.Beta does it: first component of Dirichlet([a, b]).
  auto conc = torch::tensor({float(cfg.noise_beta_alpha), float(cfg.noise_beta_beta)}).expand({batch, 2}).contiguous();
  auto u = at::_sample_dirichlet(conc, gen).select(1, 0);  // [B] f32, CPU
  u = u.to(device, dtype);
  return (1 - u) * cfg.noise_s;
}

Embodiment ActionHeadImpl::embodiment(const ActionInputs& in) const {
  auto dev = model->proj_out_2->weight.device();
  return Embodiment::from_ids(in.embodiment_id, cfg.max_num_embodiments, dev);
}

void ActionHeadImpl::check_backbone(const BackboneOutput& bb) const {
  GROOT_CHECK(bb.features.defined() && bb.features.dim() == 3 && bb.features.size(2) == cfg.backbone_embedding_dim,
              "action head: backbone_features must be [B,S,", cfg.backbone_embedding_dim, "], got ",
              bb.features.defined() ? bb.features.sizes() : torch::IntArrayRef{});
  auto BS = bb.features.sizes().slice(0, 2);
  GROOT_CHECK(bb.attention_mask.defined() && bb.attention_mask.sizes() == BS,
              "action head: backbone_attention_mask must be [B,S] = ", BS);
  GROOT_CHECK(bb.image_mask.defined() && bb.image_mask.sizes() == BS, "action head: image_mask must be [B,S] = ",
              BS);
}

torch::Tensor ActionHeadImpl::process_vl(const torch::Tensor& features) {
  auto dt = activation_dtype();
  auto vl = features.to(dt);
  if (vlln) vl = vlln(vl);  // [B,S,Dvl]
  ah_trace("ah/vlln_out", vl);
  return vl;
}

torch::Tensor ActionHeadImpl::encode_state(const torch::Tensor& state, const Embodiment& e) {
  auto dt = activation_dtype();
  GROOT_CHECK(state.defined() && state.dim() == 3 && state.size(2) == cfg.max_state_dim,
              "action head: state must be [B, T_state, ", cfg.max_state_dim, "], got ",
              state.defined() ? state.sizes() : torch::IntArrayRef{});
  GROOT_CHECK(state.size(0) == e.ids.size(0), "action head: state batch ", state.size(0),
              " != embodiment_id batch ", e.ids.size(0));
  auto s = state_encoder(state.to(dt), e, "ah/state_encoder_layer1_out");  // [B,T_state,D]
  ah_trace("ah/state_features", s);
  return s;
}

torch::Tensor ActionHeadImpl::velocity(const torch::Tensor& x, const torch::Tensor& tau,
                                       const torch::Tensor& state_features, const torch::Tensor& vl,
                                       const BackboneOutput& bb, const Embodiment& e,
                                       const std::vector<CrossKV>* kv, const TimestepModulation* mod) {
  const int64_t H = x.size(1);
  auto a = action_encoder(x.to(activation_dtype()), tau, e);  // [B,H,D]
  ah_trace("ah/action_encoder_out", a);
  if (position_embedding) {
    auto pos = position_embedding(torch::arange(H, torch::dtype(torch::kLong).device(x.device())))
                   .to(a.scalar_type());  // [H,D]
    ah_trace("ah/position_embedding_out", pos);
    a = a + pos.unsqueeze(0);
  }
  ah_trace("train/action_features_with_pos", a);
  auto sa = torch::cat({state_features, a}, 1);  // [B,T_state+H,D]
  auto out = model(sa, vl, tau, bb.image_mask, bb.attention_mask, kv, mod);  // [B,T_state+H,hidden]
  auto pred = action_decoder(out, e);                                   // [B,T_state+H,A]
  ah_trace("ah/decoder_out", pred);
  return pred.slice(1, pred.size(1) - H);  // [B,H,A]
}

TrainOutput ActionHeadImpl::forward_train(const BackboneOutput& bb, const ActionInputs& in,
                                          const torch::Tensor& noise_in, const torch::Tensor& t_in) {
  check_backbone(bb);
  set_frozen_modules_to_eval();
  auto dt = activation_dtype();
  GROOT_CHECK(in.action.defined() && in.action.dim() == 3 && in.action.size(2) == cfg.max_action_dim,
              "action head: action must be [B, H, ", cfg.max_action_dim, "], got ",
              in.action.defined() ? in.action.sizes() : torch::IntArrayRef{});
  GROOT_CHECK(in.action_mask.defined() && in.action_mask.sizes() == in.action.sizes(),
              "action head: action_mask must have the action's shape ", in.action.sizes());
  GROOT_CHECK(noise_in.defined() && noise_in.sizes() == in.action.sizes(), "action head: noise must have shape ",
              in.action.sizes());
  const int64_t B = in.action.size(0);
  GROOT_CHECK(t_in.defined() && t_in.numel() == B, "action head: t must have ", B, " elements");
  GROOT_CHECK(bb.features.size(0) == B, "action head: backbone batch ", bb.features.size(0), " != action batch ", B);

  auto vl = process_vl(bb.features);
  auto e = embodiment(in);
  auto state_features = encode_state(in.state, e);
  if (cfg.state_dropout_prob > 0) {
    auto drop = (torch::rand({state_features.size(0)}, state_features.options()) < cfg.state_dropout_prob)
                    .to(state_features.scalar_type())
                    .view({-1, 1, 1});
    state_features = state_features * (1 - drop) + groot::as_dtype_of(mask_token, state_features) * drop;
  }
  if (is_training() && cfg.state_additive_noise_scale > 0)
    state_features = state_features + torch::randn_like(state_features) * cfg.state_additive_noise_scale;

  auto actions = in.action.to(dt);                      // [B,H,A]
  auto noise = noise_in.to(actions.options());
  auto t = t_in.reshape({B}).to(actions.options());     // in the action dtype, as upstream
  auto t3 = t.view({B, 1, 1});
  auto x_t = (1 - t3) * noise + t3 * actions;
  ah_trace("ah/action_encoder_in", x_t);
  auto target = actions - noise;
  ah_trace("train/velocity_target", target);
  auto tau = (t * cfg.num_timestep_buckets).to(torch::kLong);  // [B]
  ah_trace("ah/t_bucket", tau);

  auto pred = velocity(x_t, tau, state_features, vl, bb, e, nullptr);  // [B,H,A]
  ah_trace("train/pred_velocity", pred);
  auto mask = in.action_mask.to(pred.options());
  auto diff = pred - target;
  auto action_loss = diff * diff * mask;
  ah_trace("train/action_loss", action_loss);
  auto loss = action_loss.sum() / (mask.sum() + 1e-6);
  ah_trace("train/loss", loss);
  return {loss, action_loss, pred};
}

TrainOutput ActionHeadImpl::forward_train(const BackboneOutput& bb, const ActionInputs& in,
                                          c10::optional<at::Generator> gen) {
  GROOT_CHECK(in.action.defined(), "action head: training needs an action tensor");
  auto dt = activation_dtype();
  auto opts = in.action.options().dtype(dt);
  auto noise = at::randn(in.action.sizes(), gen, opts);
  auto t = sample_time(in.action.size(0), in.action.device(), dt, gen.has_value() && gen->device().is_cpu()
                                                                           ? gen
                                                                           : c10::optional<at::Generator>());
  return forward_train(bb, in, noise, t);
}

torch::Tensor ActionHeadImpl::get_action(const BackboneOutput& bb, const ActionInputs& in,
                                         const torch::Tensor& init_noise, c10::optional<at::Generator> gen) {
  return get_action(bb, in, embodiment(in), init_noise, gen);
}

int64_t ActionHeadImpl::step_bucket(int64_t k) const {
  const double t_cont = double(k) / double(cfg.num_inference_timesteps);
  return int64_t(t_cont * double(cfg.num_timestep_buckets));
}

std::vector<TimestepModulation> ActionHeadImpl::step_modulations(int64_t B, torch::Device device,
                                                                 torch::ScalarType dtype) {
  torch::NoGradGuard ng;
  std::vector<TimestepModulation> steps;
  for (int64_t k = 0; k < cfg.num_inference_timesteps; ++k)
    steps.push_back(model->timestep_modulation(torch::full({B}, step_bucket(k), torch::dtype(torch::kLong).device(device)),
                                               dtype));
  return steps;
}

torch::Tensor ActionHeadImpl::get_action(const BackboneOutput& bb, const ActionInputs& in, const Embodiment& e,
                                         const torch::Tensor& init_noise, c10::optional<at::Generator> gen,
                                         const std::vector<TimestepModulation>* steps) {
  torch::NoGradGuard ng;
  check_backbone(bb);
  torch::Tensor vl, state_features;
  {
    TracePrefix pre("_infer_");  // same names as the training pass, kept apart
    vl = process_vl(bb.features);                // once
    state_features = encode_state(in.state, e);  // once
  }
  const int64_t B = vl.size(0), H = cfg.action_horizon, A = cfg.max_action_dim;
  GROOT_CHECK(e.ids.size(0) == B, "action head: embodiment_id batch ", e.ids.size(0), " != backbone batch ", B);
  torch::Tensor x;
  if (init_noise.defined()) {
    GROOT_CHECK(init_noise.dim() == 3 && init_noise.size(0) == B && init_noise.size(1) == H &&
                    init_noise.size(2) == A,
                "action head: initial noise must be [", B, ",", H, ",", A, "], got ", init_noise.sizes());
    x = init_noise.to(vl.options());
  } else {
    x = at::randn({B, H, A}, gen, vl.options());
  }
  auto kv = model->cross_kv(vl);  // cross-attention K/V reused by every step
  const int64_t N = cfg.num_inference_timesteps;
  const double dt = 1.0 / double(N);
  GROOT_CHECK(!steps || (int64_t(steps->size()) == N && (*steps)[0].out.size(0) == B),
              "action head: timestep modulations for ", steps ? steps->size() : 0, " steps / batch ",
              steps && !steps->empty() ? (*steps)[0].out.size(0) : 0, ", expected ", N, " / ", B);
  for (int64_t k = 0; k < N; ++k) {
    const int64_t tau_k = step_bucket(k);
    auto tau = torch::full({B}, tau_k, torch::dtype(torch::kLong).device(vl.device()));
    torch::Tensor v;
    {
      TracePrefix pre("infer/step" + std::to_string(k) + "/");
      ah_trace("x_in", x);
      ah_trace("tau", tau);
      // Golden step names: dit_in / temb / dit_out are the DiT's in_hidden_states / temb / out.
      groot::Trace base = ah_current_trace();
      groot::Trace step;
      if (base) {
        step = [base](const std::string& n, const torch::Tensor& t) {
          base(n, t);
          if (n == "dit/in_hidden_states") base("dit_in", t);
          if (n == "dit/temb") base("temb", t);
          if (n == "dit/out") base("dit_out", t);
        };
      }
      TraceScope sc(step);
      v = velocity(x, tau, state_features, vl, bb, e, &kv, steps ? &(*steps)[size_t(k)] : nullptr);
      ah_trace("velocity", v);
    }
    x = x + dt * v;
    ah_trace("infer/actions_after_step" + std::to_string(k), x);
  }
  ah_trace("infer/action_pred", x);
  return x;
}

}  // namespace groot::model
