#include "processor/train_samples.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <list>

#include "data/stats.h"
#include "data/video.h"
#include "processor/processor_files.h"
#include "processor/prompt.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::proc {

using data::MatrixF;
using data::ojson;

// ---- statistics ------------------------------------------------------------------------------------

EmbodimentStats merge_embodiment_stats(const std::vector<EmbodimentStats>& per, const std::vector<double>& weights) {
  if (per.empty()) fail("merge_embodiment_stats: no datasets");
  if (per.size() == 1) return per[0];
  double wsum = 0;
  for (double w : weights) wsum += w;
  EmbodimentStats out;
  for (const auto& [modality, keys] : per[0]) {
    std::vector<std::pair<std::string, KeyStats>> mk;
    for (const auto& [key, st0] : keys) {
      const StatArray* m0 = find_stat(st0, "mean");
      if (!m0) continue;
      size_t n = m0->v.size();
      StatArray mean = *m0, var = *m0, mn = *m0, mx = *m0, q01 = *m0, q99 = *m0;
      std::fill(mean.v.begin(), mean.v.end(), 0.0);
      std::fill(var.v.begin(), var.v.end(), 0.0);
      for (size_t d = 0; d < per.size(); ++d) {
        const KeyStats* ks = find_key_stats(per[d], modality, key);
        if (!ks) fail("dataset ", d, " has no ", modality, " statistics for \"", key, "\"");
        const StatArray *m = find_stat(*ks, "mean"), *s = find_stat(*ks, "std"), *lo = find_stat(*ks, "min"),
                        *hi = find_stat(*ks, "max"), *a = find_stat(*ks, "q01"), *b = find_stat(*ks, "q99");
        if (!m || !s || !lo || !hi || !a || !b || m->v.size() != n || s->v.size() != n)
          fail("dataset ", d, ": ", modality, ".", key, " statistics are incomplete or of another size");
        double w = weights[d] / wsum;
        for (size_t i = 0; i < n; ++i) {
          mean.v[i] += w * m->v[i];
          var.v[i] += w * (s->v[i] * s->v[i] + m->v[i] * m->v[i]);
          if (d == 0) {
            mn.v[i] = lo->v[i];
            mx.v[i] = hi->v[i];
            q01.v[i] = a->v[i];
            q99.v[i] = b->v[i];
          } else {
            mn.v[i] = std::min(mn.v[i], lo->v[i]);
            mx.v[i] = std::max(mx.v[i], hi->v[i]);
            q01.v[i] = std::min(q01.v[i], a->v[i]);
            q99.v[i] = std::max(q99.v[i], b->v[i]);
          }
        }
      }
      StatArray sd = var;
      for (size_t i = 0; i < n; ++i) sd.v[i] = std::sqrt(var.v[i] - mean.v[i] * mean.v[i]);
      mk.emplace_back(key, KeyStats{{"min", mn}, {"max", mx}, {"mean", mean}, {"std", sd}, {"q01", q01}, {"q99", q99}});
    }
    out.emplace_back(modality, std::move(mk));
  }
  return out;
}

