// `groot eval` core: see eval.h.
#include "policy/eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "data/lerobot.h"
#include "processor/image_transforms.h"
#include "policy/plot_png.h"
#include "policy/policy.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/progress.h"

namespace groot::policy {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// Per-dimension names from info.json `names` of the column: a list of D strings, or an object
// with one such list ({"motors": [...]}).
std::vector<std::string> column_names(const data::Dataset& ds, const std::string& column) {
  std::vector<std::string> out;
  const data::Feature* f = ds.info.find(column);
  if (!f) return out;
  const ojson* list = &f->names;
  if (list->is_object() && list->size() == 1) list = &list->begin().value();
  if (!list->is_array()) return out;
  for (const auto& v : *list) {
    if (!v.is_string()) return {};
    out.push_back(v.get<std::string>());
  }
  return out;
}

struct KeySlice {
  std::string key, column;
  int64_t start = 0, end = 0;
};

// A thumbnail no wider than max_w (area resampling, as the model's own resize).
CameraFrame thumbnail(const std::string& cam, int step, const std::vector<uint8_t>& rgb, int w, int h, int max_w) {
  CameraFrame f;
  f.camera = cam;
  f.step = step;
  img::ImageView src(rgb.data(), h, w, 3);
  if (w > max_w) {
    const int nh = std::max(1, int(std::lround(double(h) * max_w / w)));
    img::Image t = img::resize_area(src, nh, max_w);
    f.width = t.w;
    f.height = t.h;
    f.rgb = std::move(t.data);
  } else {
    f.width = w;
    f.height = h;
    f.rgb = rgb;
  }
  return f;
}

}  // namespace

std::vector<LossPoint> read_loss_curve(const std::string& checkpoint, std::string* source) {
  std::vector<LossPoint> out;
  const fs::path ck(checkpoint);
  for (const fs::path& p : {ck / "trainer_state.json", ck.parent_path() / "trainer_state.json"}) {
    if (!fs::is_regular_file(p)) continue;
    ojson j;
    try {
      j = ojson::parse(read_file(p));
    } catch (const std::exception& e) {
      fail(p.string(), ": not valid JSON (", e.what(), ")");
    }
    if (!j.contains("log_history") || !j["log_history"].is_array()) continue;
    for (const auto& e : j["log_history"])
      if (e.is_object() && e.contains("loss") && e["loss"].is_number() && e.contains("step") && e["step"].is_number())
        out.push_back({e["step"].get<double>(), e["loss"].get<double>()});
    if (!out.empty()) {
      if (source) *source = p.string();
      return out;
    }
  }
  return out;
}

