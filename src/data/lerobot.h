// LeRobot v2.0 / v2.1 dataset reader (the "GR00T LeRobot" flavour Isaac-GR00T N1.5/N1.6 trains on).
//
// Layout (see docs/reference/formats_reference.md §1, §2):
//   meta/info.json            codebase_version, fps, chunks_size, data_path / video_path templates,
//                             features {key: {dtype, shape, names, info | video_info}}
//   meta/episodes.jsonl       {"episode_index", "tasks", "length"[, "sub_tasks"]} one per line
//   meta/tasks.jsonl          {"task_index", "task"} one per line
//   meta/episodes_stats.jsonl v2.1, optional (LeRobot tooling only)
//   meta/modality.json        GR00T: state/action slices of the concatenated vectors, cameras, annotations
//   meta/stats.json, meta/relative_stats.json   GR00T statistics (data/stats.h writes them)
//   data/chunk-XXX/episode_XXXXXX.parquet       one per episode (data/parquet.h decodes it)
//   videos/chunk-XXX/<video_key>/episode_XXXXXX.mp4   one per (episode, camera) (data/video.h)
//
// open_dataset() reads and checks the meta files (throws groot::Error naming file, line and field);
// the per-episode readers return typed arrays. Everything here is LibTorch-free (groot_data).
//
//   Dataset ds = open_dataset("ds");
//   pq::Table t = read_episode_table(ds, ds.episodes[0].episode_index, {"observation.state"});
//   Matrix state = column_matrix_f64(t, "observation.state", 44, "episode 0");   // [rows][44]
//   auto frames = read_video_frames(ds, "observation.images.ego_view", 0, {0, 1, 2});
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "data/parquet.h"

namespace groot::data {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

// Video metadata from a feature's `info` (LeRobot-native) or `video_info` (GR00T / v1->v2 ports) block.
struct VideoMeta {
  bool present = false;  // false: the feature has neither block
  std::string source;    // "info" or "video_info"
  double fps = 0;        // 0 when absent
  std::string codec;     // "h264", "av1", ... ("" when absent)
  std::string pix_fmt;
  int64_t height = 0, width = 0, channels = 0;  // 0 when absent (video_info has none)
  bool is_depth_map = false;
  bool has_audio = false;
};

struct Feature {
  std::string key;
  std::string dtype;           // numpy dtype string, or "video" / "image" / "string"
  std::vector<int64_t> shape;  // [1] scalar, [D] vector, [H, W, C] video
  ojson names;                 // opaque (null, list, dict, nested list)
  VideoMeta video;             // dtype "video" only

  bool is_video() const { return dtype == "video"; }
  bool is_image() const { return dtype == "image"; }
  bool is_float() const { return dtype.find("float") != std::string::npos; }  // N1.6 stats rule
  bool is_numeric() const;                                                    // float*, int*, uint*, bool
  // Values per row: product of shape (1 for scalars).
  int64_t dim() const;
};

struct Info {
  std::string codebase_version;  // "v2.0" / "v2.1"
  std::string robot_type;        // "" when null
  int64_t total_episodes = 0, total_frames = 0, total_tasks = 0, total_videos = 0, total_chunks = 0;
  int64_t chunks_size = 1000;
  double fps = 30;                // int in LeRobot, float in some GR00T datasets
  std::string data_path;          // template with {episode_chunk:03d} {episode_index:06d}
  std::string video_path;         // template with {video_key}; "" when null/absent (no videos)
  std::vector<Feature> features;  // info.json order (= parquet column order minus videos)
  ojson raw;                      // the whole file

  const Feature* find(const std::string& key) const;  // nullptr when absent
  std::vector<std::string> video_keys() const;        // dtype "video", in order
};

struct Episode {
  int64_t episode_index = 0;
  int64_t length = 0;
  std::vector<std::string> tasks;
  ojson raw;  // the whole line (sub_tasks, ...)
};

struct Task {
  int64_t task_index = 0;
  std::string task;
};

// One line of meta/episodes_stats.jsonl (LeRobot v2.1): per-feature min/max/mean/std/count.
struct EpisodeStats {
  int64_t episode_index = 0;
  ojson stats;  // {"<feature>": {"min": [...], "max": [...], "mean": [...], "std": [...], "count": [n]}}
};

// meta/modality.json. Slices are Python [start:end) into the column `original_key`.
struct ModalitySlice {
  std::string name;
  int64_t start = 0, end = 0;
  std::string original_key;  // defaults: "observation.state" (state), "action" (action)
  int64_t dim() const { return end - start; }
};
struct ModalityVideo {
  std::string name;          // e.g. "ego_view"
  std::string original_key;  // info.json feature, default "observation.images.<name>"
};
struct ModalityAnnotation {
  std::string name;          // sub key, e.g. "human.task_description" (language key "annotation.<name>")
  std::string original_key;  // parquet column with task indices, default "annotation.<name>"
};
struct ModalityMeta {
  std::vector<ModalitySlice> state, action;  // file order
  std::vector<ModalityVideo> video;
  std::vector<ModalityAnnotation> annotation;
  ojson raw;

