// groot inspect CHECKPOINT_DIR: configuration, per-module tensor/parameter counts and dtypes, which
// parameters a fine-tuning recipe trains, memory footprints, and a strict structure check of the
// backbone keys against the configuration (missing / unexpected / mis-shaped).
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "cli/verb.h"
#include "data/safetensors.h"
#include "model/config.h"
#include "model/eagle_backbone.h"
#include "model/trainable.h"
#include "model/weights.h"
#include "train/checkpoint.h"
#include "util/error.h"

namespace {

using namespace groot;

struct Group {
  std::string label;
  int64_t tensors = 0, params = 0, trainable = 0, bytes = 0;
  std::map<std::string, int64_t> dtypes;  // dtype name -> tensors
};

// Module group of a checkpoint key (order of the table).
std::pair<int, std::string> group_of(const std::string& k) {
  auto sw = [&](const char* p) { return k.rfind(p, 0) == 0; };
  if (sw("backbone.model.vision_model.vision_model.head.")) return {1, "backbone vision pooling head (unused)"};
  if (sw("backbone.model.vision_model.")) return {0, "backbone vision (SigLIP2)"};
  if (sw("backbone.model.mlp1.")) return {2, "backbone mlp1 (projector)"};
  if (sw("backbone.model.language_model.model.embed_tokens.")) return {3, "backbone LLM embed_tokens"};
  if (sw("backbone.model.language_model.model.layers.")) return {4, "backbone LLM layers"};
  if (sw("backbone.model.language_model.model.norm.")) return {5, "backbone LLM final norm"};
  if (sw("backbone.model.language_model.lm_head.")) return {6, "backbone LLM lm_head (unused)"};
  if (sw("action_head.state_encoder.")) return {7, "action_head state_encoder"};
  if (sw("action_head.action_encoder.")) return {8, "action_head action_encoder"};
  if (sw("action_head.action_decoder.")) return {9, "action_head action_decoder"};
  if (sw("action_head.position_embedding.")) return {10, "action_head position_embedding"};
  if (sw("action_head.mask_token")) return {11, "action_head mask_token"};
  if (sw("action_head.vlln.")) return {12, "action_head vlln"};
  if (sw("action_head.model.")) return {13, "action_head DiT"};
  return {14, "other"};
}

std::string human(double n) {
  char buf[64];
  if (n >= 1e9) std::snprintf(buf, sizeof buf, "%.3f B", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.3f M", n / 1e6);
  else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.1f k", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

std::string gib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / double(1ull << 30));
  return buf;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

std::unique_ptr<st::Checkpoint> open_weights(const std::string& dir, const std::string& weights) {
  if (!weights.empty()) return std::make_unique<st::Checkpoint>(weights);
  namespace fs = std::filesystem;
  if (st::exists((fs::path(dir) / "model.safetensors").string()) || fs::exists(fs::path(dir) / "model.safetensors.index.json"))
    return std::make_unique<st::Checkpoint>(dir);
  if (st::exists((fs::path(dir) / "weights.safetensors").string()))  // golden layout
    return std::make_unique<st::Checkpoint>((fs::path(dir) / "weights.safetensors").string());
  fail("checkpoint folder ", dir, " has no model.safetensors, model.safetensors.index.json or weights.safetensors");
}

int run(int argc, char** argv) {
  CLI::App app{"Show a GR00T N1.6 checkpoint: configuration, parameters per module, dtypes, trainable set",
               "groot inspect"};
  std::string dir, weights;
  bool tune_llm = false, tune_visual = false, tune_projector = true, tune_dit = true, tune_vlln = true;
  int64_t top_layers = 0;
  bool list_keys = false;
  app.add_option("checkpoint", dir, "checkpoint folder (config.json + safetensors)")->required();
  app.add_option("--weights", weights, "safetensors file or folder [default: the checkpoint folder]");
  const std::string ckpt_default = " [default: from the checkpoint]";
  auto* o_llm = app.add_flag("--tune-llm,!--no-tune-llm", tune_llm, "recipe: train the whole LLM" + ckpt_default);
  auto* o_vis = app.add_flag("--tune-visual,!--no-tune-visual", tune_visual,
                             "recipe: train SigLIP2 + mlp1" + ckpt_default);
  auto* o_prj = app.add_flag("--tune-projector,!--no-tune-projector", tune_projector,
                             "recipe: train state/action encoders, decoder, position embedding" + ckpt_default);
  auto* o_dit = app.add_flag("--tune-diffusion-model,!--no-tune-diffusion-model", tune_dit,
                             "recipe: train the DiT" + ckpt_default);
  auto* o_vln = app.add_flag("--tune-vlln,!--no-tune-vlln", tune_vlln, "recipe: train vlln" + ckpt_default);
  auto* o_top = app.add_option("--tune-top-llm-layers", top_layers,
                               "recipe: train the top N kept LLM layers" + ckpt_default)
                    ->check(cli::at_least(0));
  app.add_flag("--keys", list_keys, "list every tensor: name, shape, dtype, trainable");
  app.footer(
      "Recipe flags default to the checkpoint's config.json values.\n"
      "Examples:\n  groot inspect checkpoints/GR00T-N1.6-3B\n"
      "  groot inspect ckpt --tune-top-llm-layers 0 --no-tune-projector --keys\n");
  return cli::run_app(app, argc, argv, [&] {
    Gr00tN1d6Config cfg = load_config(dir);
    if (o_llm->count()) cfg.tune_llm = tune_llm;
    if (o_vis->count()) cfg.tune_visual = tune_visual;
    if (o_prj->count()) cfg.tune_projector = tune_projector;
    if (o_dit->count()) cfg.tune_diffusion_model = tune_dit;
    if (o_vln->count()) cfg.tune_vlln = tune_vlln;
    if (o_top->count()) cfg.tune_top_llm_layers = top_layers;
    cfg.validate();
    auto ckpt = open_weights(dir, weights);
    const TuneRecipe recipe = TuneRecipe::from_config(cfg);

    std::printf("%s", describe(cfg).c_str());
    std::map<int, Group> groups;
    std::map<std::string, int64_t> dtype_tensors;
    int64_t total = 0, total_bytes = 0, trainable = 0, used = 0, n_tensors = 0;
    std::vector<std::string> key_lines;
    for (const auto& name : ckpt->names()) {
      const auto& v = ckpt->at(name);
      auto [order, label] = group_of(name);
      Group& g = groups[order];
      g.label = label;
      const bool ignored = is_ignored_checkpoint_key(name);
      const bool tr = !ignored && recipe_trains(name, recipe);
      g.tensors += 1;
      g.params += v.numel();
      g.bytes += int64_t(v.nbytes);
      g.dtypes[st::dtype_name(v.dtype)] += 1;
      if (tr) g.trainable += v.numel();
      dtype_tensors[st::dtype_name(v.dtype)] += 1;
      total += v.numel();
      total_bytes += int64_t(v.nbytes);
      if (tr) trainable += v.numel();
      if (!ignored) used += v.numel();
      n_tensors += 1;
      if (list_keys)
        key_lines.push_back(name + "  " + shape_str(v.shape) + "  " + st::dtype_name(v.dtype) +
                            (ignored ? "  (unused)" : tr ? "  trainable" : ""));
    }
    std::printf("\nweights: %s (%zu file(s)), %lld tensors, %s parameters, dtypes:", ckpt->path().c_str(),
                ckpt->num_files(), (long long)n_tensors, human(double(total)).c_str());
    for (auto& [d, n] : dtype_tensors) std::printf(" %s x%lld", d.c_str(), (long long)n);
    std::printf("\n\n%-40s %8s %12s %12s  %s\n", "module", "tensors", "params", "trainable", "dtypes");
    for (auto& [order, g] : groups) {
      std::string dts;
      for (auto& [d, n] : g.dtypes) dts += (dts.empty() ? "" : ", ") + d + " x" + std::to_string(n);
      std::printf("%-40s %8lld %12s %12s  %s\n", g.label.c_str(), (long long)g.tensors, human(double(g.params)).c_str(),
                  human(double(g.trainable)).c_str(), dts.c_str());
    }
    std::printf("%-40s %8lld %12s %12s\n", "total", (long long)n_tensors, human(double(total)).c_str(),
                human(double(trainable)).c_str());
    std::printf("\nrecipe: tune_llm=%d tune_visual=%d tune_top_llm_layers=%lld (LLM layers %lld..%lld) "
                "tune_projector=%d tune_diffusion_model=%d tune_vlln=%d\n",
                int(cfg.tune_llm), int(cfg.tune_visual), (long long)cfg.tune_top_llm_layers,
                (long long)cfg.first_tuned_llm_layer(), (long long)cfg.select_layer - 1, int(cfg.tune_projector),
                int(cfg.tune_diffusion_model), int(cfg.tune_vlln));
    std::printf("trainable: %s of %s used parameters (%.1f%%)\n", human(double(trainable)).c_str(),
                human(double(used)).c_str(), used ? 100.0 * double(trainable) / double(used) : 0.0);
    const double frozen = double(used - trainable);
    std::printf("memory: stored %s; bf16 inference weights %s; training weights+grads+AdamW "
                "(frozen bf16, trainable fp32 master+grad+2 moments) %s\n",
                gib(double(total_bytes)).c_str(), gib(2.0 * double(used)).c_str(),
                gib(2.0 * frozen + 16.0 * double(trainable)).c_str());

    // Strict structure check of the backbone keys against the configuration (shape-only build).
    EagleBackbone meta(cfg, torch::TensorOptions().device(torch::kMeta));
    std::vector<std::string> problems;
    std::set<std::string> expected;
    for (auto& item : meta->named_parameters()) {
      const std::string k = "backbone." + item.key();
      expected.insert(k);
      const auto* v = ckpt->find(k);
      if (!v) problems.push_back("missing " + k + " " + shape_str(item.value().sizes().vec()));
      else if (v->shape != item.value().sizes().vec())
        problems.push_back("mis-shaped " + k + ": checkpoint " + shape_str(v->shape) + ", config " +
                           shape_str(item.value().sizes().vec()));
    }
    for (const auto& name : ckpt->names())
      if (name.rfind("backbone.", 0) == 0 && !expected.count(name) && !is_ignored_checkpoint_key(name))
        problems.push_back("unexpected " + name);
    if (problems.empty()) {
      std::printf("backbone structure: OK (%zu keys match the configuration)\n", expected.size());
    } else {
      std::printf("backbone structure: %zu problem(s)\n", problems.size());
      for (size_t i = 0; i < problems.size() && i < 50; ++i) std::printf("  %s\n", problems[i].c_str());
    }
    std::printf("%s", train::describe_training(dir).c_str());
    if (list_keys) {
      std::printf("\n");
      for (auto& l : key_lines) std::printf("%s\n", l.c_str());
    }
    if (!problems.empty())
      fail("checkpoint ", ckpt->path(), " does not match its configuration (", problems.size(), " backbone key problem(s))");
    return 0;
  });
}

}  // namespace

GROOT_VERB(inspect, 60, "show a checkpoint: config, parameters per module, dtypes, trainable set", run);
