#include "data/validate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "data/modality_config.h"
#include "data/parallel.h"
#include "data/stats.h"
#include "data/video.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::data {

int ValidateReport::errors() const {
  return int(std::count_if(issues.begin(), issues.end(),
                           [](const Issue& i) { return i.severity == Issue::kError; }));
}
int ValidateReport::warnings() const {
  return int(issues.size()) - errors();
}

std::string ValidateReport::format() const {
  std::ostringstream os;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& i : issues) {
      if ((pass == 0) != (i.severity == Issue::kError)) continue;
      os << (i.severity == Issue::kError ? "error: " : "warning: ");
      if (!i.where.empty()) os << i.where << ": ";
      os << i.message << "\n";
    }
  return os.str();
}

namespace {

// Thread-safe issue sink; issues of one kind beyond a limit are counted, then summarised.
class Sink {
 public:
  explicit Sink(size_t limit) : limit_(limit) {}
  void add(Issue::Severity sev, const std::string& kind, const std::string& where, const std::string& msg) {
    std::lock_guard<std::mutex> lk(mu_);
    auto& k = kinds_[kind];
    k.sev = sev;
    if (k.count++ < limit_) issues_.push_back({sev, where, msg});
  }
  void error(const std::string& kind, const std::string& where, const std::string& msg) {
    add(Issue::kError, kind, where, msg);
  }
  void warn(const std::string& kind, const std::string& where, const std::string& msg) {
    add(Issue::kWarning, kind, where, msg);
  }
  std::vector<Issue> finish() {
    for (auto& [kind, k] : kinds_)
      if (k.count > limit_)
        issues_.push_back(
            {k.sev, "",
             "... and " + std::to_string(k.count - limit_) + " more of the same kind (" + kind + ")"});
    return std::move(issues_);
  }

