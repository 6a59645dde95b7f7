#include "data/stats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <mutex>

#include "data/parallel.h"
#include "util/error.h"
#include "util/progress.h"

// numpy's float32 arithmetic is reproduced operation by operation; a fused multiply-add would
// change results, so keep the compiler from contracting when the target has FMA.
#if defined(__FMA__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace groot::data {

// --- numpy float32 emulation --------------------------------------------------------------------

float numpy_pairwise_sum_f32(const float* a, int64_t n) {
  // numpy/_core/src/umath/loops_utils.h.src: @TYPE@_pairwise_sum with PW_BLOCKSIZE 128.
  if (n < 8) {
    float res = 0.f;
    for (int64_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    float r[8];
    for (int k = 0; k < 8; ++k) r[k] = a[k];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int k = 0; k < 8; ++k) r[k] += a[i + k];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum_f32(a, n2) + numpy_pairwise_sum_f32(a + n2, n - n2);
}

namespace {

// np.add.reduce over axis 0 of one column: starts from the identity 0.0f.
float reduce_sum(const float* a, int64_t n, bool pairwise) {
  if (pairwise) return 0.f + numpy_pairwise_sum_f32(a, n);
  float acc = 0.f;
  for (int64_t i = 0; i < n; ++i) acc += a[i];
  return acc;
}

// ret / n with ret float32 and n an integer: numpy 2 promotes to float64, then casts back.
inline float div_count(float s, int64_t n) {
  return float(double(s) / double(n));
}

}  // namespace

double numpy_quantile_f32(float* v, int64_t n, double q) {
  GROOT_CHECK(n >= 1, "quantile of an empty column");
  // numpy _quantile ("linear"): virtual index (n - 1) * q and gamma in float64; the two
  // neighbours stay float32, so diff = b - a is float32; _lerp then runs in float64
  // (a + diff * g, or b - diff * (1 - g) where g >= 0.5). numpy 1.26 returns that float64;
  // numpy 2.x casts it to float32. Checked against both (tests/data/test_stats_*.cpp).
  const double vi = double(n - 1) * q;
  int64_t prev, next;
  if (vi >= double(n - 1)) {
    prev = next = n - 1;
  } else if (vi < 0) {
    prev = next = 0;
  } else {
    prev = int64_t(std::floor(vi));
    next = prev + 1;
  }
  const double gamma = vi - double(prev);
  std::nth_element(v, v + prev, v + n);
  const float a = v[prev];
  float b = a;
  if (next != prev) b = *std::min_element(v + prev + 1, v + n);
  const float diff = b - a;
  double r;
  if (gamma >= 0.5)
    r = double(b) - double(diff) * (1.0 - gamma);
  else
    r = double(a) + double(diff) * gamma;
  return r;
}

ColumnStats numpy_column_stats(float* v, int64_t n, bool pairwise) {
  GROOT_CHECK(n >= 1, "statistics of an empty column");
  ColumnStats s;
  // mean (np.mean: add.reduce, then divide)
  s.mean = div_count(reduce_sum(v, n, pairwise), n);
  // std (np._methods._var: x = arr - mean; x = x * x; add.reduce; divide; sqrt), all float32
  float var_sum;
  if (pairwise) {
    std::vector<float> sq(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      float d = v[i] - s.mean;
      sq[i] = d * d;
    }
    var_sum = reduce_sum(sq.data(), n, true);
  } else {
    float acc = 0.f;
    for (int64_t i = 0; i < n; ++i) {
      float d = v[i] - s.mean;
      float d2 = d * d;
      acc += d2;
    }
    var_sum = acc;
  }
  s.std = std::sqrt(div_count(var_sum, n));
  float mn = v[0], mx = v[0];
  for (int64_t i = 1; i < n; ++i) {
    mn = std::min(mn, v[i]);
    mx = std::max(mx, v[i]);
  }
  s.min = mn;
  s.max = mx;
  s.q01 = numpy_quantile_f32(v, n, 0.01);
  s.q99 = numpy_quantile_f32(v, n, 0.99);
  return s;
}

// --- dataset statistics -------------------------------------------------------------------------

std::vector<fs::path> list_parquet_files(const fs::path& root) {
  std::vector<std::pair<std::string, std::string>> found;
  fs::path data = root / "data";
  if (!fs::is_directory(data)) return {};
  for (const auto& d : fs::directory_iterator(data)) {
    if (!d.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(d.path())) {
      std::string name = f.path().filename().string();
      if (!f.is_regular_file() || name.size() < 8 || name.compare(name.size() - 8, 8, ".parquet") != 0)
        continue;
      found.emplace_back(d.path().filename().string(), name);
    }
  }
  std::sort(found.begin(), found.end());  // Python sorts Paths part by part
  std::vector<fs::path> out;
  for (auto& [dir, name] : found) out.push_back(data / dir / name);
  return out;
}

std::vector<std::string> n16_stats_features(const Info& info) {
  std::vector<std::string> out;
  for (const auto& f : info.features)
    if (f.is_float()) out.push_back(f.key);
  return out;
}

std::vector<FeatureStats> compute_stats(const Dataset& ds, const StatsOptions& opt) {
  std::vector<fs::path> files = list_parquet_files(ds.root);
  if (files.empty()) fail("dataset ", ds.root.string(), ": no parquet files match data/*/*.parquet");
  std::vector<std::string> keys = n16_stats_features(ds.info);
  std::vector<FeatureStats> out;
  if (keys.empty()) return out;
  std::vector<int64_t> dims;
  for (const auto& k : keys) {
    const Feature* f = ds.info.find(k);
    if (f->shape.size() != 1)
      fail((ds.root / "meta/info.json").string(), ": float feature \"", k, "\" has shape of rank ",
           f->shape.size(), "; only scalars [1] and vectors [D] are supported for statistics");
    dims.push_back(f->shape[0]);
  }

  // Pass 1: row counts from the parquet footers.
  std::vector<int64_t> rows(files.size());
  parallel_for(int64_t(files.size()), opt.threads,
               [&](int64_t i) { rows[i] = pq::read_schema(files[i].string()).num_rows; });
  std::vector<int64_t> first(files.size() + 1, 0);
  for (size_t i = 0; i < files.size(); ++i) first[i + 1] = first[i] + rows[i];
  const int64_t total = first.back();
  if (total == 0) fail("dataset ", ds.root.string(), ": the parquet files hold no rows");

  // Pass 2: decode every file into the float32 column store [feature][dim][row].
  std::vector<std::vector<float>> store(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) store[k].resize(size_t(dims[k] * total));
  Progress progress("stats", int64_t(files.size()), "files", opt.quiet);
  parallel_for(int64_t(files.size()), opt.threads, [&](int64_t i) {
    const std::string path = files[i].string();
    pq::Table t = pq::read_table(path, keys);
    if (t.num_rows != rows[i])
      fail(path, ": footer says ", rows[i], " rows but the columns hold ", t.num_rows);
    for (size_t k = 0; k < keys.size(); ++k) {
      MatrixF m = column_matrix_f32(t, keys[k], dims[k], path);
      const int64_t D = dims[k];
      float* base = store[k].data();
      for (int64_t r = 0; r < m.rows; ++r) {
        const float* src = m.row(r);
        for (int64_t d = 0; d < D; ++d) {
          float x = src[d];
          if (!std::isfinite(x))
            fail(path, ": column \"", keys[k], "\" row ", r,
                 (D > 1 ? " dim " + std::to_string(d) : std::string()), " is ", x,
                 " (as float32); statistics need finite values");
          base[d * total + first[i] + r] = x;
        }
      }
    }
    progress.add(1, t.num_rows);
  });
  progress.finish();

  // Pass 3: per column statistics.
  std::vector<std::pair<size_t, int64_t>> cols;
  for (size_t k = 0; k < keys.size(); ++k)
    for (int64_t d = 0; d < dims[k]; ++d) cols.emplace_back(k, d);
  out.resize(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    FeatureStats& fs_ = out[k];
    fs_.key = keys[k];
    fs_.dim = dims[k];
    for (auto* v : {&fs_.mean, &fs_.std, &fs_.min, &fs_.max}) v->resize(size_t(dims[k]));
    fs_.q01.resize(size_t(dims[k]));
    fs_.q99.resize(size_t(dims[k]));
  }
  parallel_for(int64_t(cols.size()), opt.threads, [&](int64_t c) {
    auto [k, d] = cols[c];
    ColumnStats s = numpy_column_stats(store[k].data() + d * total, total, dims[k] == 1);
    FeatureStats& f = out[k];
    f.mean[d] = s.mean;
    f.std[d] = s.std;
    f.min[d] = s.min;
    f.max[d] = s.max;
    f.q01[d] = s.q01;
    f.q99[d] = s.q99;
  });
  return out;
}

std::vector<RelativeStats> compute_relative_stats(const Dataset& ds, const ModalityConfig& cfg,
                                                  const std::vector<std::string>& keys_in,
                                                  const StatsOptions& opt) {
  const ModalityMeta& m = ds.require_modality();
  std::vector<std::string> rel = cfg.relative_action_keys();
  std::vector<std::string> keys = keys_in.empty() ? rel : keys_in;
  std::sort(keys.begin(), keys.end());
  std::vector<RelativeStats> out;
  if (keys.empty()) return out;
  const std::string mod_file = (ds.root / "meta/modality.json").string();
  if (!cfg.state.present) fail(cfg.source, ": relative actions need a state modality");
  const std::vector<int>& ad = cfg.action.delta_indices;
  const std::vector<int>& sd = cfg.state.delta_indices;
  if (sd.back() != ad.front())
    fail(cfg.source, ": relative actions need state.delta_indices[-1] == action.delta_indices[0] (",
         sd.back(), " != ", ad.front(), ")");

  struct KeyPlan {
    const ModalitySlice* a;
    const ModalitySlice* s;
    int64_t a_dim, s_dim;  // full widths of the source columns
  };
  std::vector<KeyPlan> plans;
  std::vector<std::string> columns;
  auto add_col = [&](const std::string& c) {
    if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
  };
  for (const auto& k : keys) {
    if (std::find(rel.begin(), rel.end(), k) == rel.end())
      fail(cfg.source, ": action key \"", k, "\" is not RELATIVE in the modality config");
    ActionConfig ac = cfg.action_config(k);
    if (ac.type == ActionType::kEef)
      fail(cfg.source, ": relative statistics for EEF action \"", k,
           "\" are not supported (Isaac-GR00T N1.6 raises NotImplementedError too)");
    std::string sk = ac.state_key.empty() ? k : ac.state_key;
    const ModalitySlice* a = m.find_action(k);
    const ModalitySlice* s = m.find_state(sk);
    if (!a) fail(mod_file, ": action group \"", k, "\" is missing");
    if (!s)
      fail(mod_file, ": state group \"", sk, "\" (reference of relative action \"", k, "\") is missing");
    if (a->dim() != s->dim())
      fail(cfg.source, ": relative action \"", k, "\" has ", a->dim(), " dims but state \"", sk, "\" has ",
           s->dim());
    const Feature* fa = ds.info.find(a->original_key);
    const Feature* fs_ = ds.info.find(s->original_key);
    if (!fa) fail(mod_file, ": action.", k, ".original_key \"", a->original_key, "\" is not in info.json");
    if (!fs_) fail(mod_file, ": state.", sk, ".original_key \"", s->original_key, "\" is not in info.json");
    if (a->end > fa->dim() || s->end > fs_->dim())
      fail(mod_file, ": slice of \"", k, "\" / \"", sk, "\" exceeds its column width");
    plans.push_back({a, s, fa->dim(), fs_->dim()});
    add_col(a->original_key);
    add_col(s->original_key);
  }
  const int64_t T = int64_t(ad.size());
  const int64_t max_delta = *std::max_element(ad.begin(), ad.end());
  const int64_t last_ad = ad.back();
  const int64_t sref = sd.back();

  // Pass 1: windows per episode from the parquet footers -> each episode's slot in the store.
  const size_t E = ds.episodes.size();
  std::vector<int64_t> rows(E), first(E + 1, 0);
  parallel_for(int64_t(E), opt.threads, [&](int64_t e) {
    const fs::path p = ds.parquet_path(ds.episodes[e].episode_index);
    if (!fs::exists(p))
      fail("episode ", ds.episodes[e].episode_index, ": parquet file ", p.string(), " is missing");
    rows[e] = pq::read_schema(p.string()).num_rows;
  });
  for (size_t e = 0; e < E; ++e) first[e + 1] = first[e] + std::max<int64_t>(0, rows[e] - last_ad);
  const int64_t W = first.back();
  if (W == 0)
    fail("dataset ", ds.root.string(), ": no episode is long enough for an action chunk of ", T,
         " steps; relative stats for \"", keys[0], "\" cannot be computed");
  // Column store per key: [t*D+d][window], windows in episodes.jsonl order.
  std::vector<std::vector<float>> store(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) store[k].resize(size_t(T * plans[k].a->dim() * W));

  // Pass 2: chunk[t] = float32(action[i + delta[t]] - state[i + state_delta[-1]]), straight into the store.
  Progress progress("relative stats", int64_t(E), "episodes", opt.quiet);
  parallel_for(int64_t(E), opt.threads, [&](int64_t e) {
    const int64_t ep = ds.episodes[e].episode_index;
    const int64_t usable = first[e + 1] - first[e];
    if (usable <= 0) {
      progress.add(1, rows[e]);
      return;
    }
    pq::Table t = read_episode_table(ds, ep, columns);
    const std::string where = ds.parquet_path(ep).string();
    const int64_t L = t.num_rows;
    if (L != rows[e]) fail(where, ": footer says ", rows[e], " rows but the columns hold ", L);
    if (usable - 1 + max_delta >= L || usable - 1 + sref >= L)
      fail(where, ": action delta_indices reach past the end of the episode (", L, " rows)");
    for (size_t k = 0; k < keys.size(); ++k) {
      const KeyPlan& p = plans[k];
      Matrix A = column_matrix_f64(t, p.a->original_key, p.a_dim, where);
      Matrix S = column_matrix_f64(t, p.s->original_key, p.s_dim, where);
      const int64_t D = p.a->dim();
      for (int64_t ti = 0; ti < T; ++ti)
        for (int64_t d = 0; d < D; ++d) {
          float* dst = store[k].data() + (ti * D + d) * W + first[e];
          for (int64_t i = 0; i < usable; ++i) {
            float x = float(A.at(i + ad[ti], p.a->start + d) - S.at(i + sref, p.s->start + d));
            if (!std::isfinite(x))
              fail(where, ": relative action \"", keys[k], "\" at row ", i + ad[ti], " dim ", d,
                   " is not finite");
            dst[i] = x;
          }
        }
    }
    progress.add(1, L);
  });
  progress.finish();

  for (size_t k = 0; k < keys.size(); ++k) {
    const int64_t D = plans[k].a->dim();
    const int64_t C = T * D;
    RelativeStats r;
    r.key = keys[k];
    r.horizon = T;
    r.dim = D;
    r.num_chunks = W;
    for (auto* v : {&r.max, &r.min, &r.mean, &r.std}) v->resize(size_t(C));
    r.q01.resize(size_t(C));
    r.q99.resize(size_t(C));
    parallel_for(C, opt.threads, [&](int64_t c) {
      ColumnStats s = numpy_column_stats(store[k].data() + c * W, W, C == 1);
      r.max[c] = s.max;
      r.min[c] = s.min;
      r.q01[c] = s.q01;
      r.q99[c] = s.q99;
      r.mean[c] = s.mean;
      r.std[c] = s.std;
    });
    std::vector<float>().swap(store[k]);
    out.push_back(std::move(r));
  }
  return out;
}

// --- JSON ---------------------------------------------------------------------------------------

namespace {
template <typename T>
ojson vec_json(const std::vector<T>& v) {
  ojson a = ojson::array();
  for (T x : v) a.push_back(double(x));
  return a;
}
template <typename T>
ojson mat_json(const std::vector<T>& v, int64_t rows, int64_t cols) {
  ojson a = ojson::array();
  for (int64_t r = 0; r < rows; ++r) {
    ojson row = ojson::array();
    for (int64_t c = 0; c < cols; ++c) row.push_back(double(v[r * cols + c]));
    a.push_back(row);
  }
  return a;
}
void check_finite(const ojson& j, const std::string& path) {
  if (j.is_number_float() && !std::isfinite(j.get<double>())) fail("statistics: ", path, " is not finite");
  if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) check_finite(j[i], path + "[" + std::to_string(i) + "]");
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) check_finite(it.value(), path + "." + it.key());
}
}  // namespace