namespace {

// Upstream generate_stats / generate_rel_stats: write what is missing, keep what is there.
void ensure_dataset_stats(data::Dataset& ds, const data::ModalityConfig& cfg, bool quiet) {
  std::vector<std::string> feats = data::n16_stats_features(ds.info);
  data::StatsOptions so;
  so.quiet = quiet;
  if (!ds.stats || !data::stats_complete(*ds.stats, feats)) {
    if (!quiet) std::fprintf(stderr, "%s: meta/stats.json missing or incomplete, computing it\n", ds.root.c_str());
    ojson j = data::stats_to_json(data::compute_stats(ds, so));
    write_file_atomic(ds.root / "meta/stats.json", data::dump_stats_json(j));
    ds.stats = j;
  }
  std::vector<std::string> todo;
  for (const auto& k : cfg.relative_action_keys())
    if (!ds.relative_stats || !ds.relative_stats->contains(k)) todo.push_back(k);
  if (!todo.empty()) {
    if (!quiet) std::fprintf(stderr, "%s: computing relative_stats.json for %zu keys\n", ds.root.c_str(), todo.size());
    ojson j = ds.relative_stats ? *ds.relative_stats : ojson::object();
    ojson add = data::relative_stats_to_json(data::compute_relative_stats(ds, cfg, todo, so));
    for (auto it = add.begin(); it != add.end(); ++it) j[it.key()] = it.value();
    write_file_atomic(ds.root / "meta/relative_stats.json", data::dump_stats_json(j));
    ds.relative_stats = j;
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// ---- sources --------------------------------------------------------------------------------------

struct KeySlice {
  std::string column;
  int64_t start = 0, end = 0, col_dim = 0;
};

struct TrainSamples::Source {
  data::Dataset ds;
  data::DatasetShards shards;
  std::vector<KeySlice> state, action;       // cfg key order
  std::vector<std::string> cams;             // video original keys, cfg order
  std::vector<int> cam_h, cam_w, out_h, out_w, tokens;
  std::string lang_column;                   // "" = the episode's first task ("task" / "sub_task")
  std::unique_ptr<data::FrameCache> cache;   // null: decode mp4 per sample
  std::vector<std::string> columns;          // parquet columns to read
};

struct EpisodeData {
  int64_t dataset = -1, pos = -1;
  std::vector<MatrixF> state, action;  // full episode, sliced per key
  std::vector<int64_t> lang;           // task index per row (annotation column)
};

struct EpisodeCache {
  std::list<EpisodeData> recent;  // most recent first, at most 8
  std::map<std::pair<std::string, int64_t>, std::unique_ptr<video::Decoder>> decoders;
};
void EpisodeCacheDeleter::operator()(EpisodeCache* c) const { delete c; }
EpisodeCachePtr make_episode_cache() { return EpisodeCachePtr(new EpisodeCache()); }

TrainSamples::~TrainSamples() = default;

TrainSamples::TrainSamples(const TrainDataOptions& opt) : opt_(opt) {
  if (opt_.dataset_paths.empty()) fail("no dataset given");
  if (!opt_.dataset_weights.empty() && opt_.dataset_weights.size() != opt_.dataset_paths.size())
    fail(opt_.dataset_weights.size(), " dataset weights for ", opt_.dataset_paths.size(), " datasets");
  // The modality config: one for every dataset (one embodiment), as `--modality-config-path` upstream.
  data::Dataset first = data::open_dataset(opt_.dataset_paths[0]);
  if (!opt_.modality_config_path.empty())
    cfg_ = data::load_modality_config(opt_.modality_config_path, opt_.embodiment_tag);
  else
    cfg_ = data::default_modality_config(first.require_modality());
  if (!opt_.embodiment_tag.empty()) {
    ojson j = data::modality_config_to_json(cfg_);
    j["embodiment_tag"] = lower(opt_.embodiment_tag);
    std::string src = cfg_.source;
    cfg_ = data::parse_modality_config(j, src);
    cfg_.source = src;
  }
  if (!cfg_.action.present) fail(cfg_.source, ": training needs an action modality");
  if (!cfg_.language.present) fail(cfg_.source, ": training needs a language modality");

  // Processor pieces: the checkpoint's processor files, else upstream's defaults.
  procfiles::ProcessorFiles files;
  if (!opt_.base_model_path.empty()) files = procfiles::load_processor_files(opt_.base_model_path);
  StateActionFlags flags = procfiles::state_action_flags(files.config);
  flags.use_relative_action = true;  // launch_finetune hard-sets it
  std::map<std::string, data::ModalityConfig> configs = procfiles::modality_config_map(files.config);
  configs[cfg_.embodiment_tag] = cfg_;
  proc_ = std::make_unique<StateActionProcessor>(configs, flags);
  proc_->set_statistics(files.statistics);
  pad_ = procfiles::padding_config(files.config);
  img_cfg_ = procfiles::image_transform_config(files.config);
  if (opt_.random_rotation_angle) img_cfg_.random_rotation_angle = opt_.random_rotation_angle;
  if (opt_.color_jitter) img_cfg_.color_jitter = opt_.color_jitter;
  formalize_ = files.config.formalize_language;
  embodiment_id_ = files.embodiment_ids.slot(cfg_.embodiment_tag);
  std::string tdir = !opt_.tokenizer_dir.empty() ? opt_.tokenizer_dir : Tokenizer::default_dir(opt_.base_model_path);
  tok_ = std::make_unique<Tokenizer>(Tokenizer::load(tdir));
  if (tok_->pad_id() < 0) fail("tokenizer ", tdir, " has no pad token");

  std::vector<EmbodimentStats> per;
  for (size_t d = 0; d < opt_.dataset_paths.size(); ++d) {
    auto s = std::make_unique<Source>();
    s->ds = d == 0 ? std::move(first) : data::open_dataset(opt_.dataset_paths[d]);
    const data::ModalityMeta& m = s->ds.require_modality();
    const std::string mod_file = (s->ds.root / "meta/modality.json").string();
    data::validate_modality_config(cfg_, m, s->ds.info, mod_file);
    ensure_dataset_stats(s->ds, cfg_, opt_.quiet);
    per.push_back(procfiles::embodiment_stats_from_dataset_meta((s->ds.root / "meta").string()));
    std::vector<std::string> cols;
    auto add_col = [&](const std::string& c) {
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
    };
    for (const auto& k : cfg_.state.modality_keys) {
      const data::ModalitySlice* sl = m.find_state(k);
      const data::Feature* f = s->ds.info.find(sl->original_key);
      s->state.push_back({sl->original_key, sl->start, sl->end, f->dim()});
      add_col(sl->original_key);
    }
    for (const auto& k : cfg_.action.modality_keys) {
      const data::ModalitySlice* sl = m.find_action(k);
      const data::Feature* f = s->ds.info.find(sl->original_key);
      s->action.push_back({sl->original_key, sl->start, sl->end, f->dim()});
      add_col(sl->original_key);
    }
    const std::string& lk = cfg_.language.modality_keys[0];
    if (lk.rfind("annotation.", 0) == 0) {
      const data::ModalityAnnotation* a = m.find_annotation(lk.substr(11));
      s->lang_column = a->original_key;
      add_col(a->original_key);
    }
    s->columns = cols;
    for (const auto& k : cfg_.video.modality_keys) s->cams.push_back(m.find_video(k)->original_key);
    if (!s->cams.empty()) {
      if (opt_.frame_cache) {
        data::FrameCacheOptions fo;
        fo.cache_dir = opt_.cache_dir;
        fo.quiet = opt_.quiet;
        data::build_frame_cache(s->ds, s->cams, fo);  // first use builds it; later runs only check
        s->cache = std::make_unique<data::FrameCache>(s->ds, s->cams, opt_.cache_dir);
      }
      for (size_t c = 0; c < s->cams.size(); ++c) {
        int h, w;
        if (s->cache) {
          h = s->cache->file(c, 0).height();
          w = s->cache->file(c, 0).width();
        } else {
          video::Info vi = video::probe(s->ds.video_path(s->cams[c], s->ds.episodes[0].episode_index).string());
          h = vi.height;
          w = vi.width;
        }
        // Output size of the transforms (equal in eval and train): run the eval path on a blank frame.
        std::vector<uint8_t> blank(size_t(h) * size_t(w) * 3, 0);
        img::Pixels px = img::preprocess_eval(img::ImageView(blank.data(), h, w), img_cfg_);
        s->cam_h.push_back(h);
        s->cam_w.push_back(w);
        s->out_h.push_back(px.h);
        s->out_w.push_back(px.w);
        s->tokens.push_back(prompt::image_token_count(px.h, px.w));
      }
    }
    std::vector<int64_t> lens;
    for (const auto& e : s->ds.episodes) lens.push_back(e.length);
    s->shards = data::build_shards(lens, cfg_.action_horizon(), opt_.shard_size, opt_.episode_sampling_rate, 42,
                                   s->ds.root.string());
    sources_.push_back(std::move(s));
  }
  std::vector<double> w = opt_.dataset_weights.empty() ? std::vector<double>(sources_.size(), 1.0) : opt_.dataset_weights;
  Statistics ds_stats = {{cfg_.embodiment_tag, merge_embodiment_stats(per, w)}};
  proc_->set_statistics(ds_stats, opt_.override_pretraining_statistics);
}

const std::vector<const data::DatasetShards*> TrainSamples::shards() const {
  std::vector<const data::DatasetShards*> v;
  for (const auto& s : sources_) v.push_back(&s->shards);
  return v;
}

data::MixtureConfig TrainSamples::mixture_config() const {
  data::MixtureConfig m;
  m.datasets = shards();
  m.weights = opt_.dataset_weights.empty() ? std::vector<double>(sources_.size(), 1.0) : opt_.dataset_weights;
  m.num_shards_per_epoch = opt_.num_shards_per_epoch;
  m.seed = opt_.seed;
  m.rank = opt_.rank;
  m.world_size = opt_.world_size;
  m.num_workers = opt_.num_workers;
  m.batch_size = opt_.batch_size;
  return m;
}

const data::Dataset& TrainSamples::dataset(size_t d) const { return sources_.at(d)->ds; }

std::vector<int32_t> TrainSamples::prompt_ids(const std::string& lang, const std::vector<int>& tokens) const {
  std::string key = lang;
  for (int t : tokens) key += "\x1f" + std::to_string(t);
  {
    std::lock_guard<std::mutex> lk(prompt_mu_);
    auto it = prompt_cache_.find(key);
    if (it != prompt_cache_.end()) return it->second;
  }
  std::vector<int32_t> ids = tok_->encode(prompt::build_prompt_text(lang, tokens, formalize_));
  std::lock_guard<std::mutex> lk(prompt_mu_);
  if (prompt_cache_.size() > 4096) prompt_cache_.clear();
  prompt_cache_[key] = ids;
  return ids;
}

HostBatch TrainSamples::make_batch(const std::vector<data::SampleRef>& refs, int64_t batch_index,
                                   EpisodeCache& cache) const {
  HostBatch b;
  b.batch = int64_t(refs.size());
  b.index = batch_index;
  const std::string& tag = cfg_.embodiment_tag;
  const auto& vdelta = cfg_.video.delta_indices;
  b.images_per_sample = int(cfg_.video.present ? vdelta.size() * cfg_.video.modality_keys.size() : 0);
  std::vector<std::vector<int32_t>> seqs;
  std::vector<img::SampleImages> views(refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    const data::SampleRef& r = refs[i];
    const Source& s = *sources_.at(size_t(r.dataset));
    const data::Episode& ep = s.ds.episodes.at(size_t(r.episode));
    // EpisodeCache keeps recent episodes; a shard's samples come from few episodes.
    EpisodeData* ed = nullptr;
    for (auto it = cache.recent.begin(); it != cache.recent.end(); ++it)
      if (it->dataset == r.dataset && it->pos == r.episode) {
        cache.recent.splice(cache.recent.begin(), cache.recent, it);
        ed = &cache.recent.front();
        break;
      }
    if (!ed) {
      EpisodeData e;
      e.dataset = r.dataset;
      e.pos = r.episode;
      std::string where = s.ds.parquet_path(ep.episode_index).string();
      pq::Table t = data::read_episode_table(s.ds, ep.episode_index, s.columns);
      std::map<std::string, MatrixF> cols;
      auto slice = [&](const KeySlice& k) {
        auto it = cols.find(k.column);
        if (it == cols.end()) it = cols.emplace(k.column, data::column_matrix_f32(t, k.column, k.col_dim, where)).first;
        const MatrixF& src = it->second;
        if (src.rows < ep.length)
          fail(where, ": ", src.rows, " rows but meta/episodes.jsonl says length ", ep.length);
        MatrixF m(src.rows, k.end - k.start);
        for (int64_t row = 0; row < src.rows; ++row)
          std::memcpy(m.row(row), src.row(row) + k.start, sizeof(float) * size_t(k.end - k.start));
        return m;
      };
      for (const auto& k : s.state) e.state.push_back(slice(k));
      for (const auto& k : s.action) e.action.push_back(slice(k));
      if (!s.lang_column.empty()) e.lang = data::column_int64(t, s.lang_column, where);
      cache.recent.push_front(std::move(e));
      if (cache.recent.size() > 8) cache.recent.pop_back();
      ed = &cache.recent.front();
    }
    // State / action rows at step + delta (all inside the episode: effective length rule).
    KeyValues state, action;
    for (size_t k = 0; k < s.state.size(); ++k) {
      const MatrixF& src = ed->state[k];
      MatrixF m(int64_t(cfg_.state.delta_indices.size()), src.cols);
      for (size_t t = 0; t < cfg_.state.delta_indices.size(); ++t) {
        int64_t row = r.step + cfg_.state.delta_indices[t];
        if (row < 0 || row >= ep.length) fail("state row ", row, " outside episode ", ep.episode_index);
        std::memcpy(m.row(int64_t(t)), src.row(row), sizeof(float) * size_t(src.cols));
      }
      state[cfg_.state.modality_keys[k]] = std::move(m);
    }
    for (size_t k = 0; k < s.action.size(); ++k) {
      const MatrixF& src = ed->action[k];
      MatrixF m(int64_t(cfg_.action.delta_indices.size()), src.cols);
      for (size_t t = 0; t < cfg_.action.delta_indices.size(); ++t) {
        int64_t row = r.step + cfg_.action.delta_indices[t];
        if (row < 0 || row >= ep.length) fail("action row ", row, " outside episode ", ep.episode_index);
        std::memcpy(m.row(int64_t(t)), src.row(row), sizeof(float) * size_t(src.cols));
      }
      action[cfg_.action.modality_keys[k]] = std::move(m);
    }
    EncodedStateAction enc = encode_state_action(*proc_, pad_, tag, state, &action);
    if (i == 0) {
      b.state_steps = enc.state_steps;
      b.state_dim = pad_.max_state_dim;
      b.action_horizon = enc.pad_horizon;
      b.action_dim = enc.pad_dim;
    }
    b.state.insert(b.state.end(), enc.state.begin(), enc.state.end());
    b.action.insert(b.action.end(), enc.action.begin(), enc.action.end());
    b.action_mask.insert(b.action_mask.end(), enc.action_mask.begin(), enc.action_mask.end());
    b.embodiment_id.push_back(embodiment_id_);
    // Language.
    std::string lang;
    if (!s.lang_column.empty()) {
      int64_t ti = ed->lang.at(size_t(r.step));
      auto it = s.ds.task_map.find(ti);
      if (it == s.ds.task_map.end())
        fail(s.ds.parquet_path(ep.episode_index).string(), ": ", s.lang_column, " = ", ti, " at row ", r.step,
             " is not a task_index of meta/tasks.jsonl");
      lang = it->second;
    } else {
      if (ep.tasks.empty()) fail("meta/episodes.jsonl: episode ", ep.episode_index, " has no tasks");
      lang = ep.tasks[0];  // upstream: random.choice(tasks); the first keeps samples reproducible
    }
    // Images: time-major, then camera.
    std::vector<int> tokens;
    for (int t : vdelta) {
      for (size_t c = 0; c < s.cams.size(); ++c) {
        int64_t f = r.step + t;
        HostImage im;
        im.offset = b.frames.size();
        im.h = s.cam_h[c];
        im.w = s.cam_w[c];
        im.out_h = s.out_h[c];
        im.out_w = s.out_w[c];
        size_t nb = size_t(im.h) * size_t(im.w) * 3;
        b.frames.resize(b.frames.size() + nb);
        if (s.cache) {
          std::memcpy(b.frames.data() + im.offset, s.cache->file(c, size_t(r.episode)).frame(f), nb);
        } else {
          auto key = std::make_pair(s.ds.video_path(s.cams[c], ep.episode_index).string(), int64_t(0));
          auto& dec = cache.decoders[key];
          if (!dec) {
            if (cache.decoders.size() > 16) {
              cache.decoders.clear();
              cache.decoders[key] = nullptr;
            }
            cache.decoders[key] = std::make_unique<video::Decoder>(key.first, 1);
          }
          std::vector<uint8_t> rgb;
          cache.decoders[key]->read(f, rgb);
          if (rgb.size() != nb) fail(key.first, ": frame size changed within the dataset");
          std::memcpy(b.frames.data() + im.offset, rgb.data(), nb);
        }
        b.images.push_back(im);
        tokens.push_back(s.tokens[c]);
      }
    }
    seqs.push_back(prompt_ids(lang, tokens));
    b.sample_dataset.push_back(r.dataset);
    b.sample_episode.push_back(ep.episode_index);
    b.sample_step.push_back(r.step);
  }
  // Image views for the draws (sizes only; the data pointers are set after all frames are in place).
  for (size_t i = 0; i < refs.size(); ++i)
    for (int k = 0; k < b.images_per_sample; ++k) {
      const HostImage& im = b.images[i * size_t(b.images_per_sample) + size_t(k)];
      views[i].push_back(img::ImageView(b.frames.data() + im.offset, im.h, im.w));
    }
  if (b.images_per_sample > 0) {
    // One draw per sample, seeded by (run seed, batch number): reproducible and resumable.
    uint64_t seed = opt_.seed * 0x9E3779B97F4A7C15ULL ^ (uint64_t(batch_index) + 0x632BE59BD9B4E019ULL);
    b.draws = img::draw_batch(views, img_cfg_, seed);
  }
  prompt::PromptBatch pb = prompt::pad_left(seqs, tok_->pad_id());
  b.seq_len = pb.length;
  b.input_ids = std::move(pb.input_ids);
  b.attention_mask = std::move(pb.attention_mask);
  return b;
}

}  // namespace groot::proc
