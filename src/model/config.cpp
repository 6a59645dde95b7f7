#include "model/config.h"

#include <cmath>
#include <sstream>

#include "util/error.h"
#include "util/fs.h"

namespace groot {
namespace {

using json = nlohmann::json;

// Reads j[key] into `out` when present and not null; type errors name the source and field.
template <typename T>
void read(const json& j, const char* key, T& out, const std::string& source, const std::string& where = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const json::exception& e) {
    fail(source, ": field ", where, key, " has an invalid value ", it->dump(), " (", e.what(), ")");
  }
}

json parse_json_file(const fs::path& p) {
  std::string text = read_file(p);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail(p.string(), ": not valid JSON (", e.what(), ")");
  }
}

bool is_upstream_model_json(const json& j) {
  if (!j.is_object()) return false;
  auto mt = j.find("model_type");
  if (mt != j.end() && mt->is_string() && *mt == "Gr00tN1d6") return true;
  return j.contains("diffusion_model_cfg") && j.contains("action_horizon");
}

bool is_golden_own_json(const json& j) {
  return j.is_object() && j.contains("groot") && j.contains("llm_qwen3") && j.contains("vision_siglip2");
}

void read_vision(const json& v, SiglipVisionConfig& c, const std::string& src, const std::string& w) {
  read(v, "hidden_size", c.hidden_size, src, w);
  read(v, "num_hidden_layers", c.num_hidden_layers, src, w);
  read(v, "num_attention_heads", c.num_attention_heads, src, w);
  read(v, "intermediate_size", c.intermediate_size, src, w);
  read(v, "patch_size", c.patch_size, src, w);
  read(v, "num_patches", c.num_patches, src, w);
  read(v, "num_channels", c.num_channels, src, w);
  read(v, "layer_norm_eps", c.layer_norm_eps, src, w);
  read(v, "hidden_act", c.hidden_act, src, w);
  bool use_rope = false, use_windows = false;
  read(v, "use_rope", use_rope, src, w);
  read(v, "use_windows_attn", use_windows, src, w);
  GROOT_CHECK(!use_rope, src, ": ", w, "use_rope=true is not supported (N1.6 uses learned positions only)");
  GROOT_CHECK(!use_windows, src, ": ", w, "use_windows_attn=true is not supported (N1.6 attends per image)");
}

void read_text(const json& t, Qwen3Config& c, const std::string& src, const std::string& w) {
  read(t, "vocab_size", c.vocab_size, src, w);
  read(t, "hidden_size", c.hidden_size, src, w);
  read(t, "intermediate_size", c.intermediate_size, src, w);
  read(t, "num_hidden_layers", c.num_hidden_layers, src, w);
  read(t, "num_attention_heads", c.num_attention_heads, src, w);
  read(t, "num_key_value_heads", c.num_key_value_heads, src, w);
  read(t, "head_dim", c.head_dim, src, w);
  read(t, "rms_norm_eps", c.rms_norm_eps, src, w);
  read(t, "rope_theta", c.rope_theta, src, w);
  if (auto rp = t.find("rope_parameters"); rp != t.end() && rp->is_object()) {  // transformers >= 5 layout
    read(*rp, "rope_theta", c.rope_theta, src, w + "rope_parameters.");
    std::string type = "default";
    read(*rp, "rope_type", type, src, w + "rope_parameters.");
    GROOT_CHECK(type == "default", src, ": ", w, "rope_parameters.rope_type '", type, "' is not supported");
  }
  if (auto rs = t.find("rope_scaling"); rs != t.end() && !rs->is_null()) {
    fail(src, ": ", w, "rope_scaling ", rs->dump(), " is not supported (Qwen3 in N1.6 uses plain RoPE)");
  }
  read(t, "max_position_embeddings", c.max_position_embeddings, src, w);
  read(t, "tie_word_embeddings", c.tie_word_embeddings, src, w);
  read(t, "hidden_act", c.hidden_act, src, w);
  bool attention_bias = false, sliding = false;
  read(t, "attention_bias", attention_bias, src, w);
  read(t, "use_sliding_window", sliding, src, w);
  GROOT_CHECK(!attention_bias, src, ": ", w, "attention_bias=true is not supported (Qwen3 has no biases)");
  GROOT_CHECK(!sliding, src, ": ", w, "use_sliding_window=true is not supported");
}

