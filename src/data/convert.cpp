#include "data/convert.h"

#include "data/frame_cache.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/hdf5.h"
#include "data/parquet.h"
#include "data/video.h"
#include "groot/build_config.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/interrupt.h"
#include "util/progress.h"

namespace groot::convert {
namespace {

using ojson = nlohmann::ordered_json;
constexpr int kChunkSize = 1000;  // episodes per chunk (LeRobot DEFAULT_CHUNK_SIZE)

std::string pad(int64_t v, int width) {
  std::string s = std::to_string(v);
  return s.size() >= size_t(width) ? s : std::string(size_t(width) - s.size(), '0') + s;
}
std::string parquet_rel(int64_t ep) {
  return "data/chunk-" + pad(ep / kChunkSize, 3) + "/episode_" + pad(ep, 6) + ".parquet";
}
std::string video_key(const std::string& cam) { return "observation.images." + cam; }
std::string video_rel(int64_t ep, const std::string& cam) {
  return "videos/chunk-" + pad(ep / kChunkSize, 3) + "/" + video_key(cam) + "/episode_" + pad(ep, 6) + ".mp4";
}

// A demo that passed validation, with everything the episode job needs.
struct Plan {
  int file = 0;          // index into inputs
  std::string demo;      // "demo_12"
  int64_t demo_num = 0;
  int64_t T = 0;
  int64_t episode = 0;
  int64_t index0 = 0;    // global index of its first row
};

struct TermShape {
  int64_t width = 0;  // columns taken
};

struct CamShape {
  int64_t H = 0, W = 0;
  std::string first;  // "file demo" that fixed the shape, for messages
};

// Resolved layout (widths known after the first valid demo).
struct Layout {
  std::vector<int64_t> state_w, action_w;
  int64_t state_dim = 0, action_dim = 0;
  std::vector<CamShape> cams;
  bool known = false;
};

std::string term_where(const std::string& file, const std::string& demo, const std::string& key) {
  return file + ": " + demo + ": " + key;
}

// A mapped dataset the demo does not have: usually a file of another task or layout, so the fix
// is a mapping (--mapping), not --skip-invalid (which would skip every demo).
struct MissingDataset : Error {
  using Error::Error;
};

// The datasets under data/<demo> a mapping could use: "key dtype (shape)" of those with T rows
// (all of them when T < 0), at most `limit`, and the camera-like ones (uint8 (T, H, W, 3)).
struct DemoContents {
  std::string datasets, cameras;
};
DemoContents list_datasets(const h5::File& f, const std::string& demo, int64_t T, size_t limit = 40) {
  std::vector<std::string> rows, cams;
  size_t total = 0;
  std::vector<std::string> todo{""};
  while (!todo.empty()) {
    std::string rel = todo.back();
    todo.pop_back();
    for (const std::string& kid : f.children("data/" + demo + (rel.empty() ? "" : "/" + rel))) {
      std::string key = rel.empty() ? kid : rel + "/" + kid;
      h5::Kind k = f.kind("data/" + demo + "/" + key);
      if (k == h5::Kind::kGroup) {
        todo.push_back(key);
      } else if (k == h5::Kind::kDataset) {
        h5::DatasetInfo di = f.dataset_info("data/" + demo + "/" + key);
        if (T >= 0 && (di.shape.empty() || di.shape[0] != T)) continue;
        std::string d = key + " " + h5::type_name(di.type) + " " + h5::shape_str(di.shape);
        if (di.type == h5::Type::kUInt8 && di.shape.size() == 4 && di.shape[3] == 3) cams.push_back(d);
        if (++total <= limit) rows.push_back(d);
      }
    }
  }
  std::sort(rows.begin(), rows.end());
  std::sort(cams.begin(), cams.end());
  DemoContents c;
  for (const auto& x : rows) c.datasets += (c.datasets.empty() ? "" : ", ") + x;
  if (total > limit) c.datasets += ", ... (" + std::to_string(total - limit) + " more)";
  if (c.datasets.empty()) c.datasets = "none";
  for (const auto& x : cams) c.cameras += (c.cameras.empty() ? "" : ", ") + x;
  if (c.cameras.empty()) c.cameras = "none (map no 'video')";
  return c;
}

[[noreturn]] void missing_dataset(const h5::File& f, const std::string& demo, const std::string& key,
                                  const std::string& what, const Mapping& m, int64_t T) {
  DemoContents c = list_datasets(f, demo, T);
  std::ostringstream os;
  os << term_where(f.path(), demo, key) << ": dataset is missing (" << what << "), which mapping " << m.source
     << " needs.\n  " << demo << " has " << (T >= 0 ? "these datasets of " + std::to_string(T) + " rows" : "these datasets")
     << ": " << c.datasets << ".\n  Camera-like datasets (uint8, (T, H, W, 3)): " << c.cameras << ".\n  ";
  if (m.source == Mapping().source)
    os << "If this file comes from another Isaac Lab task, name its datasets in a mapping file and pass --mapping "
          "FILE (examples in groot's examples/mappings/: franka_stack.yaml for the Franka stack task, "
          "seed_default.yaml for the built-in mapping).";
  else
    os << "Point the mapping's 'key' entries at datasets the demos have (examples in groot's examples/mappings/: "
          "franka_stack.yaml, seed_default.yaml).";
  throw MissingDataset(os.str());
}

// Width of a term after slicing, validating type/rank/slice/rows.
int64_t check_term(const h5::File& f, const std::string& demo, const Term& t, int64_t T, const std::string& T_from,
                   const char* section, const Mapping& m) {
  std::string obj = "data/" + demo + "/" + t.key;
  std::string where = term_where(f.path(), demo, t.key);
  h5::Kind k = f.kind(obj);
  if (k == h5::Kind::kNone) missing_dataset(f, demo, t.key, std::string(section) + " group '" + t.name + "'", m, T);
  if (k != h5::Kind::kDataset) fail(where, ": is a group, expected a dataset (", section, " group '", t.name, "')");
  h5::DatasetInfo info = f.dataset_info(obj);
  if (info.type != h5::Type::kFloat32 && info.type != h5::Type::kFloat64)
    fail(where, ": dtype ", h5::type_name(info.type), ", expected float32 or float64");
  if (info.shape.size() != 1 && info.shape.size() != 2)
    fail(where, ": shape ", h5::shape_str(info.shape), ", expected (T,) or (T, D)");
  if (info.shape[0] == 0) fail(where, ": empty demo (0 rows)");
  if (info.shape[0] != T)
    fail(where, ": has ", info.shape[0], " rows but ", T_from, " has ", T, " rows (mismatched T)");
  int64_t D = info.shape.size() == 2 ? info.shape[1] : 1;
  int64_t end = t.end < 0 ? D : t.end;
  if (t.start >= D || end > D)
    fail(where, ": slice [", t.start, ", ", end, ") out of range for shape ", h5::shape_str(info.shape));
  if (!t.names.empty() && int64_t(t.names.size()) != end - t.start)
    fail("mapping ", section, " group '", t.name, "': 'names' has ", t.names.size(), " entries but ", t.key, " gives ",
         end - t.start, " columns");
  return end - t.start;
}

// Reads a term's sliced columns into dst (row stride `stride`, column offset `col0`).
void read_term(const h5::File& f, const std::string& demo, const Term& t, int64_t T, float* dst, int64_t stride,
               int64_t col0) {
  h5::Dataset d = f.dataset("data/" + demo + "/" + t.key);
  int64_t D = d.info().shape.size() == 2 ? d.info().shape[1] : 1;
  int64_t end = t.end < 0 ? D : t.end;
  std::vector<float> buf(size_t(T * D));
  d.read_rows(0, T, buf.data());
  for (int64_t r = 0; r < T; ++r)
    for (int64_t c = t.start; c < end; ++c) dst[r * stride + col0 + (c - t.start)] = buf[size_t(r * D + c)];
}

void read_group(const h5::File& f, const std::string& demo, const std::vector<Term>& terms,
                const std::vector<int64_t>& widths, int64_t dim, int64_t T, std::vector<float>& out) {
  out.assign(size_t(T * dim), 0.0f);
  int64_t col = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    read_term(f, demo, terms[i], T, out.data(), dim, col);
    col += widths[i];
  }
}

void check_finite(const std::string& file, const std::string& demo, const std::vector<Term>& terms,
                  const std::vector<int64_t>& widths, int64_t dim, int64_t T, const std::vector<float>& v) {
  for (int64_t r = 0; r < T; ++r)
    for (int64_t c = 0; c < dim; ++c) {
      float x = v[size_t(r * dim + c)];
      if (!std::isfinite(x)) {
        int64_t col = c;
        size_t i = 0;
        while (col >= widths[i]) col -= widths[i++];
        fail(term_where(file, demo, terms[i].key), ": ", std::isnan(x) ? "NaN" : "Inf", " at row ", r, ", column ",
             terms[i].start + col, " (", terms[i].name, ")");
      }
    }
}

// Validates one demo; fills/consults the layout. Returns T.
int64_t validate_demo(const h5::File& f, const std::string& demo, const Mapping& m, Layout& lay) {
  std::string g = "data/" + demo;
  if (f.kind(g) != h5::Kind::kGroup) fail(f.path(), ": ", demo, ": is not a group");
  // T comes from the first action term (Isaac Lab: num_samples = len(actions)).
  const Term& ref = m.action.front();
  std::string ref_obj = g + "/" + ref.key;
  h5::Kind rk = f.kind(ref_obj);
  if (rk == h5::Kind::kNone) missing_dataset(f, demo, ref.key, "action group '" + ref.name + "'", m, -1);
  if (rk != h5::Kind::kDataset) fail(term_where(f.path(), demo, ref.key), ": is a group, expected a dataset");
  h5::DatasetInfo ri = f.dataset_info(ref_obj);
  if (ri.shape.empty()) fail(term_where(f.path(), demo, ref.key), ": is a scalar, expected (T, D)");
  int64_t T = ri.shape[0];
  if (T == 0) fail(term_where(f.path(), demo, ref.key), ": empty demo (0 rows)");
  std::vector<int64_t> sw, aw;
  for (const auto& t : m.state) sw.push_back(check_term(f, demo, t, T, ref.key, "state", m));
  for (const auto& t : m.action) aw.push_back(check_term(f, demo, t, T, ref.key, "action", m));
  if (lay.known) {
    for (size_t i = 0; i < sw.size(); ++i)
      if (sw[i] != lay.state_w[i])
        fail(term_where(f.path(), demo, m.state[i].key), ": gives ", sw[i], " columns but earlier demos gave ",
             lay.state_w[i]);
    for (size_t i = 0; i < aw.size(); ++i)
      if (aw[i] != lay.action_w[i])
        fail(term_where(f.path(), demo, m.action[i].key), ": gives ", aw[i], " columns but earlier demos gave ",
             lay.action_w[i]);
  }
  std::vector<CamShape> cams(m.video.size());
  for (size_t c = 0; c < m.video.size(); ++c) {
    const auto& cam = m.video[c];
    std::string where = term_where(f.path(), demo, cam.key);
    h5::Kind k = f.kind(g + "/" + cam.key);
    if (k == h5::Kind::kNone) missing_dataset(f, demo, cam.key, "camera '" + cam.name + "'", m, T);
    if (k != h5::Kind::kDataset) fail(where, ": is a group, expected a dataset (camera '", cam.name, "')");
    h5::DatasetInfo ci = f.dataset_info(g + "/" + cam.key);
    if (ci.type != h5::Type::kUInt8) fail(where, ": dtype ", h5::type_name(ci.type), ", expected uint8 RGB frames");
    if (ci.shape.size() != 4 || ci.shape[3] != 3)
      fail(where, ": shape ", h5::shape_str(ci.shape), ", expected (T, H, W, 3)");
    if (ci.shape[0] != T) fail(where, ": has ", ci.shape[0], " frames but ", ref.key, " has ", T, " rows (mismatched T)");
    if (ci.shape[1] % 2 || ci.shape[2] % 2 || ci.shape[1] < 2 || ci.shape[2] < 2)
      fail(where, ": frames are ", ci.shape[1], "x", ci.shape[2], "; yuv420p video needs even height and width");
    cams[c] = {ci.shape[1], ci.shape[2], f.path() + " " + demo};
    if (lay.known && (lay.cams[c].H != cams[c].H || lay.cams[c].W != cams[c].W))
      fail(where, ": frames are ", cams[c].H, "x", cams[c].W, " but camera '", cam.name, "' is ", lay.cams[c].H, "x",
           lay.cams[c].W, " in ", lay.cams[c].first, " (one video shape per camera)");
  }
  int64_t sd = 0, ad = 0;
  for (auto w : sw) sd += w;
  for (auto w : aw) ad += w;
  std::vector<float> buf;
  read_group(f, demo, m.state, sw, sd, T, buf);
  check_finite(f.path(), demo, m.state, sw, sd, T, buf);
  read_group(f, demo, m.action, aw, ad, T, buf);
  check_finite(f.path(), demo, m.action, aw, ad, T, buf);
  if (!lay.known) {
    lay.state_w = sw;
    lay.action_w = aw;
    lay.state_dim = sd;
    lay.action_dim = ad;
    lay.cams = cams;
    lay.known = true;
  }
  return T;
}

// Per-feature stats (LeRobot compute_episode_stats: population std, count = [n]).
ojson vec_stats(const std::vector<float>& v, int64_t T, int64_t D) {
  std::vector<double> mn(D, INFINITY), mx(D, -INFINITY), sum(D, 0), sq(D, 0);
  for (int64_t r = 0; r < T; ++r)
    for (int64_t c = 0; c < D; ++c) {
      double x = v[size_t(r * D + c)];
      mn[c] = std::min(mn[c], x);
      mx[c] = std::max(mx[c], x);
      sum[c] += x;
    }
  std::vector<double> mean(D);
  for (int64_t c = 0; c < D; ++c) mean[c] = sum[c] / double(T);
  for (int64_t r = 0; r < T; ++r)
    for (int64_t c = 0; c < D; ++c) {
      double d = v[size_t(r * D + c)] - mean[c];
      sq[c] += d * d;
    }
  std::vector<double> sd(D);
  for (int64_t c = 0; c < D; ++c) sd[c] = std::sqrt(sq[c] / double(T));
  ojson o;
  o["min"] = mn;
  o["max"] = mx;
  o["mean"] = mean;
  o["std"] = sd;
  o["count"] = {T};
  return o;
}

ojson scalar_stats(const std::vector<double>& v) {
  double mn = INFINITY, mx = -INFINITY, s = 0, sq = 0;
  for (double x : v) {
    mn = std::min(mn, x);
    mx = std::max(mx, x);
    s += x;
  }
  double mean = s / double(v.size());
  for (double x : v) sq += (x - mean) * (x - mean);
  ojson o;
  o["min"] = {mn};
  o["max"] = {mx};
  o["mean"] = {mean};
  o["std"] = {std::sqrt(sq / double(v.size()))};
  o["count"] = {int64_t(v.size())};
  return o;
}

// LeRobot image stats: frames round(linspace(0, T-1, num)) with
// num = max(min(100, T), min(int(T**0.75), 10000)), downsampled by int(max(H,W)/150) when
// max(H,W) >= 300, per-channel min/max/mean/std over (N, H, W), divided by 255, shape [3][1][1].
struct ImageStats {
  std::vector<int64_t> frames;  // sorted sample indices (may repeat)
  int stride = 1;
  double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
  double sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0};
  int64_t n_px = 0, n_frames = 0;

