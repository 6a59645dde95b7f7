// Gr00tN1d6 model configuration: the upstream checkpoint's config.json (Gr00tN1d6Config) plus the
// Eagle-Block2A-2B-v2 backbone values (SigLIP2 vision + Qwen3 text), so the tiny golden model and the
// real nvidia/GR00T-N1.6-3B run the same code. All sizes of every module come from here.
//
// load_config(dir) reads, from a checkpoint folder:
//   model  : config.json in upstream format (model_type "Gr00tN1d6" / has diffusion_model_cfg), else
//            upstream_config_gr00t_n1d6.json (golden layout), else the golden's own config.json format
//            (sections "groot", "vision_siglip2", "llm_qwen3", "eagle").
//   eagle  : eagle_config.json (written by save_config), else upstream_config_eagle.json (golden),
//            else the golden's own config.json sections, else the built-in Eagle-Block2A-2B-v2 values
//            (upstream checkpoints carry no Eagle config: it lives in the Isaac-GR00T repo).
// Unknown keys are kept verbatim in `raw` and written back by save_config (config.json stays loadable
// by upstream Python). Unsupported settings (SigLIP2 rope / window attention, rope scaling, another
// downsample ratio, ...) are rejected with a groot::Error naming the file and field.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace groot {

struct SiglipVisionConfig {     // Eagle vision_config (model_type siglip2_vision_model)
  int64_t hidden_size = 1152;
  int64_t num_hidden_layers = 27;
  int64_t num_attention_heads = 16;  // head_dim = hidden_size / num_attention_heads (72)
  int64_t intermediate_size = 4304;
  int64_t patch_size = 14;
  int64_t num_patches = 256;  // learned position grid side = sqrt(num_patches) (16)
  int64_t num_channels = 3;
  double layer_norm_eps = 1e-6;
  std::string hidden_act = "gelu_pytorch_tanh";
  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  int64_t position_grid() const;  // sqrt(num_patches)
};

struct Qwen3Config {  // Eagle text_config (Qwen3ForCausalLM)
  int64_t vocab_size = 151680;
  int64_t hidden_size = 2048;
  int64_t intermediate_size = 6144;
  int64_t num_hidden_layers = 28;  // as configured; only select_layer of them are built
  int64_t num_attention_heads = 16;
  int64_t num_key_value_heads = 8;
  int64_t head_dim = 128;
  double rms_norm_eps = 1e-6;
  double rope_theta = 1e6;
  int64_t max_position_embeddings = 40960;
  bool tie_word_embeddings = true;
  std::string hidden_act = "silu";
};

struct EagleConfig {
  SiglipVisionConfig vision;
  Qwen3Config text;
  double downsample_ratio = 0.5;  // pixel-unshuffle x2
  int64_t select_layer = -1;      // vision: last hidden state
  int64_t image_token_index = 151669;  // <IMG_CONTEXT>
  int64_t mlp_connector_layers = 2;
  double mlp1_ln_eps = 1e-5;
  // mlp1 input width: vision hidden * (1/downsample_ratio)^2 (4608)
  int64_t mlp1_in_dim() const { return vision.hidden_size * 4; }
};

struct DiTConfig {  // diffusion_model_cfg
  int64_t num_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t attention_head_dim = 48;
  int64_t output_dim = 1024;
  double dropout = 0.2;
  bool final_dropout = true;
  std::string norm_type = "ada_norm";
  bool interleave_self_attention = true;
  std::string positional_embeddings;  // "" = null
  int64_t inner_dim() const { return num_attention_heads * attention_head_dim; }
};

struct Gr00tN1d6Config {
  // --- backbone ---
  std::string model_name = "nvidia/Eagle-Block2A-2B-v2";
  std::string backbone_model_type = "eagle";
  int64_t select_layer = 16;         // LLM layers kept
  int64_t backbone_embedding_dim = 2048;
  bool tune_llm = false;
  bool tune_visual = false;
  int64_t tune_top_llm_layers = 4;
  bool backbone_trainable_params_fp32 = true;
  bool load_bf16 = true;
  bool use_flash_attention = true;
  bool reproject_vision = false;
  std::string model_dtype = "bfloat16";
  // --- action head ---
  int64_t max_state_dim = 128;
  int64_t max_action_dim = 128;
  int64_t action_horizon = 50;
  int64_t hidden_size = 1024;
  int64_t input_embedding_dim = 1536;
  bool add_pos_embed = true;
  bool use_vlln = true;
  int64_t max_seq_len = 1024;
  bool use_alternate_vl_dit = true;
  int64_t attend_text_every_n_blocks = 2;
  DiTConfig diffusion_model_cfg;
  int64_t num_inference_timesteps = 4;
  double noise_beta_alpha = 1.5;
  double noise_beta_beta = 1.0;
  double noise_s = 0.999;
  int64_t num_timestep_buckets = 1000;
  bool tune_projector = true;
  bool tune_diffusion_model = true;
  bool tune_vlln = true;
  double state_dropout_prob = 0.0;
  double state_additive_noise_scale = 0.0;
  int64_t max_num_embodiments = 32;
  double attn_dropout = 0.2;
  // --- processor-side values stored in the model config ---
  bool formalize_language = true;
  bool apply_sincos_state_encoding = true;
  bool use_relative_action = true;
  int64_t shortest_image_edge = 256;
  double crop_fraction = 0.95;
  bool use_albumentations_transforms = true;

  EagleConfig eagle;
  nlohmann::json raw = nlohmann::json::object();  // the model config as read (unknown keys kept)
  std::string source;                              // where it was read from (for messages)

  int64_t llm_layers() const { return select_layer; }
  // First LLM layer index trained by tune_top_llm_layers (== llm_layers() when none).
  int64_t first_tuned_llm_layer() const;
  // Checks internal consistency; throws groot::Error naming `source` and the field.
  void validate() const;
  // The config.json object upstream would write (raw + every known field).
  nlohmann::json to_json() const;
};

// The released nvidia/GR00T-N1.6-3B values (reference §2, §3, §4.3).
Gr00tN1d6Config default_3b_config();

// See the header comment for the lookup order. Throws groot::Error on missing/invalid files.
Gr00tN1d6Config load_config(const std::string& checkpoint_dir);
// Parses an upstream Gr00tN1d6Config object (missing keys keep the 3B defaults).
Gr00tN1d6Config config_from_json(const nlohmann::json& j, const std::string& source);
// Parses an Eagle3_VLConfig object (vision_config, text_config, ...).
EagleConfig eagle_config_from_json(const nlohmann::json& j, const std::string& source);
nlohmann::json eagle_config_to_json(const EagleConfig& e);
// Writes config.json (upstream format) and eagle_config.json into `dir` (atomic writes).
void save_config(const Gr00tN1d6Config& cfg, const std::string& dir);
// Human-readable multi-line summary (groot inspect).
std::string describe(const Gr00tN1d6Config& cfg);

}  // namespace groot
