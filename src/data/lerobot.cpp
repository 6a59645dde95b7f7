#include "data/lerobot.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "data/video.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::data {

namespace {

std::string jtype(const ojson& j) {
  return j.type_name();
}

int64_t get_int(const ojson& obj, const std::string& key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(where, ": missing field \"", key, "\"");
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (std::floor(d) == d && std::isfinite(d)) return int64_t(d);
  }
  fail(where, ": field \"", key, "\" must be an integer, got ", it->dump(), " (", jtype(*it), ")");
}

std::string get_string(const ojson& obj, const std::string& key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(where, ": missing field \"", key, "\"");
  if (!it->is_string()) fail(where, ": field \"", key, "\" must be a string, got ", it->dump());
  return it->get<std::string>();
}

std::string opt_string(const ojson& obj, const std::string& key, const std::string& where,
                       const std::string& dflt) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_string()) fail(where, ": field \"", key, "\" must be a string, got ", it->dump());
  return it->get<std::string>();
}

VideoMeta parse_video_meta(const ojson& f, const std::string& where) {
  VideoMeta v;
  const char* src = f.contains("info") ? "info" : (f.contains("video_info") ? "video_info" : nullptr);
  if (!src) return v;
  const ojson& b = f.at(src);
  if (!b.is_object()) fail(where, ": \"", src, "\" must be an object, got ", b.dump());
  v.present = true;
  v.source = src;
  std::string w = where + "." + src;
  auto num = [&](const char* k, double dflt) -> double {
    auto it = b.find(k);
    if (it == b.end() || it->is_null()) return dflt;
    if (!it->is_number()) fail(w, ": \"", k, "\" must be a number, got ", it->dump());
    return it->get<double>();
  };
  auto boolean = [&](const char* k) -> bool {
    auto it = b.find(k);
    if (it == b.end() || it->is_null()) return false;
    if (!it->is_boolean()) fail(w, ": \"", k, "\" must be true/false, got ", it->dump());
    return it->get<bool>();
  };
  v.fps = num("video.fps", 0);
  v.codec = opt_string(b, "video.codec", w, "");
  v.pix_fmt = opt_string(b, "video.pix_fmt", w, "");
  v.height = int64_t(num("video.height", 0));
  v.width = int64_t(num("video.width", 0));
  v.channels = int64_t(num("video.channels", 0));
  v.is_depth_map = boolean("video.is_depth_map");
  v.has_audio = boolean("has_audio");
  return v;
}

// Splits text into non-empty lines, remembering 1-based line numbers.
std::vector<std::pair<int, std::string>> split_lines(const std::string& text) {
  std::vector<std::pair<int, std::string>> out;
  int lineno = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    ++lineno;
    std::string line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (!blank) out.emplace_back(lineno, std::move(line));
    pos = nl + 1;
  }
  return out;
}

}  // namespace

// --- Feature / Info / ModalityMeta ---------------------------------------------------------------

bool Feature::is_numeric() const {
  return is_float() || dtype.rfind("int", 0) == 0 || dtype.rfind("uint", 0) == 0 || dtype == "bool";
}

int64_t Feature::dim() const {
  int64_t d = 1;
  for (int64_t s : shape) d *= s;
  return d;
}

const Feature* Info::find(const std::string& key) const {
  for (const auto& f : features)
    if (f.key == key) return &f;
  return nullptr;
}

std::vector<std::string> Info::video_keys() const {
  std::vector<std::string> out;
  for (const auto& f : features)
    if (f.is_video()) out.push_back(f.key);
  return out;
}

ojson parse_json_text(const std::string& text, const std::string& file) {
  try {
    return ojson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail(file, ": invalid JSON: ", e.what());
  }
}

