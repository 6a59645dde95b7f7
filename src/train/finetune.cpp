#include "train/finetune.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "model/build.h"
#include "data/modality_config.h"
#include "model/device.h"
#include "processor/processor_files.h"
#include "train/init_model.h"
#include "train/training_data.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::train {

namespace {

namespace fs = std::filesystem;

// The data helper's stream of collated batches as micro-batches.
class TrainingDataStream : public BatchStream {
 public:
  explicit TrainingDataStream(TrainingData& d) : d_(d) {}
  MicroBatch next() override {
    auto b = d_.next_batch();
    MicroBatch mb;
    mb.bin = b.backbone;
    mb.ain = b.action;
    return mb;
  }
  nlohmann::json state() const override { return nlohmann::json::parse(d_.state().to_json().dump()); }
  void set_state(const nlohmann::json& s) override {
    d_.set_state(data::SamplerState::from_json(nlohmann::ordered_json::parse(s.dump()), "trainer_resume.json: data"));
  }
  double wait_seconds() const override { return d_.wait_seconds(); }

 private:
  TrainingData& d_;
};

void check_inputs(const FinetuneConfig& c, const std::string& base) {
  const fs::path b(base);
  GROOT_CHECK(fs::exists(b / "config.json"), "--base-model-path ", base, ": no config.json (not a GR00T model folder)");
  GROOT_CHECK(fs::exists(b / "model.safetensors.index.json") || st::exists((b / "model.safetensors").string()),
              "--base-model-path ", base, ": no model.safetensors.index.json or model.safetensors");
  GROOT_CHECK(fs::is_directory(c.dataset_path), "--dataset-path ", c.dataset_path, " is not a folder");
  for (const char* f : {"meta/info.json", "meta/modality.json"})
    GROOT_CHECK(fs::exists(fs::path(c.dataset_path) / f), "--dataset-path ", c.dataset_path, ": missing ", f,
                " (a LeRobot v2 dataset from groot convert)");
  if (c.modality_config_path)
    GROOT_CHECK(fs::is_regular_file(*c.modality_config_path), "--modality-config-path ", *c.modality_config_path,
                " does not exist");
  std::error_code ec;
  fs::create_directories(c.output_dir, ec);
  GROOT_CHECK(!ec && ::access(c.output_dir.c_str(), W_OK) == 0, "--output-dir ", c.output_dir,
              " cannot be created or is not writable", ec ? ": " + ec.message() : std::string());
}

nlohmann::json fingerprint(const FinetuneConfig& c) {
  nlohmann::json f;
  for (const char* k : {"base_model_path", "dataset_path", "embodiment_tag", "modality_config_path", "tune_llm",
                        "tune_visual", "tune_projector", "tune_diffusion_model", "state_dropout_prob",
                        "random_rotation_angle", "color_jitter_params", "global_batch_size", "learning_rate",
                        "gradient_accumulation_steps", "max_steps", "weight_decay", "warmup_ratio", "shard_size",
                        "episode_sampling_rate", "num_shards_per_epoch", "optim", "seed", "dataloader_num_workers"})
    f[k] = c.to_json()[k];
  return f;
}

}  // namespace