void read_dit(const json& d, DiTConfig& c, const std::string& src) {
  const std::string w = "diffusion_model_cfg.";
  read(d, "num_layers", c.num_layers, src, w);
  read(d, "num_attention_heads", c.num_attention_heads, src, w);
  read(d, "attention_head_dim", c.attention_head_dim, src, w);
  read(d, "output_dim", c.output_dim, src, w);
  read(d, "dropout", c.dropout, src, w);
  read(d, "final_dropout", c.final_dropout, src, w);
  read(d, "norm_type", c.norm_type, src, w);
  read(d, "interleave_self_attention", c.interleave_self_attention, src, w);
  read(d, "positional_embeddings", c.positional_embeddings, src, w);
}

json dit_to_json(const DiTConfig& c) {
  json d = json::object();
  d["positional_embeddings"] = c.positional_embeddings.empty() ? json(nullptr) : json(c.positional_embeddings);
  d["num_layers"] = c.num_layers;
  d["num_attention_heads"] = c.num_attention_heads;
  d["attention_head_dim"] = c.attention_head_dim;
  d["norm_type"] = c.norm_type;
  d["dropout"] = c.dropout;
  d["final_dropout"] = c.final_dropout;
  d["output_dim"] = c.output_dim;
  d["interleave_self_attention"] = c.interleave_self_attention;
  return d;
}

}  // namespace

int64_t SiglipVisionConfig::position_grid() const {
  return static_cast<int64_t>(std::llround(std::sqrt(double(num_patches))));
}

int64_t Gr00tN1d6Config::first_tuned_llm_layer() const {
  if (tune_llm) return 0;
  int64_t n = std::min<int64_t>(std::max<int64_t>(tune_top_llm_layers, 0), select_layer);
  return select_layer - n;
}

void Gr00tN1d6Config::validate() const {
  const auto& v = eagle.vision;
  const auto& t = eagle.text;
  const std::string& s = source;
  auto pos = [&](int64_t x, const char* name) { GROOT_CHECK(x > 0, s, ": ", name, " must be > 0, got ", x); };
  pos(v.hidden_size, "vision_config.hidden_size");
  pos(v.num_hidden_layers, "vision_config.num_hidden_layers");
  pos(v.num_attention_heads, "vision_config.num_attention_heads");
  pos(v.intermediate_size, "vision_config.intermediate_size");
  pos(v.patch_size, "vision_config.patch_size");
  pos(t.hidden_size, "text_config.hidden_size");
  pos(t.num_attention_heads, "text_config.num_attention_heads");
  pos(t.num_key_value_heads, "text_config.num_key_value_heads");
  pos(t.head_dim, "text_config.head_dim");
  pos(t.vocab_size, "text_config.vocab_size");
  pos(select_layer, "select_layer");
  GROOT_CHECK(v.hidden_size % v.num_attention_heads == 0, s, ": vision hidden_size ", v.hidden_size,
              " is not a multiple of num_attention_heads ", v.num_attention_heads);
  GROOT_CHECK(v.position_grid() * v.position_grid() == v.num_patches, s, ": vision num_patches ",
              v.num_patches, " is not a square");
  GROOT_CHECK(v.num_channels == 3, s, ": vision num_channels ", v.num_channels, " (only 3 supported)");
  GROOT_CHECK(v.hidden_act == "gelu_pytorch_tanh", s, ": vision hidden_act '", v.hidden_act,
              "' not supported (gelu_pytorch_tanh)");
  GROOT_CHECK(t.hidden_act == "silu", s, ": text hidden_act '", t.hidden_act, "' not supported (silu)");
  GROOT_CHECK(t.num_attention_heads % t.num_key_value_heads == 0, s, ": text num_attention_heads ",
              t.num_attention_heads, " not a multiple of num_key_value_heads ", t.num_key_value_heads);
  GROOT_CHECK(t.head_dim % 2 == 0, s, ": text head_dim ", t.head_dim, " must be even (RoPE)");
  GROOT_CHECK(select_layer <= t.num_hidden_layers, s, ": select_layer ", select_layer,
              " exceeds text_config.num_hidden_layers ", t.num_hidden_layers);
  GROOT_CHECK(std::abs(eagle.downsample_ratio - 0.5) < 1e-9, s, ": downsample_ratio ", eagle.downsample_ratio,
              " not supported (only 0.5 = pixel-unshuffle x2)");
  GROOT_CHECK(eagle.select_layer == -1, s, ": Eagle select_layer ", eagle.select_layer,
              " not supported (only -1 = last vision layer)");
  GROOT_CHECK(eagle.mlp_connector_layers == 2, s, ": mlp_connector_layers ", eagle.mlp_connector_layers,
              " not supported (only 2)");
  GROOT_CHECK(eagle.image_token_index >= 0 && eagle.image_token_index < t.vocab_size, s,
              ": image_token_index ", eagle.image_token_index, " outside the vocabulary (", t.vocab_size, ")");
  GROOT_CHECK(backbone_embedding_dim == t.hidden_size, s, ": backbone_embedding_dim ", backbone_embedding_dim,
              " != text hidden_size ", t.hidden_size);
  // More than select_layer means all kept layers (upstream slices layers[-N:]).
  GROOT_CHECK(tune_top_llm_layers >= 0, s, ": tune_top_llm_layers ", tune_top_llm_layers, " must be >= 0");
  GROOT_CHECK(backbone_model_type == "eagle", s, ": backbone_model_type '", backbone_model_type,
              "' not supported (eagle)");
  pos(diffusion_model_cfg.num_layers, "diffusion_model_cfg.num_layers");
  pos(diffusion_model_cfg.num_attention_heads, "diffusion_model_cfg.num_attention_heads");
  pos(diffusion_model_cfg.attention_head_dim, "diffusion_model_cfg.attention_head_dim");
  pos(max_state_dim, "max_state_dim");
  pos(max_action_dim, "max_action_dim");
  pos(action_horizon, "action_horizon");
  pos(max_num_embodiments, "max_num_embodiments");
  pos(num_inference_timesteps, "num_inference_timesteps");
  pos(num_timestep_buckets, "num_timestep_buckets");
  GROOT_CHECK(action_horizon <= max_seq_len, s, ": action_horizon ", action_horizon, " exceeds max_seq_len ",
              max_seq_len);
}