  ImageStats(int64_t T, int64_t H, int64_t W) {
    int64_t lo = std::min<int64_t>(100, T);
    int64_t num = std::max<int64_t>(lo, std::min<int64_t>(int64_t(std::pow(double(T), 0.75)), 10000));
    double step = num > 1 ? double(T - 1) / double(num - 1) : 0.0;
    for (int64_t i = 0; i < num; ++i) frames.push_back(i == num - 1 ? T - 1 : int64_t(std::nearbyint(double(i) * step)));
    if (num == 1) frames[0] = 0;
    int64_t m = std::max(H, W);
    if (m >= 300) stride = int(W > H ? W / 150 : H / 150);
    if (stride < 1) stride = 1;
  }
  // Adds frame t (RGB HWC) as many times as it was sampled.
  void add(int64_t t, const uint8_t* px, int64_t H, int64_t W) {
    auto range = std::equal_range(frames.begin(), frames.end(), t);
    int64_t times = range.second - range.first;
    if (!times) return;
    double fs[3] = {0, 0, 0}, fq[3] = {0, 0, 0};
    int64_t np = 0;
    for (int64_t y = 0; y < H; y += stride)
      for (int64_t x = 0; x < W; x += stride) {
        const uint8_t* p = px + (y * W + x) * 3;
        for (int c = 0; c < 3; ++c) {
          double v = p[c];
          mn[c] = std::min(mn[c], v);
          mx[c] = std::max(mx[c], v);
          fs[c] += v;
          fq[c] += v * v;
        }
        ++np;
      }
    for (int c = 0; c < 3; ++c) {
      sum[c] += fs[c] * double(times);
      sq[c] += fq[c] * double(times);
    }
    n_px += np * times;
    n_frames += times;
  }
  ojson json() const {
    auto chw = [](const double v[3]) {
      ojson a = ojson::array();
      for (int c = 0; c < 3; ++c) a.push_back(ojson::array({ojson::array({v[c] / 255.0})}));
      return a;
    };
    double mean[3], sd[3];
    for (int c = 0; c < 3; ++c) {
      mean[c] = sum[c] / double(n_px);
      sd[c] = std::sqrt(std::max(0.0, sq[c] / double(n_px) - mean[c] * mean[c]));
    }
    ojson o;
    o["min"] = chw(mn);
    o["max"] = chw(mx);
    o["mean"] = chw(mean);
    o["std"] = chw(sd);
    o["count"] = {n_frames};
    return o;
  }
};