LoopResult run_finetune(const FinetuneConfig& c) {
  // --- 1. inputs, before anything heavy ---
  const std::string base = resolve_base_model(c.base_model_path);
  check_inputs(c, base);
  const auto device = parse_device(c.device);

  // --- 2. model configuration: the base's, with this run's tune flags ---
  Gr00tN1d6Config mcfg = load_config(base);
  mcfg.tune_llm = c.tune_llm;
  mcfg.tune_visual = c.tune_visual;
  mcfg.tune_projector = c.tune_projector;
  mcfg.tune_diffusion_model = c.tune_diffusion_model;
  mcfg.state_dropout_prob = c.state_dropout_prob;
  mcfg.backbone_trainable_params_fp32 = true;
  mcfg.use_relative_action = true;
  mcfg.validate();

  // --- 3. data ---
  TrainingDataConfig dc;
  auto& so = dc.samples;
  so.dataset_paths = {c.dataset_path};
  so.modality_config_path = c.modality_config_path ? *c.modality_config_path : "";
  so.embodiment_tag = c.embodiment_tag;
  so.base_model_path = base;
  so.override_pretraining_statistics = c.override_pretraining_statistics;
  so.batch_size = int(c.per_device_batch());
  so.num_workers = int(c.dataloader_num_workers);
  so.shard_size = c.shard_size;
  so.episode_sampling_rate = c.episode_sampling_rate;
  so.num_shards_per_epoch = c.num_shards_per_epoch;
  so.seed = uint64_t(c.seed);
  if (c.random_rotation_angle) so.random_rotation_angle = double(*c.random_rotation_angle);
  if (c.color_jitter_params) {
    img::ColorJitterParams j;
    for (const auto& [k, v] : *c.color_jitter_params) {
      if (k == "brightness") j.brightness = v;
      else if (k == "contrast") j.contrast = v;
      else if (k == "saturation") j.saturation = v;
      else if (k == "hue") j.hue = v;
    }
    so.color_jitter = j;
  }
  dc.device = device;
  BuildOptions bo;
  bo.device = device;
  bo.recompute = c.gradient_checkpointing;
  bo.seed = uint64_t(c.seed);
  dc.pixel_dtype = bo.compute();
  auto data = open_training_data(dc);

  // --- 4. model ---
  std::printf("finetune: base %s, dataset %s, embodiment %s, device %s\n", base.c_str(), c.dataset_path.c_str(),
              c.embodiment_tag.c_str(), device.str().c_str());
  PretrainedReport rep;
  bo.keep_skipped = true;
  auto model = load_pretrained(base, mcfg, bo, &rep);

  // --- 5. trainer ---
  TrainerOptions to;
  to.learning_rate = c.learning_rate;
  to.max_steps = c.max_steps;
  to.warmup_ratio = c.warmup_ratio;
  to.max_grad_norm = 1.0;
  to.adam.kind = parse_optim(c.optim);
  to.adam.weight_decay = c.weight_decay;
  to.seed = uint64_t(c.seed);
  Trainer trainer(model, to);
  int64_t n_train = 0, n_all = 0;
  for (auto& p : model->parameters()) {
    n_all += p.numel();
    if (p.requires_grad()) n_train += p.numel();
  }
  std::printf("finetune: %.3f B of %.3f B parameters trained (fp32), optimizer %s (%.2f GiB of states), "
              "recompute %s, batch %lld x %lld accumulation, %lld steps (warmup %lld)\n",
              n_train / 1e9, n_all / 1e9, c.optim.c_str(), trainer.optimizer().state_bytes() / 1073741824.0,
              c.gradient_checkpointing ? "on" : "off", (long long)c.per_device_batch(),
              (long long)c.gradient_accumulation_steps, (long long)c.max_steps, (long long)trainer.warmup());

  // --- 6. processor files + experiment_cfg ---
  procfiles::ProcessorFiles pf = procfiles::load_processor_files(base);
  {
    // The run's modality config joins the base's (replacing the tag if present), through upstream's
    // JSON schema; the augmentation overrides and use_relative_action as launch_finetune sets them.
    auto pj = nlohmann::ordered_json::parse(procfiles::processor_config_json(pf.config));
    auto& kw = pj["processor_kwargs"];
    // processor_config.json nests {tag: {video, state, action, language}}: the tag is the key, not a field.
    auto mc = data::modality_config_to_json(data->samples().modality_config());
    mc.erase("embodiment_tag");
    kw["modality_configs"][c.embodiment_tag] = std::move(mc);
    pf.config = procfiles::parse_processor_config(pj.dump(), "processor config of " + base);
    if (so.random_rotation_angle) pf.config.random_rotation_angle = so.random_rotation_angle;
    if (so.color_jitter) pf.config.color_jitter_params = so.color_jitter;
    pf.config.use_relative_action = true;
    pf.statistics = data->samples().statistics();
    pf.embodiment_ids.fill_missing_from_table();
  }
  const std::string proc_json = procfiles::processor_config_json(pf.config);
  const std::string stats_json = procfiles::statistics_json(pf.statistics);
  const std::string ids_json = embodiment::embodiment_ids_json(pf.embodiment_ids);
  const std::string run_json = c.to_json().dump(2) + "\n";
  NamedTensors extra = rep.load.skipped_tensors;

  LoopOptions lo;
  lo.output_dir = c.output_dir;
  lo.micro_steps = c.gradient_accumulation_steps;
  lo.save_steps = c.save_steps;
  lo.save_total_limit = c.save_total_limit;
  lo.logging_steps = c.logging_steps;
  lo.train_batch_size = c.per_device_batch();
  lo.fingerprint = fingerprint(c);
  lo.folder = [&] {
    FolderContent fc;
    fc.config = mcfg;
    fc.weights = extra;
    fc.files["processor_config.json"] = proc_json;
    fc.files["statistics.json"] = stats_json;
    fc.files["embodiment_id.json"] = ids_json;
    fc.files["experiment_cfg/finetune_config.json"] = run_json;
    fc.files["experiment_cfg/final_model_config.json"] = mcfg.to_json().dump(2) + "\n";
    fc.files["experiment_cfg/final_processor_config.json"] = proc_json;
    fc.files["experiment_cfg/dataset_statistics.json"] = stats_json;
    return fc;
  };
  TrainingDataStream stream(*data);
  auto res = run_training(trainer, stream, lo);

  // --- summary ---
  if (res.interrupted) {
    std::printf("finetune: interrupted at step %lld; checkpoint saved, run the same command to resume\n",
                (long long)res.end_step);
  } else if (res.steps.empty()) {
    std::printf("finetune: already complete (%lld steps) in %s\n", (long long)res.end_step, c.output_dir.c_str());
  } else {
    const auto& last = res.steps.back();
    std::printf("finetune: done, %lld steps (%lld this run) in %.1f s, last loss %.4f; model in %s\n",
                (long long)res.end_step, (long long)(res.end_step - res.start_step), res.seconds, last.loss,
                c.output_dir.c_str());
  }
  if (device.is_cuda() && res.peak_gpu_bytes > 0)
    std::printf("finetune: peak GPU memory %.2f GiB (%s)\n", res.peak_gpu_bytes / 1073741824.0,
                res.peak_gpu_is_allocator ? "allocated by tensors" : "device used, driver view");
  return res;
}

}  // namespace groot::train