 private:
  struct Kind {
    Issue::Severity sev = Issue::kError;
    size_t count = 0;
  };
  size_t limit_;
  std::mutex mu_;
  std::vector<Issue> issues_;
  std::map<std::string, Kind> kinds_;
};

template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

bool dtype_matches(const std::string& dtype, pq::Elem e) {
  if (dtype.find("float") != std::string::npos) return e == pq::Elem::kFloat32 || e == pq::Elem::kFloat64;
  if (dtype.rfind("int", 0) == 0 || dtype.rfind("uint", 0) == 0)
    return e == pq::Elem::kInt32 || e == pq::Elem::kInt64;
  if (dtype == "bool") return e == pq::Elem::kBool;
  if (dtype == "string") return e == pq::Elem::kString;
  return true;  // image structs etc.: not checked here
}

struct EpisodeFacts {
  bool read = false;
  int64_t rows = 0;
  int64_t first_index = -1;  // value of the `index` column in row 0
  double first_timestamp = 0;
  bool has_timestamp = false;
};

void check_episode(const Dataset& ds, const Episode& ep, const std::set<std::string>& task_columns,
                   double tol, Sink& sink, EpisodeFacts& facts) {
  const fs::path p = ds.parquet_path(ep.episode_index);
  const std::string where = p.lexically_relative(ds.root).string();
  if (!fs::exists(p)) {
    sink.error("missing parquet", where, str("missing (episode ", ep.episode_index, " in episodes.jsonl)"));
    return;
  }
  pq::Table t;
  try {
    t = pq::read_table(p.string());
  } catch (const Error& e) {
    sink.error("unreadable parquet", where, str("cannot be read: ", e.what()));
    return;
  }
  facts.read = true;
  facts.rows = t.num_rows;
  if (t.num_rows != ep.length)
    sink.error("row count", where,
               str("has ", t.num_rows, " rows but episodes.jsonl says length ", ep.length, " for episode ",
                   ep.episode_index));
  for (const auto& f : ds.info.features) {
    if (f.is_video()) continue;
    const pq::Column* c = t.find(f.key);
    if (!c) {
      sink.error("missing column", where, str("column \"", f.key, "\" (declared in info.json) is missing"));
      continue;
    }
    if (!dtype_matches(f.dtype, c->elem)) {
      sink.error(
          "column type", where,
          str("column \"", f.key, "\" is ", describe_column_type(*c), " but info.json says dtype ", f.dtype));
      continue;
    }
    if (!f.is_numeric() || f.shape.size() != 1) continue;
    Matrix m;
    try {
      m = column_matrix_f64(t, f.key, f.shape[0], where);
    } catch (const Error& e) {
      std::string msg = e.what();
      if (msg.rfind(where + ": ", 0) == 0) msg = msg.substr(where.size() + 2);
      sink.error("column shape", where, msg);
      continue;
    }
    if (f.is_float()) {
      int64_t bad = 0, first_r = -1, first_d = -1;
      double first_v = 0;
      for (int64_t r = 0; r < m.rows; ++r)
        for (int64_t d = 0; d < m.cols; ++d) {
          double v = m.at(r, d);
          if (!std::isfinite(v)) {
            if (bad++ == 0) {
              first_r = r;
              first_d = d;
              first_v = v;
            }
          }
        }
      if (bad)
        sink.error("non-finite", where,
                   str("column \"", f.key, "\" has ", bad, " non-finite value(s); first at row ", first_r,
                       m.cols > 1 ? str(" dim ", first_d) : std::string(), " (", first_v, ")"));
    }
  }
  // timestamps
  if (const pq::Column* c = t.find("timestamp")) {
    if (c->elem == pq::Elem::kFloat32 || c->elem == pq::Elem::kFloat64) {
      try {
        Matrix ts = column_matrix_f64(t, "timestamp", 1, where);
        const double step = 1.0 / ds.info.fps;
        if (ts.rows > 0) {
          facts.has_timestamp = true;
          facts.first_timestamp = ts.data[0];
        }
        for (int64_t r = 1; r < ts.rows; ++r) {
          double dt = ts.data[r] - ts.data[r - 1];
          if (!(std::fabs(dt - step) <= tol)) {
            sink.error("timestamp step", where,
                       str("timestamp jumps from ", ts.data[r - 1], " s (row ", r - 1, ") to ", ts.data[r],
                           " s (row ", r, "): step ", dt, " s, expected 1/fps = ", step, " s (tolerance ",
                           tol, " s)"));
            break;
          }
        }
      } catch (const Error&) {
        // shape problems were reported above
      }
    }
  }
  auto int_column = [&](const std::string& name, std::vector<int64_t>& out) -> bool {
    const pq::Column* c = t.find(name);
    if (!c) return false;
    try {
      out = column_int64(t, name, where);
      return true;
    } catch (const Error&) {
      return false;  // type errors were reported above
    }
  };
  std::vector<int64_t> v;
  if (int_column("frame_index", v)) {
    for (int64_t r = 0; r < int64_t(v.size()); ++r)
      if (v[r] != r) {
        sink.error("frame_index", where,
                   str("frame_index is ", v[r], " at row ", r, " (expected 0..", v.size() - 1, ")"));
        break;
      }
  }
  if (int_column("episode_index", v)) {
    for (int64_t r = 0; r < int64_t(v.size()); ++r)
      if (v[r] != ep.episode_index) {
        sink.error("episode_index", where,
                   str("episode_index is ", v[r], " at row ", r, " but the file belongs to episode ",
                       ep.episode_index));
        break;
      }
  }
  if (int_column("index", v)) {
    if (!v.empty()) facts.first_index = v[0];
    for (int64_t r = 1; r < int64_t(v.size()); ++r)
      if (v[r] != v[r - 1] + 1) {
        sink.error(
            "index continuity", where,
            str("index is not contiguous: ", v[r - 1], " at row ", r - 1, " then ", v[r], " at row ", r));
        break;
      }
  }
  for (const auto& col : task_columns) {
    if (!t.find(col)) {
      sink.error("missing column", where,
                 str("column \"", col, "\" (task indices, see modality.json annotation) is missing"));
      continue;
    }
    if (!int_column(col, v)) {
      sink.error("column type", where,
                 str("column \"", col, "\" must hold integer task indices, got ",
                     describe_column_type(*t.find(col))));
      continue;
    }
    for (int64_t r = 0; r < int64_t(v.size()); ++r)
      if (!ds.task_map.count(v[r])) {
        sink.error("task index", where,
                   str("column \"", col, "\" row ", r, " has task index ", v[r],
                       ", which is not in meta/tasks.jsonl (", ds.task_map.size(), " tasks)"));
        break;
      }
  }
}

void check_video(const Dataset& ds, const std::string& key, const Episode& ep, int64_t rows, bool decode_all,
                 Sink& sink) {
  const fs::path p = ds.video_path(key, ep.episode_index);
  const std::string where = p.lexically_relative(ds.root).string();
  if (!fs::exists(p)) {
    sink.error("missing video", where, str("missing (camera \"", key, "\", episode ", ep.episode_index, ")"));
    return;
  }
  const Feature* f = ds.info.find(key);
  video::Info vi;
  try {
    vi = video::probe(p.string());
  } catch (const Error& e) {
    sink.error("unreadable video", where, str("cannot be opened: ", e.what()));
    return;
  }
  const int64_t need = rows > 0 ? rows : ep.length;
  if (vi.num_frames < need)
    sink.error("video frames", where,
               str("has ", vi.num_frames, " frames but the episode has ", need,
                   " rows (GR00T decodes frame i for row i; the file may be truncated)"));
  else if (vi.num_frames > need)
    sink.warn("video frames", where,
              str("has ", vi.num_frames, " frames for ", need, " rows (extra frames are ignored)"));
  if (f && f->shape.size() == 3 && (f->shape[0] != vi.height || f->shape[1] != vi.width))
    sink.warn(
        "video size", where,
        str("is ", vi.width, "x", vi.height, " but info.json shape says ", f->shape[1], "x", f->shape[0]));
  if (f && f->video.present && !f->video.codec.empty() && !vi.codec.empty() && f->video.codec != vi.codec &&
      !(f->video.codec == "libsvtav1" && vi.codec == "av1"))
    sink.warn("video codec", where, str("codec is ", vi.codec, " but info.json says ", f->video.codec));
  if (vi.fps > 0 && std::fabs(vi.fps - ds.info.fps) > 1e-3)
    sink.warn("video fps", where, str("runs at ", vi.fps, " fps but info.json fps is ", ds.info.fps));
  if (need <= 0 || vi.num_frames < need) return;
  try {
    video::Decoder dec(p.string());
    std::vector<uint8_t> rgb;
    if (decode_all) {
      int64_t n = 0;
      while (dec.next(rgb)) ++n;
      if (n < need) sink.error("video decode", where, str("only ", n, " of ", need, " frames decode"));
    } else {
      dec.read(need - 1, rgb);
    }
  } catch (const Error& e) {
    sink.error("video decode", where, str("frame ", need - 1, " does not decode: ", e.what()));
  }
}

}  // namespace