json Gr00tN1d6Config::to_json() const {
  json j = raw.is_object() ? raw : json::object();
  j["model_type"] = "Gr00tN1d6";
  if (!j.contains("architectures")) j["architectures"] = json::array({"Gr00tN1d6"});
  j["model_name"] = model_name;
  j["backbone_model_type"] = backbone_model_type;
  j["select_layer"] = select_layer;
  j["backbone_embedding_dim"] = backbone_embedding_dim;
  j["tune_llm"] = tune_llm;
  j["tune_visual"] = tune_visual;
  j["tune_top_llm_layers"] = tune_top_llm_layers;
  j["backbone_trainable_params_fp32"] = backbone_trainable_params_fp32;
  j["load_bf16"] = load_bf16;
  j["use_flash_attention"] = use_flash_attention;
  j["reproject_vision"] = reproject_vision;
  j["model_dtype"] = model_dtype;
  j["max_state_dim"] = max_state_dim;
  j["max_action_dim"] = max_action_dim;
  j["action_horizon"] = action_horizon;
  j["hidden_size"] = hidden_size;
  j["input_embedding_dim"] = input_embedding_dim;
  j["add_pos_embed"] = add_pos_embed;
  j["use_vlln"] = use_vlln;
  j["max_seq_len"] = max_seq_len;
  j["use_alternate_vl_dit"] = use_alternate_vl_dit;
  j["attend_text_every_n_blocks"] = attend_text_every_n_blocks;
  j["diffusion_model_cfg"] = dit_to_json(diffusion_model_cfg);
  j["num_inference_timesteps"] = num_inference_timesteps;
  j["noise_beta_alpha"] = noise_beta_alpha;
  j["noise_beta_beta"] = noise_beta_beta;
  j["noise_s"] = noise_s;
  j["num_timestep_buckets"] = num_timestep_buckets;
  j["tune_projector"] = tune_projector;
  j["tune_diffusion_model"] = tune_diffusion_model;
  j["tune_vlln"] = tune_vlln;
  j["state_dropout_prob"] = state_dropout_prob;
  j["state_additive_noise_scale"] = state_additive_noise_scale;
  j["max_num_embodiments"] = max_num_embodiments;
  j["attn_dropout"] = attn_dropout;
  j["formalize_language"] = formalize_language;
  j["apply_sincos_state_encoding"] = apply_sincos_state_encoding;
  j["use_relative_action"] = use_relative_action;
  j["shortest_image_edge"] = shortest_image_edge;
  j["crop_fraction"] = crop_fraction;
  j["use_albumentations_transforms"] = use_albumentations_transforms;
  return j;
}