EvalResult run_eval(const EvalOptions& opt) {
  GROOT_CHECK(!opt.output.empty(), "eval: --output is required");
  GROOT_CHECK(opt.steps >= 1, "eval: --steps must be >= 1, got ", opt.steps);
  GROOT_CHECK(opt.action_horizon >= 1, "eval: --action-horizon must be >= 1, got ", opt.action_horizon);
  GROOT_CHECK(!opt.traj_ids.empty(), "eval: --traj-ids is empty");
  EvalResult r;
  r.options = opt;

  PolicyOptions po;
  po.device = opt.device;
  po.dtype = opt.dtype;
  po.denoising_steps = opt.denoising_steps;
  po.seed = opt.seed;
  Policy policy(opt.checkpoint, opt.embodiment_tag, po);
  const PolicyInfo& pi = policy.info();
  r.device = pi.device;
  r.dtype = pi.dtype;
  r.denoising_steps = pi.denoising_steps;
  r.policy_horizon = pi.action_horizon;
  r.action_keys = pi.action.keys;
  r.state_keys = pi.state.keys;
  GROOT_CHECK(opt.action_horizon <= pi.action_horizon, "eval: --action-horizon ", opt.action_horizon,
              " exceeds the policy's action chunk of ", pi.action_horizon, " steps (", opt.checkpoint,
              " action delta_indices)");

  const data::Dataset ds = data::open_dataset(opt.dataset);
  const data::ModalityMeta& mod = ds.require_modality();
  const std::string modality_file = (ds.root / "meta" / "modality.json").string();
  auto slice_of = [&](const std::string& key, bool state) {
    const data::ModalitySlice* s = state ? mod.find_state(key) : mod.find_action(key);
    GROOT_CHECK(s, modality_file, " has no ", state ? "state" : "action", " key '", key, "' (the checkpoint's ",
                pi.embodiment_tag, " config needs ", state ? "state" : "action", " keys ",
                [&] {
                  std::string j;
                  for (const auto& k : state ? pi.state.keys : pi.action.keys) j += (j.empty() ? "" : ", ") + k;
                  return j;
                }(),
                ")");
    const int want = state ? pi.state_dims.at(key) : pi.action_dims.at(key);
    GROOT_CHECK(s->dim() == want, modality_file, ": ", state ? "state" : "action", " '", key, "' has ", s->dim(),
                " dims but the checkpoint's statistics have ", want);
    return KeySlice{key, s->original_key, s->start, s->end};
  };
  std::vector<KeySlice> states, actions;
  for (const auto& k : pi.state.keys) states.push_back(slice_of(k, true));
  for (const auto& k : opt.modality_keys.empty() ? pi.action.keys : opt.modality_keys) {
    GROOT_CHECK(pi.action_dims.count(k), "eval: --modality-keys '", k, "' is not an action key of the checkpoint's ",
                pi.embodiment_tag, " config (", [&] {
                  std::string j;
                  for (const auto& a : pi.action.keys) j += (j.empty() ? "" : ", ") + a;
                  return j;
                }(), ")");
    actions.push_back(slice_of(k, false));
  }
  r.action_keys.clear();
  for (const auto& a : actions) r.action_keys.push_back(a.key);
  std::vector<std::pair<std::string, std::string>> cams;  // policy key -> info.json video feature
  for (const auto& k : pi.video.keys) {
    const data::ModalityVideo* v = mod.find_video(k);
    GROOT_CHECK(v, modality_file, " has no video key '", k, "' (the checkpoint's ", pi.embodiment_tag,
                " config needs it)");
    cams.emplace_back(k, v->original_key);
  }
  // Language: annotation.<name> -> per-row task index column; "task" -> the episode's first task.
  const std::string lang_key = pi.language.keys.at(0);
  std::string lang_column;
  if (lang_key.rfind("annotation.", 0) == 0) {
    const data::ModalityAnnotation* a = mod.find_annotation(lang_key.substr(11));
    GROOT_CHECK(a, modality_file, " has no annotation '", lang_key.substr(11), "' (language key ", lang_key, ")");
    lang_column = a->original_key;
  } else {
    GROOT_CHECK(lang_key == "task" || lang_key == "sub_task", "eval: language key '", lang_key,
                "' is neither annotation.<name> nor task");
  }
  // Dimension labels.
  for (const auto& a : actions) {
    const auto names = column_names(ds, a.column);
    for (int64_t i = 0; i < a.end - a.start; ++i) {
      DimMetric d;
      d.key = a.key;
      d.index = int(i);
      d.name = int64_t(names.size()) > a.start + i ? names[size_t(a.start + i)]
                                                   : a.key + "[" + std::to_string(i) + "]";
      r.dims.push_back(d);
    }
  }
  const int D = int(r.dims.size());
  int SD = 0;
  for (const auto& s : states) SD += int(s.end - s.start);

  std::vector<int64_t> ids;
  for (int64_t id : opt.traj_ids) {
    if (id < 0 || id >= int64_t(ds.episodes.size())) {
      std::fprintf(stderr, "groot eval: warning: trajectory %lld is out of range (dataset has %zu); skipped\n",
                   (long long)id, ds.episodes.size());
      r.skipped_traj_ids.push_back(id);
      continue;
    }
    ids.push_back(id);
  }
  GROOT_CHECK(!ids.empty(), "eval: no valid trajectory id (", opt.dataset, " has ", ds.episodes.size(), " episodes)");

  StagingDir stage(opt.output, opt.overwrite);
  const int H = opt.action_horizon;
  double total_s = 0;
  Progress prog("eval", int64_t(ids.size()), "trajectories", opt.quiet);
  for (size_t ti = 0; ti < ids.size(); ++ti) {
    const data::Episode& ep = ds.episodes[size_t(ids[ti])];
    TrajResult tr;
    tr.traj_id = ids[ti];
    tr.episode_index = ep.episode_index;
    tr.length = ep.length;
    const std::string where = "episode " + std::to_string(ep.episode_index);
    std::set<std::string> colset;
    for (const auto& s : states) colset.insert(s.column);
    for (const auto& a : actions) colset.insert(a.column);
    if (!lang_column.empty()) colset.insert(lang_column);
    const pq::Table t = data::read_episode_table(ds, ep.episode_index, {colset.begin(), colset.end()});
    std::map<std::string, data::MatrixF> cols;
    for (const auto& c : colset)
      if (c != lang_column) cols[c] = data::column_matrix_f32(t, c, -1, where);
    const int64_t rows = cols.begin()->second.rows;
    GROOT_CHECK(rows > 0, where, " has no rows");
    std::vector<int64_t> task_idx;
    if (!lang_column.empty()) task_idx = data::column_int64(t, lang_column, where);
    auto task_at = [&](int64_t row) -> std::string {
      if (lang_column.empty()) {
        GROOT_CHECK(!ep.tasks.empty(), where, " has no task in meta/episodes.jsonl");
        return ep.tasks[0];
      }
      auto it = ds.task_map.find(task_idx[size_t(row)]);
      GROOT_CHECK(it != ds.task_map.end(), where, " row ", row, ": task index ", task_idx[size_t(row)],
                  " is not in meta/tasks.jsonl");
      return it->second;
    };
    const int actual = int(std::min<int64_t>(opt.steps, rows));
    tr.steps = actual;
    tr.dims = D;
    tr.state_dims = SD;
    for (int s = 0; s < actual; s += H) tr.inference_steps.push_back(s);
    auto clamp_row = [&](int64_t r0) { return std::min<int64_t>(std::max<int64_t>(r0, 0), rows - 1); };
    // Video frames needed, per camera: rows s + delta for every inference step s.
    std::map<std::string, std::map<int64_t, std::vector<uint8_t>>> frames;
    std::map<std::string, std::pair<int, int>> frame_wh;
    for (const auto& [cam, feature] : cams) {
      std::set<int64_t> need;
      for (int s : tr.inference_steps)
        for (int d : pi.video.delta_indices) need.insert(clamp_row(s + d));
      std::vector<int64_t> idx(need.begin(), need.end());
      int w = 0, h = 0;
      auto fr = data::read_video_frames(ds, feature, ep.episode_index, idx, &w, &h);
      GROOT_CHECK(fr.size() == idx.size(), where, " camera ", feature, ": decoded ", fr.size(), " frames of ",
                  idx.size());
      for (size_t i = 0; i < idx.size(); ++i) frames[cam][idx[i]] = std::move(fr[i]);
      frame_wh[cam] = {w, h};
    }
    // Query the policy along the trajectory.
    std::vector<float> pred;
    pred.reserve(size_t(tr.inference_steps.size()) * H * D);
    for (int s : tr.inference_steps) {
      Observation obs;
      for (const auto& [cam, feature] : cams) {
        const auto [w, h] = frame_wh[cam];
        std::vector<uint8_t> px;
        for (int d : pi.video.delta_indices) {
          const auto& f = frames[cam].at(clamp_row(s + d));
          px.insert(px.end(), f.begin(), f.end());
        }
        obs.video[cam] = Array::u8({1, int64_t(pi.video.delta_indices.size()), h, w, 3}, std::move(px));
      }
      for (const auto& st : states) {
        const data::MatrixF& m = cols.at(st.column);
        std::vector<float> v;
        for (int d : pi.state.delta_indices)
          for (int64_t c = st.start; c < st.end; ++c) v.push_back(m.at(clamp_row(s + d), c));
        obs.state[st.key] = Array::f32({1, int64_t(pi.state.delta_indices.size()), st.end - st.start}, v);
      }
      const std::string task = task_at(s);
      if (tr.task.empty()) tr.task = task;
      obs.language[lang_key] = {{task}};
      const auto t0 = std::chrono::steady_clock::now();
      ArrayMap act = policy.get_action(obs);
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      tr.seconds += dt;
      ++r.queries;
      for (int j = 0; j < H; ++j)
        for (const auto& a : actions) {
          const Array& arr = act.at(a.key);
          const int64_t kd = arr.shape[2];
          const float* p = arr.f32() + int64_t(j) * kd;
          pred.insert(pred.end(), p, p + kd);
        }
    }
    pred.resize(size_t(actual) * D);
    tr.pred = std::move(pred);
    tr.gt.resize(size_t(actual) * D);
    tr.state.resize(size_t(actual) * SD);
    for (int row = 0; row < actual; ++row) {
      int c = 0;
      for (const auto& a : actions)
        for (int64_t k = a.start; k < a.end; ++k) tr.gt[size_t(row) * D + c++] = cols.at(a.column).at(row, k);
      c = 0;
      for (const auto& st : states)
        for (int64_t k = st.start; k < st.end; ++k) tr.state[size_t(row) * SD + c++] = cols.at(st.column).at(row, k);
    }
    // Metrics (double accumulation of float32 values).
    double se = 0, ae = 0;
    tr.per_dim = r.dims;
    for (int d = 0; d < D; ++d) {
      double dse = 0, dae = 0;
      for (int row = 0; row < actual; ++row) {
        const double e = double(tr.gt[size_t(row) * D + d]) - double(tr.pred[size_t(row) * D + d]);
        dse += e * e;
        dae += std::abs(e);
      }
      se += dse;
      ae += dae;
      tr.per_dim[size_t(d)].mse = dse / actual;
      tr.per_dim[size_t(d)].mae = dae / actual;
    }
    tr.mse = se / (double(actual) * D);
    tr.mae = ae / (double(actual) * D);
    // Camera frames at a few evenly spaced inference points.
    if (int(ti) < opt.report_frame_trajs && opt.report_frames > 0 && !cams.empty()) {
      const int n = int(tr.inference_steps.size());
      const int k = std::min(n, opt.report_frames);
      for (int i = 0; i < k; ++i) {
        const int s = tr.inference_steps[size_t(k == 1 ? 0 : int(std::lround(double(i) * (n - 1) / (k - 1))))];
        for (const auto& [cam, feature] : cams) {
          const auto [w, h] = frame_wh[cam];
          tr.frames.push_back(thumbnail(cam, s, frames[cam].at(clamp_row(s)), w, h, 192));
        }
      }
    }
    total_s += tr.seconds;
    if (!opt.quiet)
      std::fprintf(stderr, "\ntrajectory %lld (episode %lld, %d steps): MSE %.6g  MAE %.6g\n", (long long)tr.traj_id,
                   (long long)tr.episode_index, actual, tr.mse, tr.mae);
    r.trajs.push_back(std::move(tr));
    prog.add(1, actual);
  }
  prog.finish();

  // Averages over trajectories.
  for (auto& d : r.dims) d.mse = d.mae = 0;
  for (const auto& tr : r.trajs) {
    r.avg_mse += tr.mse;
    r.avg_mae += tr.mae;
    for (size_t d = 0; d < r.dims.size(); ++d) {
      r.dims[d].mse += tr.per_dim[d].mse;
      r.dims[d].mae += tr.per_dim[d].mae;
    }
  }
  const double n = double(r.trajs.size());
  r.avg_mse /= n;
  r.avg_mae /= n;
  for (auto& d : r.dims) d.mse /= n, d.mae /= n;
  r.mean_latency_ms = r.queries ? 1000.0 * total_s / r.queries : 0;
  r.loss_curve = read_loss_curve(opt.checkpoint, &r.loss_source);

  // Outputs.
  r.files = {"metrics.json", "predictions.csv"};
  if (plot::have_cairo())
    for (const auto& tr : r.trajs) {
      const std::string name = "traj_" + std::to_string(tr.traj_id) + ".png";
      write_file_atomic(stage.path() / name, plot::trajectory_png(r, tr));
      r.files.push_back(name);
    }
  r.files.push_back("report.html");
  write_file_atomic(stage.path() / "metrics.json", metrics_json(r));
  write_file_atomic(stage.path() / "predictions.csv", predictions_csv(r));
  write_file_atomic(stage.path() / "report.html", report_html(r));
  stage.commit();
  return r;
}