struct EpisodeOut {
  ojson stats;
  int64_t bytes = 0;
};

struct Ctx {
  const Options* opt;
  const Mapping* m;
  const Layout* lay;
  std::vector<h5::File>* files;
  fs::path root;  // staging dir
  int fps;
  std::string task;
  Progress* prog;
  std::atomic<bool>* stop;
};

void write_plain(const fs::path& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
  f.close();
  if (!f) fail("cannot write ", path.string());
}

EpisodeOut run_episode(const Ctx& cx, const Plan& p) {
  const h5::File& f = (*cx.files)[size_t(p.file)];
  const Layout& L = *cx.lay;
  const int64_t T = p.T;
  EpisodeOut out;
  // --- state/action -> parquet
  std::vector<float> state, action;
  read_group(f, p.demo, cx.m->state, L.state_w, L.state_dim, T, state);
  read_group(f, p.demo, cx.m->action, L.action_w, L.action_dim, T, action);
  out.bytes += int64_t(state.size() + action.size()) * 4;
  pq::Table tab;
  tab.num_rows = T;
  auto fixed = [&](const std::string& name, std::vector<float> v, int64_t D) {
    pq::Column c;
    c.name = name;
    c.elem = pq::Elem::kFloat32;
    c.shape = pq::Shape::kFixedList;
    c.list_size = int32_t(D);
    c.f32 = std::move(v);
    return c;
  };
  ojson stats;
  stats["observation.state"] = vec_stats(state, T, L.state_dim);
  stats["action"] = vec_stats(action, T, L.action_dim);
  tab.columns.push_back(fixed("observation.state", std::move(state), L.state_dim));
  tab.columns.push_back(fixed("action", std::move(action), L.action_dim));
  pq::Column ts;
  ts.name = "timestamp";
  ts.elem = pq::Elem::kFloat32;
  const size_t nT = static_cast<size_t>(T);
  std::vector<double> ts_d(nT), fi_d(nT), ep_d(nT, double(p.episode)), ix_d(nT), tk_d(nT, 0.0);
  auto i64col = [&](const std::string& name) {
    pq::Column c;
    c.name = name;
    c.elem = pq::Elem::kInt64;
    c.i64.resize(size_t(T));
    return c;
  };
  pq::Column fi = i64col("frame_index"), ei = i64col("episode_index"), ix = i64col("index"), ti = i64col("task_index");
  for (int64_t t = 0; t < T; ++t) {
    ts.f32.push_back(float(double(t) / cx.fps));
    ts_d[size_t(t)] = double(t) / cx.fps;
    fi.i64[size_t(t)] = t;
    fi_d[size_t(t)] = double(t);
    ei.i64[size_t(t)] = p.episode;
    ix.i64[size_t(t)] = p.index0 + t;
    ix_d[size_t(t)] = double(p.index0 + t);
    ti.i64[size_t(t)] = 0;
  }
  tab.columns.push_back(std::move(ts));
  tab.columns.push_back(std::move(fi));
  tab.columns.push_back(std::move(ei));
  tab.columns.push_back(std::move(ix));
  tab.columns.push_back(std::move(ti));
  // Plain write: the staging folder already makes the dataset appear atomically, so no per-file
  // temp + fsync + rename here (that costs more than the encoding for short episodes).
  write_plain(cx.root / parquet_rel(p.episode), pq::write_table_to_string(tab));

  // --- cameras -> mp4, streamed in row blocks
  for (size_t c = 0; c < cx.m->video.size(); ++c) {
    if (cx.stop->load()) return out;
    const auto& cam = cx.m->video[c];
    h5::Dataset d = f.dataset("data/" + p.demo + "/" + cam.key);
    const int64_t H = L.cams[c].H, W = L.cams[c].W;
    video::EncodeOptions eo;
    eo.codec = cx.opt->codec;
    eo.fps = cx.fps;
    eo.crf = cx.opt->crf;
    eo.preset = cx.opt->preset;
    eo.gop = cx.opt->gop;
    eo.threads = 1;
    std::string path = (cx.root / video_rel(p.episode, cam.name)).string();
    ImageStats is(T, H, W);
    const int64_t block = std::clamp<int64_t>(d.preferred_rows(16), 4, 64);
    const size_t fb = size_t(H * W * 3);
    std::vector<uint8_t> buf(fb * size_t(block));
    if (cx.opt->frames_to_cache) {  // no mp4: frames straight into the dataset's frame cache
      data::FrameSource src;
      src.rel_path = video_rel(p.episode, cam.name);
      int64_t t = 0, base = 0, have = 0;
      data::write_frame_file(data::frame_file_path(cx.root / ".groot_frames", video_key(cam.name), p.episode), src, int(W),
                       int(H), T, [&](uint8_t* dst) {
                         if (t == base + have) {
                           base = t;
                           have = std::min(block, T - t);
                           d.read_rows(t, have, buf.data());
                         }
                         const uint8_t* fr = buf.data() + fb * size_t(t - base);
                         std::memcpy(dst, fr, fb);
                         is.add(t, fr, H, W);
                         ++t;
                       });
      out.bytes += int64_t(fb) * T;
      cx.prog->add(0, c == 0 ? T : 0, int64_t(fb) * T);
      stats[video_key(cam.name)] = is.json();
      continue;
    }
    video::Encoder enc(path, int(W), int(H), eo);
    for (int64_t t0 = 0; t0 < T; t0 += block) {
      if (cx.stop->load()) return out;
      throw_if_interrupted();
      int64_t n = std::min(block, T - t0);
      d.read_rows(t0, n, buf.data());
      for (int64_t k = 0; k < n; ++k) {
        enc.write_rgb(buf.data() + fb * size_t(k));
        is.add(t0 + k, buf.data() + fb * size_t(k), H, W);
      }
      out.bytes += int64_t(fb) * n;
      cx.prog->add(0, c == 0 ? n : 0, int64_t(fb) * n);
    }
    enc.finish();
    if (enc.frames_written() != T)
      fail(path, ": encoder wrote ", enc.frames_written(), " frames, expected ", T, " (one per parquet row)");
    stats[video_key(cam.name)] = is.json();
  }
  if (cx.m->video.empty()) cx.prog->add(0, T, 0);
  stats["timestamp"] = scalar_stats(ts_d);
  stats["frame_index"] = scalar_stats(fi_d);
  stats["episode_index"] = scalar_stats(ep_d);
  stats["index"] = scalar_stats(ix_d);
  stats["task_index"] = scalar_stats(tk_d);
  out.stats = std::move(stats);
  return out;
}