Gr00tN1d6Config default_3b_config() {
  Gr00tN1d6Config c;
  c.source = "built-in nvidia/GR00T-N1.6-3B defaults";
  c.raw = c.to_json();
  return c;
}

Gr00tN1d6Config config_from_json(const json& j, const std::string& src) {
  GROOT_CHECK(j.is_object(), src, ": the model config must be a JSON object");
  Gr00tN1d6Config c;
  c.source = src;
  c.raw = j;
  read(j, "model_name", c.model_name, src);
  read(j, "backbone_model_type", c.backbone_model_type, src);
  read(j, "select_layer", c.select_layer, src);
  read(j, "backbone_embedding_dim", c.backbone_embedding_dim, src);
  read(j, "tune_llm", c.tune_llm, src);
  read(j, "tune_visual", c.tune_visual, src);
  read(j, "tune_top_llm_layers", c.tune_top_llm_layers, src);
  read(j, "backbone_trainable_params_fp32", c.backbone_trainable_params_fp32, src);
  read(j, "load_bf16", c.load_bf16, src);
  read(j, "use_flash_attention", c.use_flash_attention, src);
  read(j, "reproject_vision", c.reproject_vision, src);
  read(j, "model_dtype", c.model_dtype, src);
  read(j, "max_state_dim", c.max_state_dim, src);
  read(j, "max_action_dim", c.max_action_dim, src);
  read(j, "action_horizon", c.action_horizon, src);
  read(j, "hidden_size", c.hidden_size, src);
  read(j, "input_embedding_dim", c.input_embedding_dim, src);
  read(j, "add_pos_embed", c.add_pos_embed, src);
  read(j, "use_vlln", c.use_vlln, src);
  read(j, "max_seq_len", c.max_seq_len, src);
  read(j, "use_alternate_vl_dit", c.use_alternate_vl_dit, src);
  read(j, "attend_text_every_n_blocks", c.attend_text_every_n_blocks, src);
  if (auto d = j.find("diffusion_model_cfg"); d != j.end() && d->is_object()) read_dit(*d, c.diffusion_model_cfg, src);
  read(j, "num_inference_timesteps", c.num_inference_timesteps, src);
  read(j, "noise_beta_alpha", c.noise_beta_alpha, src);
  read(j, "noise_beta_beta", c.noise_beta_beta, src);
  read(j, "noise_s", c.noise_s, src);
  read(j, "num_timestep_buckets", c.num_timestep_buckets, src);
  read(j, "tune_projector", c.tune_projector, src);
  read(j, "tune_diffusion_model", c.tune_diffusion_model, src);
  read(j, "tune_vlln", c.tune_vlln, src);
  read(j, "state_dropout_prob", c.state_dropout_prob, src);
  read(j, "state_additive_noise_scale", c.state_additive_noise_scale, src);
  read(j, "max_num_embodiments", c.max_num_embodiments, src);
  read(j, "attn_dropout", c.attn_dropout, src);
  read(j, "formalize_language", c.formalize_language, src);
  read(j, "apply_sincos_state_encoding", c.apply_sincos_state_encoding, src);
  read(j, "use_relative_action", c.use_relative_action, src);
  read(j, "shortest_image_edge", c.shortest_image_edge, src);
  read(j, "crop_fraction", c.crop_fraction, src);
  read(j, "use_albumentations_transforms", c.use_albumentations_transforms, src);
  return c;
}