std::string metrics_json(const EvalResult& r) {
  ojson j;
  const EvalOptions& o = r.options;
  j["checkpoint"] = o.checkpoint;
  j["dataset"] = o.dataset;
  j["embodiment_tag"] = o.embodiment_tag;
  j["device"] = r.device;
  j["dtype"] = r.dtype;
  j["denoising_steps"] = r.denoising_steps;
  j["action_horizon"] = o.action_horizon;
  j["policy_action_horizon"] = r.policy_horizon;
  j["steps"] = o.steps;
  j["seed"] = o.seed;
  j["action_keys"] = r.action_keys;
  auto dims = [](const std::vector<DimMetric>& v) {
    ojson a = ojson::array();
    for (const auto& d : v) a.push_back({{"key", d.key}, {"index", d.index}, {"name", d.name}, {"mse", d.mse}, {"mae", d.mae}});
    return a;
  };
  ojson trajs = ojson::array();
  for (const auto& t : r.trajs)
    trajs.push_back({{"traj_id", t.traj_id},
                     {"episode_index", t.episode_index},
                     {"length", t.length},
                     {"steps", t.steps},
                     {"inference_points", t.inference_steps.size()},
                     {"task", t.task},
                     {"mse", t.mse},
                     {"mae", t.mae},
                     {"per_dim", dims(t.per_dim)},
                     {"policy_seconds", t.seconds}});
  j["trajectories"] = trajs;
  j["skipped_traj_ids"] = r.skipped_traj_ids;
  j["average"] = {{"mse", r.avg_mse}, {"mae", r.avg_mae}, {"trajectories", r.trajs.size()}};
  j["per_dim_average"] = dims(r.dims);
  j["timing"] = {{"queries", r.queries}, {"mean_latency_ms", r.mean_latency_ms}};
  j["files"] = r.files;
  return j.dump(2) + "\n";
}

std::string predictions_csv(const EvalResult& r) {
  std::string out = "traj_id,episode_index,step,inference_point";
  for (const char* which : {"gt", "pred"})
    for (const auto& d : r.dims) out += std::string(",") + which + "." + d.key + "." + std::to_string(d.index);
  out += "\n";
  char buf[64];
  for (const auto& t : r.trajs) {
    std::set<int> inf(t.inference_steps.begin(), t.inference_steps.end());
    for (int s = 0; s < t.steps; ++s) {
      std::snprintf(buf, sizeof buf, "%lld,%lld,%d,%d", (long long)t.traj_id, (long long)t.episode_index, s,
                    inf.count(s) ? 1 : 0);
      out += buf;
      for (const auto* v : {&t.gt, &t.pred})
        for (int d = 0; d < t.dims; ++d) {
          std::snprintf(buf, sizeof buf, ",%.9g", double((*v)[size_t(s) * t.dims + d]));
          out += buf;
        }
      out += "\n";
    }
  }
  return out;
}

}  // namespace groot::policy