std::vector<std::string> column_names(const std::vector<Term>& terms, const std::vector<int64_t>& widths) {
  std::vector<std::string> out;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (!terms[i].names.empty()) {
      out.insert(out.end(), terms[i].names.begin(), terms[i].names.end());
    } else if (widths[i] == 1) {
      out.push_back(terms[i].name);
    } else {
      for (int64_t k = 0; k < widths[i]; ++k) out.push_back(terms[i].name + "_" + std::to_string(k));
    }
  }
  return out;
}

void write_json(const fs::path& p, const ojson& j) { write_file_atomic(p, j.dump(4) + "\n"); }

}  // namespace

Result run(const Options& opt) {
  GROOT_CHECK(!opt.inputs.empty(), "convert: at least one --hdf5 input is required");
  GROOT_CHECK(!opt.output.empty(), "convert: --output is required");
  GROOT_CHECK(opt.codec == "h264" || opt.codec == "av1", "convert: --codec must be h264 or av1, got '", opt.codec, "'");
  Mapping m = opt.mapping_path.empty() ? default_mapping() : load_mapping(opt.mapping_path);
  if (!m.video.empty() && !video::available() && !opt.frames_to_cache) {
    std::string cams;
    for (auto& c : m.video) cams += (cams.empty() ? "" : ", ") + c.name;
    fail("video encoding is not available in this groot (FFmpeg: ", video::backend_description(),
         "), so it cannot encode the cameras of mapping ", m.source, " (", cams,
         "); rebuild with the FFmpeg development packages (see scripts/setup.sh), use a mapping without a "
         "'video' section, or pass --frames-to-cache (frames go to the training frame cache, no mp4)");
  }
  const int max_crf = video::max_crf(opt.codec);
  GROOT_CHECK(opt.crf >= 0 && opt.crf <= max_crf, "convert: --crf must be in [0, ", max_crf, "] for ", opt.codec,
              ", got ", opt.crf);
  GROOT_CHECK(opt.gop >= 0, "convert: --gop must be >= 0 (0 = codec default), got ", opt.gop);
  GROOT_CHECK(opt.jobs >= 0, "convert: --jobs must be >= 1 (or 0 = all cores), got ", opt.jobs);
  GROOT_CHECK(opt.fps >= 0, "convert: --fps must be > 0, got ", opt.fps);
  const int fps = opt.fps > 0 ? opt.fps : (m.fps > 0 ? m.fps : 30);
  GROOT_CHECK(fps >= 1 && fps <= 1000, "convert: --fps must be in [1, 1000], got ", opt.fps);
  const std::string task = !opt.task.empty() ? opt.task : (!m.task.empty() ? m.task : "");
  GROOT_CHECK(!task.empty(), "convert: no task text: pass --task or set 'task' in the mapping ", m.source);

  // Refuse a bad output before reading anything (StagingDir re-checks when it is created).
  {
    std::error_code ec;
    fs::path o = fs::absolute(opt.output);
    if (fs::exists(o, ec)) {
      if (!fs::is_directory(o, ec)) fail("output ", o.string(), " exists and is not a directory");
      if (!opt.overwrite && !fs::is_empty(o, ec))
        fail("output ", o.string(), " exists and is not empty (pass --overwrite to replace it)");
    }
    for (const auto& in : opt.inputs) {
      fs::path ip = fs::weakly_canonical(fs::absolute(in), ec);
      fs::path op = fs::weakly_canonical(o, ec);
      auto rel = ip.lexically_relative(op);
      if (!rel.empty() && *rel.begin() != "..")
        fail("input ", in, " lies inside the output folder ", o.string(), "; choose another --output");
    }
  }

  // --- 1. plan
  std::vector<h5::File> files;
  std::vector<Plan> plans;
  Result res;
  Layout lay;
  for (size_t fi = 0; fi < opt.inputs.size(); ++fi) {
    const std::string& path = opt.inputs[fi];
    files.push_back(h5::File::open(path));
    h5::File& f = files.back();
    h5::Kind dk = f.kind("data");
    if (dk == h5::Kind::kNone) fail(path, ": group /data is missing (not an Isaac Lab / robomimic demo file)");
    if (dk != h5::Kind::kGroup) fail(path, ": /data is not a group");
    std::vector<std::pair<int64_t, std::string>> demos;
    for (const auto& name : f.children("data")) {
      bool ok = name.size() > 5 && name.compare(0, 5, "demo_") == 0 && name.size() <= 5 + 18;
      for (size_t i = 5; ok && i < name.size(); ++i) ok = name[i] >= '0' && name[i] <= '9';
      if (!ok) {
        if (!opt.quiet) std::fprintf(stderr, "convert: %s: ignoring /data/%s (not demo_<N>)\n", path.c_str(), name.c_str());
        continue;
      }
      demos.emplace_back(std::stoll(name.substr(5)), name);
    }
    std::sort(demos.begin(), demos.end());
    if (demos.empty()) fail(path, ": /data has no demo_<N> groups");
    for (const auto& [num, name] : demos) {
      throw_if_interrupted();
      try {
        int64_t T = validate_demo(f, name, m, lay);
        Plan p;
        p.file = int(fi);
        p.demo = name;
        p.demo_num = num;
        p.T = T;
        plans.push_back(p);
      } catch (const Error& e) {
        if (!opt.skip_invalid)
          throw Error(std::string(e.what()) + (dynamic_cast<const MissingDataset*>(&e)
                                                   ? "\n  Only if just some demos lack it: --skip-invalid skips those."
                                                   : " (use --skip-invalid to skip bad demos)"));
        res.skipped.push_back({path, name, e.what()});
        if (!opt.quiet) {
          const std::string why = e.what();
          std::fprintf(stderr, "convert: skipping %s %s: %s\n", path.c_str(), name.c_str(),
                       why.substr(0, why.find('\n')).c_str());
        }
      }
    }
  }
  if (plans.empty())
    fail("convert: no valid demos in the input (", res.skipped.size(), " skipped); the first was skipped because: ",
         res.skipped.empty() ? std::string("-") : res.skipped.front().reason);
  int64_t index = 0;
  for (size_t i = 0; i < plans.size(); ++i) {
    plans[i].episode = int64_t(i);
    plans[i].index0 = index;
    index += plans[i].T;
  }
  const int64_t total_frames = index;
  const int64_t n_eps = int64_t(plans.size());

  // --- 2. episodes
  StagingDir stage(opt.output, opt.overwrite);
  const fs::path root = stage.path();
  for (int64_t c = 0; c <= (n_eps - 1) / kChunkSize; ++c) {
    fs::create_directories(root / ("data/chunk-" + pad(c, 3)));
    for (const auto& cam : m.video) fs::create_directories(root / ("videos/chunk-" + pad(c, 3)) / video_key(cam.name));
  }
  fs::create_directories(root / "meta");

  int jobs = opt.jobs > 0 ? opt.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  jobs = int(std::min<int64_t>(jobs, n_eps));
  Progress prog("convert", n_eps, "episodes", opt.quiet);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> next{0};
  std::vector<EpisodeOut> outs(static_cast<size_t>(n_eps));
  std::exception_ptr first_err;
  std::mutex err_mu;
  Ctx cx{&opt, &m, &lay, &files, root, fps, task, &prog, &stop};
  auto worker = [&] {
    while (!stop.load()) {
      int64_t i = next.fetch_add(1);
      if (i >= n_eps) return;
      try {
        throw_if_interrupted();
        outs[size_t(i)] = run_episode(cx, plans[size_t(i)]);
        prog.add(1);
      } catch (...) {
        std::lock_guard<std::mutex> lk(err_mu);
        if (!first_err) first_err = std::current_exception();
        stop = true;
        return;
      }
    }
  };
  {
    std::vector<std::thread> pool;
    for (int j = 1; j < jobs; ++j) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  if (first_err) std::rethrow_exception(first_err);
  prog.finish();

  // --- 3. meta
  std::vector<std::string> state_names = column_names(m.state, lay.state_w);
  std::vector<std::string> action_names = column_names(m.action, lay.action_w);
  ojson info;
  info["codebase_version"] = "v2.1";
  info["robot_type"] = m.robot_type;
  info["total_episodes"] = n_eps;
  info["total_frames"] = total_frames;
  info["total_tasks"] = 1;
  info["total_videos"] = n_eps * int64_t(m.video.size());
  info["total_chunks"] = (n_eps + kChunkSize - 1) / kChunkSize;
  info["chunks_size"] = kChunkSize;
  info["fps"] = fps;
  info["splits"] = {{"train", "0:" + std::to_string(n_eps)}};
  info["data_path"] = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet";
  if (m.video.empty())
    info["video_path"] = nullptr;
  else
    info["video_path"] = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4";
  ojson feats;
  feats["observation.state"] = {{"dtype", "float32"}, {"shape", {lay.state_dim}}, {"names", state_names}};
  feats["action"] = {{"dtype", "float32"}, {"shape", {lay.action_dim}}, {"names", action_names}};
  for (size_t c = 0; c < m.video.size(); ++c) {
    const auto& cam = m.video[c];
    video::Info vi;
    if (opt.frames_to_cache) {  // no mp4: what the encoder would have written (h264, yuv420p)
      vi.height = int(lay.cams[c].H);
      vi.width = int(lay.cams[c].W);
      vi.codec = opt.codec;
      vi.pix_fmt = "yuv420p";
    } else {
      vi = video::probe((root / video_rel(0, cam.name)).string());
    }
    ojson vinfo;
    vinfo["video.height"] = vi.height;
    vinfo["video.width"] = vi.width;
    vinfo["video.codec"] = vi.codec;
    vinfo["video.pix_fmt"] = vi.pix_fmt;
    vinfo["video.is_depth_map"] = false;
    vinfo["video.fps"] = fps;
    vinfo["video.channels"] = 3;
    vinfo["has_audio"] = vi.has_audio;
    if (vi.height != lay.cams[c].H || vi.width != lay.cams[c].W)
      fail("internal: ", video_rel(0, cam.name), " is ", vi.height, "x", vi.width, " but the source frames are ",
           lay.cams[c].H, "x", lay.cams[c].W);
    feats[video_key(cam.name)] = {{"dtype", "video"},
                                  {"shape", {lay.cams[c].H, lay.cams[c].W, 3}},
                                  {"names", {"height", "width", "channels"}},
                                  {"info", vinfo}};
  }
  for (const char* k : {"timestamp", "frame_index", "episode_index", "index", "task_index"})
    feats[k] = {{"dtype", std::string(k) == "timestamp" ? "float32" : "int64"}, {"shape", {1}}, {"names", nullptr}};
  info["features"] = feats;
  write_json(root / "meta/info.json", info);

  std::string eps, eps_stats;
  for (int64_t i = 0; i < n_eps; ++i) {
    ojson e;
    e["episode_index"] = i;
    e["tasks"] = {task};
    e["length"] = plans[size_t(i)].T;
    eps += e.dump() + "\n";
    ojson s;
    s["episode_index"] = i;
    s["stats"] = outs[size_t(i)].stats;
    eps_stats += s.dump() + "\n";
    res.raw_bytes += outs[size_t(i)].bytes;
  }
  write_file_atomic(root / "meta/episodes.jsonl", eps);
  write_file_atomic(root / "meta/episodes_stats.jsonl", eps_stats);
  ojson tk;
  tk["task_index"] = 0;
  tk["task"] = task;
  write_file_atomic(root / "meta/tasks.jsonl", tk.dump() + "\n");

  ojson mod;
  int64_t col = 0;
  ojson st = ojson::object(), ac = ojson::object(), vd = ojson::object();
  for (size_t i = 0; i < m.state.size(); ++i) {
    st[m.state[i].name] = {{"start", col}, {"end", col + lay.state_w[i]}};
    col += lay.state_w[i];
  }
  col = 0;
  for (size_t i = 0; i < m.action.size(); ++i) {
    ac[m.action[i].name] = {{"start", col}, {"end", col + lay.action_w[i]}};
    col += lay.action_w[i];
  }
  for (const auto& cam : m.video) vd[cam.name] = {{"original_key", video_key(cam.name)}};
  mod["state"] = st;
  mod["action"] = ac;
  mod["video"] = vd;
  mod["annotation"] = {{"human.task_description", {{"original_key", "task_index"}}}};
  write_json(root / "meta/modality.json", mod);

  ojson conv;
  conv["tool"] = std::string("groot convert ") + GROOT_VERSION;
  conv["mapping"] = m.source;
  conv["fps"] = fps;
  conv["codec"] = opt.codec;
  ojson src = ojson::array();
  for (const auto& p : plans)
    src.push_back({{"episode_index", p.episode}, {"file", opt.inputs[size_t(p.file)]}, {"demo", p.demo}, {"length", p.T}});
  conv["episodes"] = src;
  ojson sk = ojson::array();
  for (const auto& s : res.skipped) sk.push_back({{"file", s.file}, {"demo", s.demo}, {"reason", s.reason}});
  conv["skipped"] = sk;
  write_json(root / "meta/conversion.json", conv);

  files.clear();
  stage.commit();
  res.output = stage.final_path().string();
  res.episodes = int(n_eps);
  res.frames = total_frames;
  res.seconds = prog.elapsed_s();
  return res;
}

}  // namespace groot::convert