EagleConfig eagle_config_from_json(const json& j, const std::string& src) {
  GROOT_CHECK(j.is_object(), src, ": the Eagle config must be a JSON object");
  EagleConfig e;
  if (auto v = j.find("vision_config"); v != j.end() && v->is_object()) read_vision(*v, e.vision, src, "vision_config.");
  if (auto t = j.find("text_config"); t != j.end() && t->is_object()) read_text(*t, e.text, src, "text_config.");
  read(j, "downsample_ratio", e.downsample_ratio, src);
  read(j, "select_layer", e.select_layer, src);
  read(j, "image_token_index", e.image_token_index, src);
  read(j, "mlp_connector_layers", e.mlp_connector_layers, src);
  bool use_pixel_shuffle = true;
  read(j, "use_pixel_shuffle", use_pixel_shuffle, src);
  GROOT_CHECK(use_pixel_shuffle, src, ": use_pixel_shuffle=false is not supported");
  return e;
}

json eagle_config_to_json(const EagleConfig& e) {
  const auto& v = e.vision;
  const auto& t = e.text;
  json j = json::object();
  j["model_type"] = "eagle_3_vl";
  j["vision_config"] = {{"model_type", "siglip2_vision_model"},
                        {"hidden_size", v.hidden_size},
                        {"num_hidden_layers", v.num_hidden_layers},
                        {"num_attention_heads", v.num_attention_heads},
                        {"intermediate_size", v.intermediate_size},
                        {"patch_size", v.patch_size},
                        {"num_patches", v.num_patches},
                        {"num_channels", v.num_channels},
                        {"layer_norm_eps", v.layer_norm_eps},
                        {"hidden_act", v.hidden_act},
                        {"use_rope", false},
                        {"use_windows_attn", false}};
  j["text_config"] = {{"model_type", "qwen3"},
                      {"architectures", json::array({"Qwen3ForCausalLM"})},
                      {"vocab_size", t.vocab_size},
                      {"hidden_size", t.hidden_size},
                      {"intermediate_size", t.intermediate_size},
                      {"num_hidden_layers", t.num_hidden_layers},
                      {"num_attention_heads", t.num_attention_heads},
                      {"num_key_value_heads", t.num_key_value_heads},
                      {"head_dim", t.head_dim},
                      {"rms_norm_eps", t.rms_norm_eps},
                      {"rope_theta", t.rope_theta},
                      {"rope_scaling", nullptr},
                      {"max_position_embeddings", t.max_position_embeddings},
                      {"tie_word_embeddings", t.tie_word_embeddings},
                      {"hidden_act", t.hidden_act},
                      {"attention_bias", false},
                      {"use_sliding_window", false}};
  j["downsample_ratio"] = e.downsample_ratio;
  j["select_layer"] = e.select_layer;
  j["image_token_index"] = e.image_token_index;
  j["mlp_connector_layers"] = e.mlp_connector_layers;
  j["use_pixel_shuffle"] = true;
  return j;
}

Gr00tN1d6Config load_config(const std::string& dir_str) {
  fs::path dir(dir_str);
  GROOT_CHECK(fs::is_directory(dir), "checkpoint folder ", dir_str, " does not exist or is not a folder");
  const fs::path cfg_path = dir / "config.json";
  const fs::path up_path = dir / "upstream_config_gr00t_n1d6.json";
  json own;  // golden own-format config.json, when that is what config.json is
  Gr00tN1d6Config c;
  bool have_cfg = fs::exists(cfg_path);
  json cfg_json = have_cfg ? parse_json_file(cfg_path) : json();
  if (have_cfg && is_upstream_model_json(cfg_json)) {
    c = config_from_json(cfg_json, cfg_path.string());
  } else if (fs::exists(up_path)) {
    c = config_from_json(parse_json_file(up_path), up_path.string());
    if (have_cfg && is_golden_own_json(cfg_json)) own = cfg_json;
  } else if (have_cfg && is_golden_own_json(cfg_json)) {
    own = cfg_json;
    c = config_from_json(cfg_json["groot"], cfg_path.string() + " [groot]");
  } else if (have_cfg) {
    fail(cfg_path.string(), ": not a Gr00tN1d6 config (no model_type \"Gr00tN1d6\" / diffusion_model_cfg)");
  } else {
    fail("checkpoint folder ", dir_str, " has no config.json");
  }

  const fs::path eagle_path = dir / "eagle_config.json";
  const fs::path up_eagle_path = dir / "upstream_config_eagle.json";
  if (fs::exists(eagle_path)) {
    c.eagle = eagle_config_from_json(parse_json_file(eagle_path), eagle_path.string());
  } else if (fs::exists(up_eagle_path)) {
    c.eagle = eagle_config_from_json(parse_json_file(up_eagle_path), up_eagle_path.string());
  } else if (!own.is_null()) {
    const std::string src = cfg_path.string();
    read_vision(own["vision_siglip2"], c.eagle.vision, src, "vision_siglip2.");
    read_text(own["llm_qwen3"], c.eagle.text, src, "llm_qwen3.");
    if (own.contains("eagle")) {
      read(own["eagle"], "downsample_ratio", c.eagle.downsample_ratio, src, "eagle.");
      read(own["eagle"], "select_layer", c.eagle.select_layer, src, "eagle.");
      read(own["eagle"], "image_token_index", c.eagle.image_token_index, src, "eagle.");
    }
    if (own.contains("mlp1")) read(own["mlp1"], "ln_eps", c.eagle.mlp1_ln_eps, src, "mlp1.");
  } else {
    GROOT_CHECK(c.model_name == "nvidia/Eagle-Block2A-2B-v2", c.source, ": model_name '", c.model_name,
                "' has no built-in backbone configuration and ", dir_str,
                " has no eagle_config.json (only nvidia/Eagle-Block2A-2B-v2 is built in)");
    c.eagle = EagleConfig();  // built-in Eagle-Block2A-2B-v2
  }
  c.validate();
  return c;
}