ojson stats_to_json(const std::vector<FeatureStats>& stats) {
  ojson j = ojson::object();
  for (const auto& f : stats) {
    ojson o;
    o["mean"] = vec_json(f.mean);
    o["std"] = vec_json(f.std);
    o["min"] = vec_json(f.min);
    o["max"] = vec_json(f.max);
    o["q01"] = vec_json(f.q01);
    o["q99"] = vec_json(f.q99);
    j[f.key] = o;
  }
  return j;
}

ojson relative_stats_to_json(const std::vector<RelativeStats>& stats) {
  ojson j = ojson::object();
  for (const auto& r : stats) {
    ojson o;
    o["max"] = mat_json(r.max, r.horizon, r.dim);
    o["min"] = mat_json(r.min, r.horizon, r.dim);
    o["q01"] = mat_json(r.q01, r.horizon, r.dim);
    o["q99"] = mat_json(r.q99, r.horizon, r.dim);
    o["mean"] = mat_json(r.mean, r.horizon, r.dim);
    o["std"] = mat_json(r.std, r.horizon, r.dim);
    j[r.key] = o;
  }
  return j;
}

std::string python_float_repr(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x == 0) return std::signbit(x) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then CPython's repr layout (float_repr_style "short"):
  // fixed notation when -4 < decpt <= 16, else d.ddde[+-]XX.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp10 = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int decpt = exp10 + 1;  // value = 0.d1d2... * 10^decpt
  std::string out = neg ? "-" : "";
  const int nd = int(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(size_t(-decpt), '0') + digits;
    } else if (decpt >= nd) {
      out += digits + std::string(size_t(decpt - nd), '0') + ".0";
    } else {
      out += digits.substr(0, size_t(decpt)) + "." + digits.substr(size_t(decpt));
    }
  } else {
    out += digits.substr(0, 1);
    if (nd > 1) out += "." + digits.substr(1);
    int ex = decpt - 1;
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
    out += eb;
  }
  return out;
}