Info parse_info(const ojson& j, const std::string& file) {
  if (!j.is_object()) fail(file, ": expected a JSON object at the top level, got ", jtype(j));
  Info info;
  info.raw = j;
  info.codebase_version = get_string(j, "codebase_version", file);
  const std::string& v = info.codebase_version;
  if (v.rfind("v3", 0) == 0 || v.rfind("3", 0) == 0)
    fail(file, ": codebase_version \"", v,
         "\" is LeRobot v3.0, which is not compatible with v2.x readers (GR00T included); convert it with "
         "Isaac-GR00T's scripts/lerobot_conversion/convert_v3_to_v2.py");
  if (v.rfind("v2", 0) != 0)
    fail(file, ": codebase_version \"", v, "\" is not supported (expected \"v2.0\" or \"v2.1\")");
  auto rt = j.find("robot_type");
  if (rt != j.end() && rt->is_string()) info.robot_type = rt->get<std::string>();
  auto opt_int = [&](const char* k, int64_t dflt) {
    return j.contains(k) && !j.at(k).is_null() ? get_int(j, k, file) : dflt;
  };
  info.total_episodes = opt_int("total_episodes", 0);
  info.total_frames = opt_int("total_frames", 0);
  info.total_tasks = opt_int("total_tasks", 0);
  info.total_videos = opt_int("total_videos", 0);
  info.total_chunks = opt_int("total_chunks", 0);
  info.chunks_size = get_int(j, "chunks_size", file);
  if (info.chunks_size <= 0) fail(file, ": chunks_size must be > 0, got ", info.chunks_size);
  auto fps = j.find("fps");
  if (fps == j.end() || fps->is_null()) {
    info.fps = 30;  // GR00T's default
  } else {
    if (!fps->is_number()) fail(file, ": field \"fps\" must be a number, got ", fps->dump());
    info.fps = fps->get<double>();
    if (!(info.fps > 0) || !std::isfinite(info.fps)) fail(file, ": fps must be > 0, got ", fps->dump());
  }
  info.data_path = get_string(j, "data_path", file);
  info.video_path = opt_string(j, "video_path", file, "");
  auto feats = j.find("features");
  if (feats == j.end()) fail(file, ": missing field \"features\"");
  if (!feats->is_object()) fail(file, ": \"features\" must be an object, got ", jtype(*feats));
  for (auto it = feats->begin(); it != feats->end(); ++it) {
    std::string where = file + ": features[\"" + it.key() + "\"]";
    const ojson& f = it.value();
    if (!f.is_object()) fail(where, " must be an object, got ", jtype(f));
    Feature feat;
    feat.key = it.key();
    if (feat.key.find('/') != std::string::npos) fail(where, ": feature names must not contain '/'");
    feat.dtype = get_string(f, "dtype", where);
    auto sh = f.find("shape");
    if (sh == f.end()) fail(where, ": missing field \"shape\"");
    if (!sh->is_array() || sh->empty())
      fail(where, ": \"shape\" must be a non-empty list of ints, got ", sh->dump());
    for (const auto& s : *sh) {
      if (!s.is_number_integer() || s.get<int64_t>() < 0)
        fail(where, ": \"shape\" must be a list of non-negative ints, got ", sh->dump());
      feat.shape.push_back(s.get<int64_t>());
    }
    if (f.contains("names")) feat.names = f.at("names");
    if (feat.is_video()) feat.video = parse_video_meta(f, where);
    info.features.push_back(std::move(feat));
  }
  return info;
}