void save_config(const Gr00tN1d6Config& cfg, const std::string& dir) {
  cfg.validate();
  write_file_atomic(fs::path(dir) / "config.json", cfg.to_json().dump(2) + "\n");
  write_file_atomic(fs::path(dir) / "eagle_config.json", eagle_config_to_json(cfg.eagle).dump(2) + "\n");
}

std::string describe(const Gr00tN1d6Config& c) {
  const auto& v = c.eagle.vision;
  const auto& t = c.eagle.text;
  const auto& d = c.diffusion_model_cfg;
  std::ostringstream os;
  os << "config: " << c.source << "\n";
  os << "backbone: " << c.model_name << "\n";
  os << "  vision (SigLIP2): " << v.num_hidden_layers << " layers, hidden " << v.hidden_size << ", "
     << v.num_attention_heads << " heads x " << v.head_dim() << ", mlp " << v.intermediate_size << ", patch "
     << v.patch_size << ", position grid " << v.position_grid() << "x" << v.position_grid() << "\n";
  os << "  mlp1: LayerNorm(" << c.eagle.mlp1_in_dim() << ") -> " << t.hidden_size << " -> GELU -> " << t.hidden_size
     << " (pixel-unshuffle x2)\n";
  os << "  LLM (Qwen3): " << c.select_layer << " of " << t.num_hidden_layers << " layers kept, hidden "
     << t.hidden_size << ", " << t.num_attention_heads << " q / " << t.num_key_value_heads << " kv heads x "
     << t.head_dim << ", mlp " << t.intermediate_size << ", vocab " << t.vocab_size << ", rope theta "
     << t.rope_theta << "\n";
  os << "  image token id " << c.eagle.image_token_index << "\n";
  os << "action head: DiT " << d.num_layers << " blocks, " << d.num_attention_heads << " heads x "
     << d.attention_head_dim << " (" << d.inner_dim() << "), output " << d.output_dim << ", dropout " << d.dropout
     << (c.use_alternate_vl_dit ? ", alternate VL (text/image every " : ", plain VL (")
     << c.attend_text_every_n_blocks << " blocks)\n";
  os << "  hidden " << c.hidden_size << ", input embedding " << c.input_embedding_dim << ", horizon "
     << c.action_horizon << ", max state/action dim " << c.max_state_dim << "/" << c.max_action_dim
     << ", embodiments " << c.max_num_embodiments << ", inference steps " << c.num_inference_timesteps << "\n";
  os << "tuning: tune_llm=" << c.tune_llm << " tune_visual=" << c.tune_visual
     << " tune_top_llm_layers=" << c.tune_top_llm_layers << " tune_projector=" << c.tune_projector
     << " tune_diffusion_model=" << c.tune_diffusion_model << " tune_vlln=" << c.tune_vlln << "\n";
  return os.str();
}

}  // namespace groot