namespace {
// json.dump(obj, f, indent=4) of Python (ensure_ascii=True, separators ", " / ": ").
void dump_py(const ojson& j, int level, std::string& out) {
  const std::string ind(size_t(4 * (level + 1)), ' '), ind0(size_t(4 * level), ' ');
  if (j.is_object()) {
    if (j.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!first) out += ",\n";
      first = false;
      out += ind + ojson(it.key()).dump(-1, ' ', true) + ": ";
      dump_py(it.value(), level + 1, out);
    }
    out += "\n" + ind0 + "}";
  } else if (j.is_array()) {
    if (j.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < j.size(); ++i) {
      if (i) out += ",\n";
      out += ind;
      dump_py(j[i], level + 1, out);
    }
    out += "\n" + ind0 + "]";
  } else if (j.is_number_float()) {
    out += python_float_repr(j.get<double>());
  } else {
    out += j.dump(-1, ' ', true);
  }
}
}  // namespace

std::string dump_stats_json(const ojson& j) {
  check_finite(j, "");
  std::string out;
  dump_py(j, 0, out);
  return out;
}

bool stats_complete(const ojson& stats, const std::vector<std::string>& features) {
  if (!stats.is_object()) return false;
  for (const auto& f : features) {
    auto it = stats.find(f);
    if (it == stats.end() || !it->is_object()) return false;
    for (const char* k : {"mean", "std", "min", "max", "q01", "q99"})
      if (!it->contains(k)) return false;
  }
  return true;
}

}  // namespace groot::data
