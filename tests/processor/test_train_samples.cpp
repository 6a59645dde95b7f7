// Training samples (processor/train_samples.h) traced back to the parquet rows and statistics by an
// independent computation here: state, the 16 action steps, relative actions, masks, token ids,
// embodiment id; statistics computed on the fly when missing; same seed -> identical batches.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "data/frame_cache.h"
#include "data/lerobot.h"
#include "data/sampler.h"
#include "data/lerobot_test_util.h"
#include "processor/tokenizer.h"
#include "processor/train_samples.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using namespace groot;
using json = nlohmann::json;

namespace {

const char* kConfig = R"YAML(embodiment_tag: new_embodiment
state: {delta_indices: [0], modality_keys: [arm, grip]}
action:
  delta_indices: "range(16)"
  modality_keys: [arm, grip]
  action_configs:
    - {rep: relative, type: non_eef, format: default}
    - {rep: absolute, type: non_eef, format: default}
language: {delta_indices: [0], modality_keys: [annotation.human.task_description]}
)YAML";

struct Fixture {
  test::TempDir dir;
  proc::TrainDataOptions opt;
  Fixture() {
    test::SynthSpec spec;
    spec.lengths = {40, 25, 33};
    test::write_synth_dataset(dir / "ds", spec);
    write_file_atomic(dir / "cfg.yaml", kConfig);
    opt.dataset_paths = {(dir / "ds").string()};
    opt.modality_config_path = (dir / "cfg.yaml").string();
    opt.embodiment_tag = "NEW_EMBODIMENT";
    opt.batch_size = 4;
    opt.num_workers = 2;
    opt.shard_size = 16;
    opt.episode_sampling_rate = 0.5;
    opt.num_shards_per_epoch = 20;
    opt.seed = 7;
    opt.quiet = true;
  }
};

double norm_minmax(double v, double lo, double hi) {
  if (std::fabs(hi - lo) <= 1e-8 + 1e-5 * std::fabs(lo)) return 0.0;  // np.isclose(max, min) -> 0
  double t = 2.0 * (v - lo) / (hi - lo) - 1.0;
  return std::min(1.0, std::max(-1.0, t));
}

}  // namespace

TEST(TrainSamples, BatchTracesToParquetRowsAndStats) {
  Fixture f;
  ASSERT_FALSE(fs::exists(f.dir / "ds/meta/stats.json"));
  proc::TrainSamples ts(f.opt);
  // Statistics were computed on the fly (upstream generate_stats / generate_rel_stats) and written.
  ASSERT_TRUE(fs::exists(f.dir / "ds/meta/stats.json"));
  ASSERT_TRUE(fs::exists(f.dir / "ds/meta/relative_stats.json"));
  json stats = json::parse(read_file(f.dir / "ds/meta/stats.json"));
  json rel = json::parse(read_file(f.dir / "ds/meta/relative_stats.json"));
  ASSERT_TRUE(rel.contains("arm"));
  EXPECT_FALSE(rel.contains("grip"));
  data::Dataset ds = data::open_dataset(f.dir / "ds");

  data::MixtureSampler sampler(ts.mixture_config());
  auto cache = proc::make_episode_cache();
  Tokenizer tok = Tokenizer::load(Tokenizer::default_dir());
  for (int k = 0; k < 3; ++k) {
    proc::HostBatch b = ts.make_batch(sampler.next_batch(), k, *cache);
    ASSERT_EQ(b.batch, 4);
    ASSERT_EQ(b.state_steps, 1);
    ASSERT_EQ(b.state_dim, 128);
    ASSERT_EQ(b.action_horizon, 50);
    ASSERT_EQ(b.action_dim, 128);
    for (int64_t i = 0; i < b.batch; ++i) {
      int64_t e = b.sample_episode[size_t(i)], s = b.sample_step[size_t(i)];
      ASSERT_LE(s + 15, ds.episodes[size_t(e)].length - 1) << "the 16-step chunk lies inside the episode";
      pq::Table t = data::read_episode_table(ds, e, {"observation.state", "action", "task_index"});
      data::Matrix st = data::column_matrix_f64(t, "observation.state", 4, "test");
      data::Matrix ac = data::column_matrix_f64(t, "action", 4, "test");
      const float* S = b.state.data() + i * 128;
      const float* A = b.action.data() + i * 50 * 128;
      const float* M = b.action_mask.data() + i * 50 * 128;
      // State: arm = observation.state[0:3), grip = [3:4), min-max with stats.json, clipped; zero pad.
      for (int d = 0; d < 4; ++d) {
        double v = double(float(st.at(s, d)));
        double want = norm_minmax(v, stats["observation.state"]["min"][d], stats["observation.state"]["max"][d]);
        EXPECT_NEAR(S[d], want, 2e-6) << "state " << d << " sample " << i;
      }
      for (int d = 4; d < 128; ++d) ASSERT_EQ(S[d], 0.f);
      // Action: arm RELATIVE (a[s+t] - state[s], relative_stats per step), grip ABSOLUTE (stats.json).
      for (int t = 0; t < 16; ++t) {
        for (int d = 0; d < 3; ++d) {
          double r = double(float(ac.at(s + t, d))) - double(float(st.at(s, d)));
          double want = norm_minmax(double(float(r)), rel["arm"]["min"][t][d], rel["arm"]["max"][t][d]);
          EXPECT_NEAR(A[t * 128 + d], want, 2e-6) << "arm t=" << t << " d=" << d;
        }
        double g = double(float(ac.at(s + t, 3)));
        EXPECT_NEAR(A[t * 128 + 3], norm_minmax(g, stats["action"]["min"][3], stats["action"]["max"][3]), 2e-6);
        for (int d = 0; d < 128; ++d) ASSERT_EQ(M[t * 128 + d], d < 4 ? 1.f : 0.f);
        for (int d = 4; d < 128; ++d) ASSERT_EQ(A[t * 128 + d], 0.f);
      }
      for (int t = 16; t < 50; ++t)
        for (int d = 0; d < 128; ++d) ASSERT_TRUE(A[t * 128 + d] == 0.f && M[t * 128 + d] == 0.f);
      EXPECT_EQ(b.embodiment_id[size_t(i)], 10);  // upstream's projector slot of new_embodiment
      // Tokens: the task text of the row's task_index, in the Eagle chat template, left-padded.
      int64_t task = data::column_int64(t, "task_index", "test")[size_t(s)];
      std::string text = std::string("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n") +
                         (task == 0 ? "pick" : "place") + "<|im_end|>\n";
      std::vector<int32_t> ids;
      for (int64_t j = 0; j < b.seq_len; ++j) {
        int64_t id = b.input_ids[size_t(i * b.seq_len + j)];
        if (b.attention_mask[size_t(i * b.seq_len + j)] == 0) {
          ASSERT_TRUE(ids.empty()) << "padding is on the left";
          EXPECT_EQ(id, tok.pad_id());
        } else {
          ids.push_back(int32_t(id));
        }
      }
      EXPECT_EQ(tok.decode(ids), text);
    }
  }
}