std::vector<Episode> parse_episodes_jsonl(const std::string& text, const std::string& file) {
  std::vector<Episode> out;
  for (auto& [lineno, line] : split_lines(text)) {
    std::string where = file + ":" + std::to_string(lineno);
    ojson j = parse_json_text(line, where);
    if (!j.is_object()) fail(where, ": expected a JSON object, got ", jtype(j));
    Episode e;
    e.episode_index = get_int(j, "episode_index", where);
    e.length = get_int(j, "length", where);
    if (e.episode_index < 0) fail(where, ": episode_index must be >= 0, got ", e.episode_index);
    if (e.length < 0) fail(where, ": length must be >= 0, got ", e.length);
    auto t = j.find("tasks");
    if (t != j.end() && !t->is_null()) {
      if (!t->is_array()) fail(where, ": \"tasks\" must be a list of strings, got ", t->dump());
      for (const auto& s : *t) {
        if (!s.is_string()) fail(where, ": \"tasks\" must be a list of strings, got ", t->dump());
        e.tasks.push_back(s.get<std::string>());
      }
    }
    e.raw = std::move(j);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Task> parse_tasks_jsonl(const std::string& text, const std::string& file) {
  std::vector<Task> out;
  for (auto& [lineno, line] : split_lines(text)) {
    std::string where = file + ":" + std::to_string(lineno);
    ojson j = parse_json_text(line, where);
    if (!j.is_object()) fail(where, ": expected a JSON object, got ", jtype(j));
    Task t;
    t.task_index = get_int(j, "task_index", where);
    t.task = get_string(j, "task", where);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<EpisodeStats> parse_episodes_stats_jsonl(const std::string& text, const std::string& file) {
  std::vector<EpisodeStats> out;
  for (auto& [lineno, line] : split_lines(text)) {
    std::string where = file + ":" + std::to_string(lineno);
    ojson j = parse_json_text(line, where);
    if (!j.is_object()) fail(where, ": expected a JSON object, got ", jtype(j));
    EpisodeStats e;
    e.episode_index = get_int(j, "episode_index", where);
    auto st = j.find("stats");
    if (st == j.end() || !st->is_object()) fail(where, ": \"stats\" must be an object of per-feature statistics");
    for (auto it = st->begin(); it != st->end(); ++it) {
      if (!it->is_object())
        fail(where, ": stats[\"", it.key(), "\"] must be an object with min/max/mean/std/count, got ", it->dump());
      for (const char* k : {"min", "max", "mean", "std", "count"})
        if (!it->contains(k)) fail(where, ": stats[\"", it.key(), "\"] has no \"", k, "\"");
    }
    e.stats = std::move(*st);
    out.push_back(std::move(e));
  }
  return out;
}

const ModalitySlice* ModalityMeta::find_state(const std::string& name) const {
  for (const auto& s : state)
    if (s.name == name) return &s;
  return nullptr;
}
const ModalitySlice* ModalityMeta::find_action(const std::string& name) const {
  for (const auto& s : action)
    if (s.name == name) return &s;
  return nullptr;
}
const ModalityVideo* ModalityMeta::find_video(const std::string& name) const {
  for (const auto& s : video)
    if (s.name == name) return &s;
  return nullptr;
}
const ModalityAnnotation* ModalityMeta::find_annotation(const std::string& name) const {
  for (const auto& s : annotation)
    if (s.name == name) return &s;
  return nullptr;
}

ModalityMeta parse_modality_meta(const ojson& j, const std::string& file) {
  if (!j.is_object()) fail(file, ": expected a JSON object at the top level, got ", jtype(j));
  ModalityMeta m;
  m.raw = j;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& sec = it.key();
    if (sec != "state" && sec != "action" && sec != "video" && sec != "annotation")
      fail(file, ": unknown top-level key \"", sec, "\" (expected state, action, video, annotation)");
    if (!it->is_object()) fail(file, ": \"", sec, "\" must be an object, got ", jtype(*it));
  }
  for (const char* sec : {"state", "action"}) {
    if (!j.contains(sec)) continue;
    std::string dflt = std::string(sec) == "state" ? "observation.state" : "action";
    for (auto it = j.at(sec).begin(); it != j.at(sec).end(); ++it) {
      std::string where = file + ": " + sec + "." + it.key();
      if (!it->is_object()) fail(where, " must be an object with start/end, got ", it->dump());
      ModalitySlice s;
      s.name = it.key();
      s.start = get_int(*it, "start", where);
      s.end = get_int(*it, "end", where);
      s.original_key = opt_string(*it, "original_key", where, dflt);
      if (s.start < 0 || s.end <= s.start)
        fail(where, ": invalid range [", s.start, ":", s.end, ") (need 0 <= start < end)");
      (std::string(sec) == "state" ? m.state : m.action).push_back(std::move(s));
    }
  }
  if (j.contains("video")) {
    for (auto it = j.at("video").begin(); it != j.at("video").end(); ++it) {
      std::string where = file + ": video." + it.key();
      if (!it->is_object()) fail(where, " must be an object, got ", it->dump());
      m.video.push_back({it.key(), opt_string(*it, "original_key", where, "observation.images." + it.key())});
    }
  }
  if (j.contains("annotation")) {
    for (auto it = j.at("annotation").begin(); it != j.at("annotation").end(); ++it) {
      std::string where = file + ": annotation." + it.key();
      if (!it->is_object()) fail(where, " must be an object, got ", it->dump());
      m.annotation.push_back({it.key(), opt_string(*it, "original_key", where, "annotation." + it.key())});
    }
  }
  return m;
}

// --- path templates ------------------------------------------------------------------------------

std::string format_path_template(const std::string& tmpl, int64_t episode_chunk, int64_t episode_index,
                                 const std::string& video_key) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c == '{') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
        out += '{';
        i += 2;
        continue;
      }
      size_t close = tmpl.find('}', i);
      if (close == std::string::npos) fail("path template \"", tmpl, "\": unterminated '{'");
      std::string field = tmpl.substr(i + 1, close - i - 1);
      std::string name = field, spec;
      size_t colon = field.find(':');
      if (colon != std::string::npos) {
        name = field.substr(0, colon);
        spec = field.substr(colon + 1);
      }
      if (name == "video_key") {
        if (!spec.empty()) fail("path template \"", tmpl, "\": {video_key} takes no format spec");
        out += video_key;
      } else if (name == "episode_chunk" || name == "episode_index") {
        int64_t v = name == "episode_chunk" ? episode_chunk : episode_index;
        int width = 0;
        if (!spec.empty()) {
          // Accept [0]N[d]
          size_t p = 0;
          bool zero = false;
          if (spec[p] == '0') {
            zero = true;
            ++p;
          }
          size_t digits_start = p;
          while (p < spec.size() && std::isdigit((unsigned char)spec[p])) ++p;
          if (p > digits_start) width = std::stoi(spec.substr(digits_start, p - digits_start));
          if (p < spec.size() && spec[p] == 'd') ++p;
          if (p != spec.size())
            fail("path template \"", tmpl, "\": unsupported format spec \"", spec, "\" for {", name, "}");
          std::string num = std::to_string(v);
          if (int(num.size()) < width) num = std::string(width - num.size(), zero ? '0' : ' ') + num;
          out += num;
        } else {
          out += std::to_string(v);
        }
      } else {
        fail("path template \"", tmpl, "\": unknown placeholder {", name,
             "} (known: episode_chunk, episode_index, video_key)");
      }
      i = close + 1;
    } else if (c == '}' && i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
      out += '}';
      i += 2;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// --- Dataset -------------------------------------------------------------------------------------

int64_t Dataset::total_frames() const {
  int64_t n = 0;
  for (const auto& e : episodes) n += e.length;
  return n;
}

fs::path Dataset::parquet_path(int64_t episode_index) const {
  return root / format_path_template(info.data_path, chunk_of(episode_index), episode_index);
}

fs::path Dataset::video_path(const std::string& video_key, int64_t episode_index) const {
  if (info.video_path.empty())
    fail((root / "meta/info.json").string(), ": video_path is null but video \"", video_key,
         "\" was requested");
  return root / format_path_template(info.video_path, chunk_of(episode_index), episode_index, video_key);
}

const Episode* Dataset::find_episode(int64_t episode_index) const {
  for (const auto& e : episodes)
    if (e.episode_index == episode_index) return &e;
  return nullptr;
}

const ModalityMeta& Dataset::require_modality() const {
  if (!modality)
    fail((root / "meta/modality.json").string(),
         ": missing; GR00T datasets need it to split observation.state / action into groups: run `groot "
         "modality-init ", root.string(), "` to derive one from meta/info.json, then edit it (formats_reference.md §2.1)");
  return *modality;
}

Dataset open_dataset(const fs::path& root) {
  if (!fs::is_directory(root)) fail("dataset ", root.string(), ": not a directory");
  Dataset ds;
  ds.root = root;
  fs::path meta = root / "meta";
  fs::path info_p = meta / "info.json";
  if (!fs::exists(info_p)) fail(info_p.string(), ": missing (is ", root.string(), " a LeRobot v2 dataset?)");
  ds.info = parse_info(parse_json_text(read_file(info_p), info_p.string()), info_p.string());
  fs::path ep_p = meta / "episodes.jsonl";
  if (!fs::exists(ep_p)) fail(ep_p.string(), ": missing");
  ds.episodes = parse_episodes_jsonl(read_file(ep_p), ep_p.string());
  fs::path task_p = meta / "tasks.jsonl";
  if (!fs::exists(task_p)) fail(task_p.string(), ": missing");
  ds.tasks = parse_tasks_jsonl(read_file(task_p), task_p.string());
  for (const auto& t : ds.tasks) {
    if (!ds.task_map.emplace(t.task_index, t.task).second)
      fail(task_p.string(), ": task_index ", t.task_index, " appears more than once");
  }
  fs::path mod_p = meta / "modality.json";
  if (fs::exists(mod_p))
    ds.modality = parse_modality_meta(parse_json_text(read_file(mod_p), mod_p.string()), mod_p.string());
  fs::path st_p = meta / "stats.json";
  if (fs::exists(st_p)) ds.stats = parse_json_text(read_file(st_p), st_p.string());
  fs::path rs_p = meta / "relative_stats.json";
  if (fs::exists(rs_p)) ds.relative_stats = parse_json_text(read_file(rs_p), rs_p.string());
  fs::path es_p = meta / "episodes_stats.jsonl";
  ds.has_episodes_stats = fs::exists(es_p);
  if (ds.has_episodes_stats) ds.episodes_stats = parse_episodes_stats_jsonl(read_file(es_p), es_p.string());
  return ds;
}

// --- per-episode data ----------------------------------------------------------------------------

pq::Table read_episode_table(const Dataset& ds, int64_t episode_index,
                             const std::vector<std::string>& columns) {
  fs::path p = ds.parquet_path(episode_index);
  if (!fs::exists(p)) fail("episode ", episode_index, ": parquet file ", p.string(), " is missing");
  return pq::read_table(p.string(), columns);
}

std::string describe_column_type(const pq::Column& c) {
  const char* e = "?";
  switch (c.elem) {
    case pq::Elem::kBool:
      e = "bool";
      break;
    case pq::Elem::kInt32:
      e = "int32";
      break;
    case pq::Elem::kInt64:
      e = "int64";
      break;
    case pq::Elem::kFloat32:
      e = "float";
      break;
    case pq::Elem::kFloat64:
      e = "double";
      break;
    case pq::Elem::kString:
      e = "string";
      break;
  }
  switch (c.shape) {
    case pq::Shape::kScalar:
      return e;
    case pq::Shape::kFixedList:
      return std::string("fixed_size_list<") + e + ">[" + std::to_string(c.list_size) + "]";
    case pq::Shape::kList:
      return std::string("list<") + e + ">";
  }
  return e;
}

namespace {

// Calls fn(row, value_offset, count) for each row; checks nulls and per-row counts.
template <typename Fn>
int64_t for_each_row(const pq::Table& t, const pq::Column& c, int64_t dim, const std::string& where,
                     Fn&& fn) {
  int64_t rows = t.num_rows;
  if (!c.valid.empty()) {
    for (int64_t r = 0; r < rows; ++r)
      if (!c.valid[r]) fail(where, ": column \"", c.name, "\" row ", r, " is null");
  }
  int64_t nvals = c.num_values();
  if (c.shape == pq::Shape::kScalar) {
    if (dim < 0) dim = 1;
    if (dim != 1)
      fail(where, ": column \"", c.name, "\" is a scalar column (", describe_column_type(c), ") but ", dim,
           " values per row are expected");
    if (nvals != rows) fail(where, ": column \"", c.name, "\" has ", nvals, " values for ", rows, " rows");
    for (int64_t r = 0; r < rows; ++r) fn(r, r, 1);
    return 1;
  }
  if (c.shape == pq::Shape::kFixedList) {
    if (dim < 0) dim = c.list_size;
    if (c.list_size != dim)
      fail(where, ": column \"", c.name, "\" is ", describe_column_type(c), " but info.json says ", dim,
           " values per row");
    if (nvals != rows * dim)
      fail(where, ": column \"", c.name, "\" has ", nvals, " values for ", rows, " rows of ", dim);
    for (int64_t r = 0; r < rows; ++r) fn(r, r * dim, dim);
    return dim;
  }
  // variable-length list
  if (int64_t(c.offsets.size()) != rows + 1)
    fail(where, ": column \"", c.name, "\" has ", c.offsets.size(), " offsets for ", rows, " rows");
  if (dim < 0) dim = rows > 0 ? c.offsets[1] - c.offsets[0] : 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t a = c.offsets[r], b = c.offsets[r + 1];
    if (b - a != dim)
      fail(where, ": column \"", c.name, "\" row ", r, " has ", b - a, " values, expected ", dim,
           " (info.json shape)");
    if (a < 0 || b > nvals) fail(where, ": column \"", c.name, "\" row ", r, " offsets out of range");
    fn(r, a, dim);
  }
  return dim;
}

template <typename T>
MatrixT<T> column_matrix(const pq::Table& t, const std::string& column, int64_t dim,
                         const std::string& where) {
  const pq::Column* c = t.find(column);
  if (!c) fail(where, ": column \"", column, "\" is missing from the parquet file");
  if (c->elem == pq::Elem::kString) fail(where, ": column \"", column, "\" holds strings, expected numbers");
  MatrixT<T> m;
  m.rows = t.num_rows;
  bool sized = false;
  auto fn = [&](int64_t r, int64_t off, int64_t n) {
    if (!sized) {
      m.cols = n;
      m.data.resize(size_t(m.rows * n));
      sized = true;
    }
    T* dst = m.data.data() + r * n;
    switch (c->elem) {
      case pq::Elem::kFloat32:
        for (int64_t k = 0; k < n; ++k) dst[k] = T(c->f32[off + k]);
        break;
      case pq::Elem::kFloat64:
        for (int64_t k = 0; k < n; ++k) dst[k] = T(c->f64[off + k]);
        break;
      case pq::Elem::kInt32:
        for (int64_t k = 0; k < n; ++k) dst[k] = T(c->i32[off + k]);
        break;
      case pq::Elem::kInt64:
        for (int64_t k = 0; k < n; ++k) dst[k] = T(c->i64[off + k]);
        break;
      case pq::Elem::kBool:
        for (int64_t k = 0; k < n; ++k) dst[k] = T(c->b[off + k] ? 1 : 0);
        break;
      case pq::Elem::kString:
        break;
    }
  };
  int64_t d = for_each_row(t, *c, dim, where, fn);
  if (!sized) {
    m.cols = d;
    m.data.clear();
  }
  return m;
}

}  // namespace