ValidateReport validate_dataset(const fs::path& root, const ValidateOptions& opt) {
  ValidateReport rep;
  Sink sink(opt.max_issues_per_kind);
  auto finish = [&] {
    rep.issues = sink.finish();
    return rep;
  };
  if (!fs::is_directory(root)) {
    sink.error("dataset", root.string(), "not a directory");
    return finish();
  }
  Dataset ds;
  ds.root = root;
  const fs::path meta = root / "meta";
  // --- meta files (fatal when unreadable) ---
  try {
    fs::path p = meta / "info.json";
    if (!fs::exists(p)) fail(p.string(), ": missing (is ", root.string(), " a LeRobot v2 dataset?)");
    ds.info = parse_info(parse_json_text(read_file(p), p.string()), p.string());
    p = meta / "episodes.jsonl";
    if (!fs::exists(p)) fail(p.string(), ": missing");
    ds.episodes = parse_episodes_jsonl(read_file(p), p.string());
    p = meta / "tasks.jsonl";
    if (!fs::exists(p)) fail(p.string(), ": missing");
    ds.tasks = parse_tasks_jsonl(read_file(p), p.string());
  } catch (const Error& e) {
    sink.error("meta", "", e.what());
    return finish();
  }
  const std::string info_f = "meta/info.json", ep_f = "meta/episodes.jsonl", task_f = "meta/tasks.jsonl",
                    mod_f = "meta/modality.json";
  for (const auto& t : ds.tasks)
    if (!ds.task_map.emplace(t.task_index, t.task).second)
      sink.error("tasks", task_f, str("task_index ", t.task_index, " appears more than once"));
  {
    std::vector<int64_t> idx;
    for (size_t i = 0; i < ds.tasks.size(); ++i) idx.push_back(ds.tasks[i].task_index);
    std::sort(idx.begin(), idx.end());
    for (size_t i = 0; i < idx.size(); ++i)
      if (idx[i] != int64_t(i)) {
        sink.warn("tasks", task_f, str("task indices are not 0..", idx.size() - 1, " (found ", idx[i], ")"));
        break;
      }
  }
  std::set<std::string> task_strings;
  for (const auto& t : ds.tasks) task_strings.insert(t.task);
  // episodes
  {
    std::set<int64_t> seen;
    for (const auto& e : ds.episodes) {
      if (!seen.insert(e.episode_index).second)
        sink.error("episodes", ep_f, str("episode_index ", e.episode_index, " appears more than once"));
      if (e.length == 0) sink.warn("episodes", ep_f, str("episode ", e.episode_index, " has length 0"));
      for (const auto& s : e.tasks)
        if (!task_strings.count(s))
          sink.warn("episode tasks", ep_f,
                    str("episode ", e.episode_index, " lists task \"", s, "\", which is not in ", task_f));
    }
    int64_t expect = 0;
    for (int64_t i : seen) {
      if (i != expect) {
        sink.warn("episodes", ep_f,
                  str("episode indices are not contiguous: ", expect, " is missing (next is ", i, ")"));
        break;
      }
      ++expect;
    }
    if (ds.episodes.empty()) sink.error("episodes", ep_f, "no episodes");
  }
  // info totals
  if (ds.info.total_episodes != int64_t(ds.episodes.size()))
    sink.warn(
        "totals", info_f,
        str("total_episodes is ", ds.info.total_episodes, " but episodes.jsonl lists ", ds.episodes.size()));
  if (ds.info.total_frames != ds.total_frames())
    sink.warn(
        "totals", info_f,
        str("total_frames is ", ds.info.total_frames, " but the episode lengths sum to ", ds.total_frames()));
  if (ds.info.total_tasks != int64_t(ds.tasks.size()))
    sink.warn("totals", info_f,
              str("total_tasks is ", ds.info.total_tasks, " but tasks.jsonl lists ", ds.tasks.size()));
  std::vector<std::string> video_keys = ds.info.video_keys();
  if (!video_keys.empty() && ds.info.video_path.empty())
    sink.error("info", info_f, "declares video features but video_path is null");
  for (const auto& f : ds.info.features) {
    if (f.is_video() && f.shape.size() != 3)
      sink.warn("info", info_f,
                str("video feature \"", f.key, "\" shape should be [height, width, channels]"));
  }
  // modality.json
  std::set<std::string> task_columns = {};
  if (ds.info.find("task_index")) task_columns.insert("task_index");
  try {
    fs::path p = meta / "modality.json";
    if (fs::exists(p))
      ds.modality = parse_modality_meta(parse_json_text(read_file(p), p.string()), mod_f);
    else
      sink.error(
          "modality", mod_f,
          "missing: GR00T needs it to split observation.state / action into groups (state/action start/end, "
          "video original_key, annotation); run `groot modality-init " + ds.root.string() +
              "` to derive one from meta/info.json, then edit it");
  } catch (const Error& e) {
    sink.error("modality", "", e.what());
  }
  if (ds.modality) {
    const ModalityMeta& m = *ds.modality;
    for (const auto* list : {&m.state, &m.action}) {
      const char* sec = list == &m.state ? "state" : "action";
      for (const auto& s : *list) {
        const Feature* f = ds.info.find(s.original_key);
        if (!f) {
          sink.error(
              "modality", mod_f,
              str(sec, ".", s.name, ": original_key \"", s.original_key, "\" is not a feature of info.json"));
        } else if (!f->is_numeric() || f->shape.size() != 1) {
          sink.error(
              "modality", mod_f,
              str(sec, ".", s.name, ": \"", s.original_key, "\" is ", f->dtype, ", not a numeric vector"));
        } else if (s.end > f->shape[0]) {
          sink.error("modality", mod_f,
                     str(sec, ".", s.name, ": range [", s.start, ":", s.end, ") exceeds \"", s.original_key,
                         "\", which has ", f->shape[0], " values per row"));
        }
      }
    }
    for (const auto& v : m.video) {
      const Feature* f = ds.info.find(v.original_key);
      if (!f || !f->is_video())
        sink.error("modality", mod_f,
                   str("video.", v.name, ": original_key \"", v.original_key,
                       "\" is not a video feature of info.json"));
    }
    for (const auto& a : m.annotation) task_columns.insert(a.original_key);
  }
  // modality config
  std::optional<ModalityConfig> cfg;
  try {
    if (!opt.modality_config.empty())
      cfg = load_modality_config(opt.modality_config);
    else if (ds.modality)
      cfg = default_modality_config(*ds.modality);
    if (cfg && ds.modality) validate_modality_config(*cfg, *ds.modality, ds.info, mod_f);
  } catch (const Error& e) {
    sink.error("modality config", "", e.what());
    if (!opt.modality_config.empty()) cfg.reset();
  }
  if (cfg && (!cfg->video.present || cfg->video.modality_keys.empty())) {
    const size_t cams = ds.info.video_keys().size();
    sink.warn("no camera", opt.modality_config.empty() ? mod_f : opt.modality_config,
              str("has no camera (no video modality keys): the model will see no images, while GR00T N1.6 is "
                  "trained on images; ",
                  cams ? str("add the dataset's cameras (", cams, " video feature(s) in meta/info.json) to the ",
                             opt.modality_config.empty() ? "\"video\" section of meta/modality.json"
                                                         : "config's video modality_keys")
                       : std::string("the dataset has no video features: convert it with a mapping that has a "
                                     "'video' section")));
  }
  if (cfg && cfg->action.present) {
    const int h = cfg->action_horizon();
    int64_t short_eps = 0;
    for (const auto& e : ds.episodes)
      if (e.length < h) ++short_eps;
    if (short_eps)
      sink.warn("episodes", ep_f,
                str(short_eps, " episode(s) are shorter than the action horizon (", h,
                    ") and contribute no training samples"));
  }
  // stats files
  std::vector<std::string> float_feats = n16_stats_features(ds.info);
  try {
    fs::path p = meta / "stats.json";
    if (!fs::exists(p)) {
      sink.warn("stats", "meta/stats.json", "missing; run `groot stats DATASET` before training");
    } else {
      ojson st = parse_json_text(read_file(p), "meta/stats.json");
      if (!stats_complete(st, float_feats)) {
        sink.warn(
            "stats", "meta/stats.json",
            "does not cover every float feature with mean/std/min/max/q01/q99; run `groot stats DATASET`");
      } else {
        for (const auto& k : float_feats) {
          int64_t d = ds.info.find(k)->dim();
          for (const char* s : {"mean", "std", "min", "max", "q01", "q99"}) {
            const ojson& a = st[k][s];
            if (!a.is_array() || int64_t(a.size()) != d)
              sink.error("stats", "meta/stats.json",
                         str("\"", k, "\".", s, " should be a list of ", d, " numbers"));
          }
        }
      }
    }
    fs::path rp = meta / "relative_stats.json";
    std::vector<std::string> rel = cfg ? cfg->relative_action_keys() : std::vector<std::string>{};
    if (!rel.empty()) {
      if (!fs::exists(rp)) {
        sink.warn("stats", "meta/relative_stats.json",
                  "missing for RELATIVE action keys; run `groot stats DATASET --modality-config FILE`");
      } else {
        ojson rs = parse_json_text(read_file(rp), "meta/relative_stats.json");
        for (const auto& k : rel) {
          if (!rs.contains(k)) {
            sink.warn("stats", "meta/relative_stats.json",
                      str("has no entry for RELATIVE action \"", k, "\""));
            continue;
          }
          const ModalitySlice* a = ds.modality ? ds.modality->find_action(k) : nullptr;
          const ojson& mx = rs[k].contains("max") ? rs[k]["max"] : ojson();
          size_t T = cfg->action.delta_indices.size();
          if (!mx.is_array() || mx.size() != T ||
              (a && (!mx[0].is_array() || int64_t(mx[0].size()) != a->dim())))
            sink.error("stats", "meta/relative_stats.json",
                       str("\"", k, "\" should be [", T, "][", a ? a->dim() : -1,
                           "] per statistic (action horizon x dims); "
                           "delete it and run `groot stats`"));
        }
      }
    }
  } catch (const Error& e) {
    sink.error("stats", "", e.what());
  }

  // --- parquet files (parallel over episodes) ---
  std::vector<EpisodeFacts> facts(ds.episodes.size());
  parallel_for(int64_t(ds.episodes.size()), opt.threads, [&](int64_t i) {
    try {
      check_episode(ds, ds.episodes[i], task_columns, opt.timestamp_tol_s, sink, facts[i]);
    } catch (const Error& e) {
      sink.error("episode", ds.parquet_path(ds.episodes[i].episode_index).string(), e.what());
    }
  });
  for (const auto& f : facts)
    if (f.read) {
      ++rep.episodes_checked;
      rep.frames_checked += f.rows;
    }
  // timestamps starting elsewhere than 0
  {
    int64_t n = 0;
    double example = 0;
    for (const auto& f : facts)
      if (f.has_timestamp && std::fabs(f.first_timestamp) > opt.timestamp_tol_s) {
        if (n++ == 0) example = f.first_timestamp;
      }
    if (n)
      sink.warn("timestamp start", "data",
                str(n, " episode(s) have timestamps that start at ", example,
                    " s instead of 0 (LeRobot writes frame_index / fps; GR00T N1.6 decodes video by frame "
                    "index, so "
                    "this is harmless for training)"));
  }
  // index contiguity across episodes (in episode order)
  {
    int64_t expect = 0;
    bool all = true;
    std::vector<size_t> order(ds.episodes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return ds.episodes[a].episode_index < ds.episodes[b].episode_index;
    });
    for (size_t i : order) {
      if (!facts[i].read || facts[i].first_index < 0) {
        all = false;
        break;
      }
      if (facts[i].first_index != expect) {
        sink.warn("index continuity",
                  ds.parquet_path(ds.episodes[i].episode_index).lexically_relative(root).string(),
                  str("global index starts at ", facts[i].first_index, " but the previous episodes hold ",
                      expect, " rows"));
        break;
      }
      expect += facts[i].rows;
    }
    (void)all;
  }
  // stray parquet files
  {
    std::set<fs::path> expected;
    for (const auto& e : ds.episodes) expected.insert(ds.parquet_path(e.episode_index).lexically_normal());
    for (const auto& p : list_parquet_files(root))
      if (!expected.count(p.lexically_normal()))
        sink.warn("stray parquet", p.lexically_relative(root).string(),
                  "is not an episode of episodes.jsonl (Isaac-GR00T's stats.py still reads every "
                  "data/*/*.parquet)");
  }

  // --- videos ---
  if (opt.check_videos && !video_keys.empty() && !ds.info.video_path.empty()) {
    std::set<std::string> used;
    if (ds.modality)
      for (const auto& v : ds.modality->video) used.insert(v.original_key);
    std::vector<std::pair<std::string, size_t>> jobs;
    for (const auto& key : video_keys) {
      int64_t present = 0;
      for (const auto& e : ds.episodes)
        if (fs::exists(ds.video_path(key, e.episode_index))) ++present;
      if (present == 0 && !used.count(key)) {
        sink.warn(
            "camera without files", info_f,
            str("video feature \"", key, "\" has no video files (e.g. ",
                ds.episodes.empty()
                    ? std::string("-")
                    : ds.video_path(key, ds.episodes[0].episode_index).lexically_relative(root).string(),
                "); it is not used by modality.json, so training ignores it"));
        continue;
      }
      for (size_t i = 0; i < ds.episodes.size(); ++i) jobs.emplace_back(key, i);
    }
    if (!video::available()) {
      sink.warn("video", "", "groot was built without FFmpeg: video files were only checked for presence");
      for (auto& [key, i] : jobs)
        if (!fs::exists(ds.video_path(key, ds.episodes[i].episode_index)))
          sink.error("missing video",
                     ds.video_path(key, ds.episodes[i].episode_index).lexically_relative(root).string(),
                     "missing");
    } else {
      std::mutex mu;
      parallel_for(int64_t(jobs.size()), opt.threads, [&](int64_t j) {
        auto& [key, i] = jobs[j];
        try {
          check_video(ds, key, ds.episodes[i], facts[i].read ? facts[i].rows : -1, opt.decode_all, sink);
        } catch (const Error& e) {
          sink.error("video", ds.video_path(key, ds.episodes[i].episode_index).string(), e.what());
        }
        std::lock_guard<std::mutex> lk(mu);
        ++rep.videos_checked;
      });
    }
  }
  return finish();
}

}  // namespace groot::data