TEST(TrainSamples, SameSeedSameBatchesAndResume) {
  Fixture f;
  proc::TrainSamples ts(f.opt);
  auto run = [&](int n, const data::SamplerState* from) {
    data::MixtureSampler s(ts.mixture_config());
    if (from) s.set_state(*from);
    auto c = proc::make_episode_cache();
    std::vector<proc::HostBatch> out;
    for (int k = 0; k < n; ++k) {
      int64_t idx = s.state().batches;
      out.push_back(ts.make_batch(s.next_batch(), idx, *c));
    }
    return std::make_pair(out, s.state());
  };
  auto [a, sa] = run(6, nullptr);
  auto [b, sb] = run(6, nullptr);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(a[k].state, b[k].state);
    EXPECT_EQ(a[k].action, b[k].action);
    EXPECT_EQ(a[k].input_ids, b[k].input_ids);
    EXPECT_EQ(a[k].sample_step, b[k].sample_step);
  }
  // Resume from the state after 3 batches: the same batches 3..5.
  data::MixtureSampler s3(ts.mixture_config());
  for (int k = 0; k < 3; ++k) s3.next_batch();
  data::SamplerState mid = data::SamplerState::from_json(s3.state().to_json(), "mid");
  auto [c, sc] = run(3, &mid);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(c[k].sample_episode, a[k + 3].sample_episode);
    EXPECT_EQ(c[k].sample_step, a[k + 3].sample_step);
    EXPECT_EQ(c[k].action, a[k + 3].action);
  }
  EXPECT_TRUE(sc == sa);
}

TEST(TrainSamples, FramesFromTheCacheInPromptOrder) {
  Fixture f;
  // One camera, frames written straight into the cache (no mp4, no FFmpeg): frame t of episode e is
  // filled with the byte (e * 50 + t) % 256.
  json info = json::parse(read_file(f.dir / "ds/meta/info.json"));
  info["video_path"] = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4";
  info["features"]["observation.images.cam"] = {{"dtype", "video"}, {"shape", {24, 32, 3}}, {"names", nullptr}};
  write_file_atomic(f.dir / "ds/meta/info.json", info.dump());
  json mod = json::parse(read_file(f.dir / "ds/meta/modality.json"));
  mod["video"] = {{"cam", {{"original_key", "observation.images.cam"}}}};
  write_file_atomic(f.dir / "ds/meta/modality.json", mod.dump());
  write_file_atomic(f.dir / "cfg.yaml", std::string(kConfig) + "video: {delta_indices: [0], modality_keys: [cam]}\n");
  data::Dataset ds = data::open_dataset(f.dir / "ds");
  for (const auto& e : ds.episodes) {
    int64_t t = 0;
    data::write_frame_file(data::frame_file_path(data::default_frame_cache_dir(ds), "observation.images.cam", e.episode_index),
                           data::current_source(ds, "observation.images.cam", e.episode_index), 32, 24, e.length,
                           [&](uint8_t* dst) { std::memset(dst, int((e.episode_index * 50 + t++) % 256), 32 * 24 * 3); });
  }
  proc::TrainSamples ts(f.opt);
  data::MixtureSampler sampler(ts.mixture_config());
  auto cache = proc::make_episode_cache();
  proc::HostBatch b = ts.make_batch(sampler.next_batch(), 0, *cache);
  ASSERT_EQ(b.images_per_sample, 1);
  ASSERT_EQ(b.images.size(), 4u);
  ASSERT_EQ(b.draws.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto& im = b.images[i];
    EXPECT_EQ(im.h, 24);
    EXPECT_EQ(im.w, 32);
    // 24x32 -> letterbox 32x32 -> 256 -> crop 243 -> 256 -> smart_resize 252: 81 image tokens.
    EXPECT_EQ(im.out_h, 252);
    EXPECT_EQ(im.out_w, 252);
    EXPECT_EQ(b.frames[im.offset + 100], uint8_t((b.sample_episode[i] * 50 + b.sample_step[i]) % 256));
  }
  // The prompt carries 81 <IMG_CONTEXT> tokens per image.
  Tokenizer tok = Tokenizer::load(Tokenizer::default_dir());
  int32_t img = tok.token_to_id("<IMG_CONTEXT>");
  int64_t n = 0;
  for (int64_t j = 0; j < b.seq_len; ++j) n += b.input_ids[size_t(j)] == img;
  EXPECT_EQ(n, 81);
}