Matrix column_matrix_f64(const pq::Table& t, const std::string& column, int64_t dim,
                         const std::string& where) {
  return column_matrix<double>(t, column, dim, where);
}

MatrixF column_matrix_f32(const pq::Table& t, const std::string& column, int64_t dim,
                          const std::string& where) {
  return column_matrix<float>(t, column, dim, where);
}

std::vector<int64_t> column_int64(const pq::Table& t, const std::string& column, const std::string& where) {
  const pq::Column* c = t.find(column);
  if (!c) fail(where, ": column \"", column, "\" is missing from the parquet file");
  if (c->elem == pq::Elem::kFloat32 || c->elem == pq::Elem::kFloat64 || c->elem == pq::Elem::kString)
    fail(where, ": column \"", column, "\" is ", describe_column_type(*c), ", expected an integer column");
  std::vector<int64_t> out(size_t(t.num_rows));
  for_each_row(t, *c, 1, where, [&](int64_t r, int64_t off, int64_t) {
    switch (c->elem) {
      case pq::Elem::kInt32:
        out[r] = c->i32[off];
        break;
      case pq::Elem::kInt64:
        out[r] = c->i64[off];
        break;
      case pq::Elem::kBool:
        out[r] = c->b[off];
        break;
      default:
        break;
    }
  });
  return out;
}

std::vector<std::vector<uint8_t>> read_video_frames(const Dataset& ds, const std::string& video_key,
                                                    int64_t episode_index,
                                                    const std::vector<int64_t>& indices, int* width,
                                                    int* height) {
  const Feature* f = ds.info.find(video_key);
  if (!f || !f->is_video())
    fail("episode ", episode_index, ": \"", video_key, "\" is not a video feature of ",
         (ds.root / "meta/info.json").string());
  fs::path p = ds.video_path(video_key, episode_index);
  if (!fs::exists(p)) fail("episode ", episode_index, ": video file ", p.string(), " is missing");
  video::Decoder dec(p.string());
  const video::Info& vi = dec.info();
  if (width) *width = vi.width;
  if (height) *height = vi.height;
  std::vector<std::vector<uint8_t>> frames(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    int64_t idx = indices[k];
    if (idx < 0 || (vi.num_frames > 0 && idx >= vi.num_frames))
      fail("episode ", episode_index, ": frame ", idx, " of ", p.string(), " is out of range (video has ",
           vi.num_frames, " frames)");
    dec.read(idx, frames[k]);
  }
  return frames;
}

}  // namespace groot::data
