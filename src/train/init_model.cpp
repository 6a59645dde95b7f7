#include "train/init_model.h"

#include <cstdlib>
#include <filesystem>

#include "model/build.h"
#include "processor/processor_files.h"
#include "model/weights.h"
#include "train/checkpoint.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::train {

Gr00tN1d6Config preset_config(const std::string& preset) {
  Gr00tN1d6Config c = default_3b_config();
  if (preset == "3b" || preset == "3B") return c;
  GROOT_CHECK(preset == "tiny", "--preset: unknown preset '", preset, "' (expected tiny or 3b)");
  // tests/golden/tiny_v1 (same structure as the 3B, small widths).
  c.backbone_embedding_dim = 64;
  c.hidden_size = 48;
  c.input_embedding_dim = 32;
  c.select_layer = 2;
  c.tune_top_llm_layers = 1;
  c.attn_dropout = 0.0;
  c.diffusion_model_cfg.num_layers = 4;
  c.diffusion_model_cfg.num_attention_heads = 4;
  c.diffusion_model_cfg.attention_head_dim = 8;
  c.diffusion_model_cfg.output_dim = 48;
  c.diffusion_model_cfg.dropout = 0.0;
  auto& v = c.eagle.vision;
  v.hidden_size = 32;
  v.intermediate_size = 64;
  v.num_hidden_layers = 2;
  v.num_attention_heads = 2;
  auto& t = c.eagle.text;
  t.hidden_size = 64;
  t.intermediate_size = 128;
  t.num_hidden_layers = 4;
  t.num_attention_heads = 4;
  t.num_key_value_heads = 2;
  t.head_dim = 16;
  c.validate();
  return c;
}

int64_t init_model(const InitModelOptions& opt) {
  GROOT_CHECK(!opt.output.empty(), "--output is required");
  auto cfg = preset_config(opt.preset);
  cfg.source = "groot init-model --preset " + opt.preset;
  StagingDir stage(opt.output, opt.overwrite);
  BuildOptions bo;
  bo.training = false;
  bo.frozen_dtype = torch::kBFloat16;
  bo.compute_dtype = torch::kBFloat16;
  auto m = build_model(cfg, bo);
  init_random_(*m, opt.seed);
  // The tensors upstream checkpoints carry but the model does not use (vision pooling head, lm_head).
  NamedTensors extra;
  {
    torch::NoGradGuard ng;
    auto gen = at::detail::createCPUGenerator(opt.seed + 1);
    for (const auto& [name, shape] : ignored_checkpoint_keys(cfg)) {
      torch::Tensor t;
      if (name == "backbone.model.language_model.lm_head.weight") {
        t = m->backbone->model->language_model->model->embed_tokens->weight.detach().clone();  // tied
      } else if (shape.size() >= 2) {
        t = at::normal(0.0, 0.02, shape, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(torch::kBFloat16);
      } else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
        t = torch::zeros(shape, torch::kBFloat16);
      } else {
        t = torch::ones(shape, torch::kBFloat16);
      }
      extra.emplace_back(name, t);
    }
  }
  FolderContent c;
  c.config = cfg;
  c.weights = model_tensors(*m, extra);
  c.max_shard_bytes = opt.max_shard_bytes;
  procfiles::ProcessorConfig pc;
  pc.max_state_dim = int(cfg.max_state_dim);
  pc.max_action_dim = int(cfg.max_action_dim);
  pc.max_action_horizon = int(cfg.action_horizon);
  c.files["processor_config.json"] = procfiles::processor_config_json(pc);
  c.files["statistics.json"] = procfiles::statistics_json(proc::Statistics{});
  c.files["embodiment_id.json"] = embodiment::embodiment_ids_json(embodiment::EmbodimentMapping::defaults());
  write_folder(stage.path(), c);
  stage.commit();
  int64_t n = 0;
  for (const auto& [k, t] : c.weights) n += t.numel();
  return n;
}

std::string resolve_base_model(const std::string& p) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(p, ec)) return p;
  const auto slash = p.find('/');
  const bool hub_id = slash != std::string::npos && slash > 0 && slash + 1 < p.size() &&
                      p.find('/', slash + 1) == std::string::npos && p[0] != '.';
  GROOT_CHECK(hub_id, "--base-model-path: ", p, " is not a folder (and not a hub id like nvidia/GR00T-N1.6-3B)");
  std::vector<fs::path> hubs;
  auto env = [](const char* k) -> std::string {
    const char* v = std::getenv(k);
    return v && *v ? v : "";
  };
  if (!env("HF_HUB_CACHE").empty()) hubs.push_back(env("HF_HUB_CACHE"));
  if (!env("HUGGINGFACE_HUB_CACHE").empty()) hubs.push_back(env("HUGGINGFACE_HUB_CACHE"));
  if (!env("HF_HOME").empty()) hubs.push_back(fs::path(env("HF_HOME")) / "hub");
  if (!env("XDG_CACHE_HOME").empty()) hubs.push_back(fs::path(env("XDG_CACHE_HOME")) / "huggingface" / "hub");
  if (!env("HOME").empty()) hubs.push_back(fs::path(env("HOME")) / ".cache" / "huggingface" / "hub");
  const std::string repo = "models--" + p.substr(0, slash) + "--" + p.substr(slash + 1);
  std::string looked;
  for (const auto& h : hubs) {
    const fs::path base = h / repo;
    looked += "\n  " + (base / "snapshots").string();
    if (!fs::is_directory(base / "snapshots", ec)) continue;
    if (fs::exists(base / "refs" / "main")) {
      std::string rev = read_file(base / "refs" / "main");
      while (!rev.empty() && (rev.back() == '\n' || rev.back() == '\r' || rev.back() == ' ')) rev.pop_back();
      if (fs::is_directory(base / "snapshots" / rev, ec)) return (base / "snapshots" / rev).string();
    }
    fs::path best;
    fs::file_time_type best_t{};
    for (const auto& e : fs::directory_iterator(base / "snapshots", ec)) {
      if (!e.is_directory()) continue;
      auto t = fs::last_write_time(e.path(), ec);
      if (best.empty() || t > best_t) {
        best = e.path();
        best_t = t;
      }
    }
    if (!best.empty()) return best.string();
  }
  fail("--base-model-path: ", p, " is not a folder and is not in the Hugging Face cache. Looked in:", looked,
       "\ngroot does not download models: fetch it first (huggingface-cli download ", p,
       ") or pass the model folder");
}

}  // namespace groot::train
