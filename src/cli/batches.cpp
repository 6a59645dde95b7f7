// groot batches DATASET...: dump training batches exactly as training sees them (processor/train_samples.h
// + data/sampler.h), with upstream's key names, to a safetensors file anyone can check against the
// parquet files.
#include <cstdio>
#include <cstring>

#include "cli/flags.h"
#include "cli/verb.h"
#include "data/safetensors.h"
#include "data/sampler.h"
#include "processor/train_samples.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

using namespace groot;

int run(int argc, char** argv) {
  CLI::App app{"Write collated training batches (upstream key names + sample_episode / sample_step) to safetensors",
               "groot batches"};
  proc::TrainDataOptions o;
  o.quiet = true;
  std::string out, state_in, state_out;
  int64_t count = 1;
  bool images = true;
  double rotation = 0;
  std::vector<double> jitter;
  app.add_option("dataset", o.dataset_paths, "LeRobot v2 dataset folder(s)")->required();
  app.add_option("--modality-config,--modality-config-path", o.modality_config_path,
                 "modality config (.py as upstream's, .yaml, .json) [default: derived from meta/modality.json]");
  app.add_option("--embodiment-tag", o.embodiment_tag, "embodiment tag, any case (e.g. NEW_EMBODIMENT) [default: the modality config's own tag]");
  app.add_option("--out", out, "output .safetensors file")->required();
  app.add_option("--count", count, "number of batches")->check(cli::in_range(1, 100000));
  app.add_option("--batch-size", o.batch_size, "samples per batch (per-device batch)")->check(cli::in_range(1, 1 << 20));
  app.add_option("--seed", o.seed, "data seed (upstream DataConfig.seed)");
  app.add_option("--base-model-path", o.base_model_path,
                 "checkpoint folder whose processor files (statistics, embodiment ids, image settings) apply [default: none: the dataset's statistics]");
  app.add_option("--dataset-weights", o.dataset_weights, "mixture weight per dataset [default: 1 each]");
  app.add_option("--dataloader-num-workers", o.num_workers, "DataLoader workers (they set the sample order)")
      ->check(cli::in_range(0, 1024));
  app.add_option("--shard-size", o.shard_size, "steps per shard")->check(cli::at_least(1));
  app.add_option("--episode-sampling-rate", o.episode_sampling_rate, "fraction of an episode's steps per split")
      ->check(cli::in_range(1e-9, 1));
  app.add_option("--num-shards-per-epoch", o.num_shards_per_epoch, "shards drawn per epoch")->check(cli::at_least(1));
  app.add_option("--rank", o.rank, "data-parallel rank")->check(cli::at_least(0));
  app.add_option("--world-size", o.world_size, "data-parallel ranks")->check(cli::at_least(1));
  app.add_option("--random-rotation-angle", rotation, "train rotation limit in degrees [default: the checkpoint's]");
  app.add_option("--color-jitter", jitter, "brightness contrast saturation hue [default: the checkpoint's]")
      ->expected(4);
  app.add_flag("!--no-images", images, "leave out pixel_values (faster)");
  app.add_flag("!--no-frame-cache", o.frame_cache, "decode mp4 frames per sample instead of the frame cache");
  app.add_option("--cache-dir", o.cache_dir, "frame cache folder [default: DATASET/.groot_frames]");
  app.add_option("--sampler-state", state_in, "start from this sampler state (JSON written by --save-sampler-state) [default: none: the start]");
  app.add_option("--save-sampler-state", state_out, "write the sampler state after the last batch (JSON) [default: none]");
  app.footer(
      "Tensors per batch k: batch_k.state [B,1,128], batch_k.action / batch_k.action_mask [B,50,128],\n"
      "batch_k.embodiment_id [B], batch_k.input_ids / batch_k.attention_mask [B,L] (left-padded),\n"
      "batch_k.pixel_values [B*T*V,3,H,W] (train transforms on the CPU, bit-identical to the GPU path),\n"
      "batch_k.image_sizes [B*T*V,2], batch_k.sample_episode / sample_step / sample_dataset [B].\n\n"
      "Examples:\n"
      "  groot batches datasets/mcx --modality-config franka_mcx_config.py --embodiment-tag NEW_EMBODIMENT \\\n"
      "      --count 4 --out batches.safetensors\n");
  return cli::run_app(app, argc, argv, [&] {
    if (app.count("--random-rotation-angle")) o.random_rotation_angle = rotation;
    if (!jitter.empty()) o.color_jitter = img::ColorJitterParams{jitter[0], jitter[1], jitter[2], jitter[3]};
    if (o.dataset_weights.empty()) o.dataset_weights.clear();
    proc::TrainSamples ts(o);
    data::MixtureSampler sampler(ts.mixture_config());
    if (!state_in.empty())
      sampler.set_state(data::SamplerState::from_json(data::ojson::parse(read_file(state_in)), state_in));
    auto cache = proc::make_episode_cache();
    std::vector<std::vector<uint8_t>> keep;  // tensor bytes alive until written
    std::vector<st::WriteTensor> tensors;
    auto add = [&](const std::string& name, st::DType dt, std::vector<int64_t> shape, const void* src, size_t bytes) {
      keep.emplace_back(static_cast<const uint8_t*>(src), static_cast<const uint8_t*>(src) + bytes);
      tensors.push_back({name, dt, std::move(shape), keep.back().data(), bytes});
    };
    for (int64_t k = 0; k < count; ++k) {
      int64_t index = sampler.state().batches;
      proc::HostBatch b = ts.make_batch(sampler.next_batch(), index, *cache);
      std::string p = "batch_" + std::to_string(k) + ".";
      const int64_t B = b.batch;
      add(p + "state", st::DType::F32, {B, b.state_steps, b.state_dim}, b.state.data(), b.state.size() * 4);
      add(p + "action", st::DType::F32, {B, b.action_horizon, b.action_dim}, b.action.data(), b.action.size() * 4);
      add(p + "action_mask", st::DType::F32, {B, b.action_horizon, b.action_dim}, b.action_mask.data(),
          b.action_mask.size() * 4);
      add(p + "embodiment_id", st::DType::I64, {B}, b.embodiment_id.data(), size_t(B) * 8);
      add(p + "input_ids", st::DType::I64, {B, b.seq_len}, b.input_ids.data(), b.input_ids.size() * 8);
      add(p + "attention_mask", st::DType::I64, {B, b.seq_len}, b.attention_mask.data(), b.attention_mask.size() * 8);
      add(p + "sample_dataset", st::DType::I64, {B}, b.sample_dataset.data(), size_t(B) * 8);
      add(p + "sample_episode", st::DType::I64, {B}, b.sample_episode.data(), size_t(B) * 8);
      add(p + "sample_step", st::DType::I64, {B}, b.sample_step.data(), size_t(B) * 8);
      if (!b.images.empty()) {
        std::vector<int64_t> sizes;
        for (const auto& im : b.images) {
          sizes.push_back(im.out_h);
          sizes.push_back(im.out_w);
        }
        add(p + "image_sizes", st::DType::I64, {int64_t(b.images.size()), 2}, sizes.data(), sizes.size() * 8);
        if (images) {
          bool same = true;
          for (const auto& im : b.images) same = same && im.out_h == b.images[0].out_h && im.out_w == b.images[0].out_w;
          std::vector<float> all;
          for (size_t i = 0; i < b.images.size(); ++i) {
            const proc::HostImage& im = b.images[i];
            img::Pixels px = img::preprocess_train(img::ImageView(b.frames.data() + im.offset, im.h, im.w),
                                                   ts.image_config(), b.draws[i / size_t(b.images_per_sample)]);
            if (same) {
              all.insert(all.end(), px.chw.begin(), px.chw.end());
            } else {
              add(p + "pixel_values." + std::to_string(i), st::DType::F32, {1, 3, px.h, px.w}, px.chw.data(),
                  px.chw.size() * 4);
            }
          }
          if (same)
            add(p + "pixel_values", st::DType::F32, {int64_t(b.images.size()), 3, b.images[0].out_h, b.images[0].out_w},
                all.data(), all.size() * 4);
        }
      }
    }
    std::string state_json = sampler.state().to_json().dump();
    std::map<std::string, std::string> meta = {{"format", "groot-batches-1"},
                                               {"embodiment_tag", ts.tag()},
                                               {"modality_config", ts.modality_config().source},
                                               {"seed", std::to_string(o.seed)},
                                               {"sampler_state_after", state_json}};
    st::write(out, tensors, meta);
    if (!state_out.empty()) write_file_atomic(state_out, state_json + "\n");
    std::printf("wrote %s: %lld batches of %d samples (%s, tag %s)\n", out.c_str(), (long long)count, o.batch_size,
                ts.modality_config().source.c_str(), ts.tag().c_str());
    return 0;
  });
}

}  // namespace

GROOT_VERB(batches, 45, "dump training batches (upstream keys + sample episode/step) to safetensors", run);