  const ModalitySlice* find_state(const std::string& name) const;
  const ModalitySlice* find_action(const std::string& name) const;
  const ModalityVideo* find_video(const std::string& name) const;
  const ModalityAnnotation* find_annotation(const std::string& name) const;
};

// Parses modality.json text. `file` names the source in errors.
ModalityMeta parse_modality_meta(const ojson& j, const std::string& file);

struct Dataset {
  fs::path root;
  Info info;
  std::vector<Episode> episodes;            // episodes.jsonl file order (GR00T iterates in this order)
  std::vector<Task> tasks;                  // tasks.jsonl file order
  std::map<int64_t, std::string> task_map;  // task_index -> task
  std::optional<ModalityMeta> modality;     // absent when meta/modality.json does not exist
  std::optional<ojson> stats;               // meta/stats.json
  std::optional<ojson> relative_stats;      // meta/relative_stats.json
  bool has_episodes_stats = false;          // meta/episodes_stats.jsonl exists
  std::vector<EpisodeStats> episodes_stats;  // its lines (v2.1 LeRobot tooling; GR00T ignores them)

  int64_t total_frames() const;  // sum of episode lengths
  int64_t chunk_of(int64_t episode_index) const { return episode_index / info.chunks_size; }
  fs::path parquet_path(int64_t episode_index) const;
  fs::path video_path(const std::string& video_key, int64_t episode_index) const;
  const Episode* find_episode(int64_t episode_index) const;
  // The modality.json, or an error telling how to create one.
  const ModalityMeta& require_modality() const;
};

// Reads info.json, episodes.jsonl, tasks.jsonl (required) and modality.json, stats.json,
// relative_stats.json (optional). Rejects LeRobot v3.0 with the conversion hint.
Dataset open_dataset(const fs::path& root);

// Individual meta parsers (exposed for tests and for `groot validate`, which reports each problem).
Info parse_info(const ojson& j, const std::string& file);
std::vector<Episode> parse_episodes_jsonl(const std::string& text, const std::string& file);
std::vector<Task> parse_tasks_jsonl(const std::string& text, const std::string& file);
std::vector<EpisodeStats> parse_episodes_stats_jsonl(const std::string& text, const std::string& file);
// Parses JSON text; errors name the file and the parser's position.
ojson parse_json_text(const std::string& text, const std::string& file);

// Python str.format subset used by LeRobot path templates: {name} and {name:0Nd}; names
// episode_chunk, episode_index, video_key. Unknown names or bad specs throw.
std::string format_path_template(const std::string& tmpl, int64_t episode_chunk, int64_t episode_index,
                                 const std::string& video_key = "");

// --- per-episode data ---------------------------------------------------------------------------

// Reads the named columns (all when empty) of one episode's parquet file.
pq::Table read_episode_table(const Dataset& ds, int64_t episode_index,
                             const std::vector<std::string>& columns = {});

// Row-major [rows][cols] matrix (the one row-matrix type: dataset columns, processor key values).
template <typename T>
struct MatrixT {
  int64_t rows = 0, cols = 0;
  std::vector<T> data;
  MatrixT() = default;
  MatrixT(int64_t r, int64_t c) : rows(r), cols(c), data(size_t(r * c), T(0)) {}  // zero-filled
  T& at(int64_t r, int64_t c) { return data[r * cols + c]; }
  T* row(int64_t r) { return data.data() + r * cols; }
  const T* row(int64_t r) const { return data.data() + r * cols; }
  T at(int64_t r, int64_t c) const { return data[r * cols + c]; }
};
using Matrix = MatrixT<double>;
using MatrixF = MatrixT<float>;

// A numeric column (scalar, list<T> or fixed_size_list<T> of float32/float64/int32/int64/bool)
// as a [rows][dim] matrix. `dim` is the expected values per row (-1: infer from the first row);
// every row must have exactly that many values and no nulls. `where` prefixes error messages.
// f64: values as stored (float32 values widened exactly); f32: numpy astype(float32) semantics.
Matrix column_matrix_f64(const pq::Table& t, const std::string& column, int64_t dim,
                         const std::string& where);
MatrixF column_matrix_f32(const pq::Table& t, const std::string& column, int64_t dim,
                          const std::string& where);
// A scalar integer (or bool) column as int64 values; nulls are an error.
std::vector<int64_t> column_int64(const pq::Table& t, const std::string& column, const std::string& where);

// Decodes the given frame indices (display order, 0-based) of one camera of one episode as
// RGB24 HWC frames. Sequential ascending indices use the decoder's fast path.
std::vector<std::vector<uint8_t>> read_video_frames(const Dataset& ds, const std::string& video_key,
                                                    int64_t episode_index,
                                                    const std::vector<int64_t>& indices, int* width = nullptr,
                                                    int* height = nullptr);

// Human-readable "pq elem/shape" description, e.g. "list<double>", "fixed_size_list<float>[6]", "int64".
std::string describe_column_type(const pq::Column& c);

}  // namespace groot::data
