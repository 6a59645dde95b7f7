// State / action processing: see state_action.h.
#include "processor/state_action.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "util/error.h"

namespace groot::proc {

using data::ActionConfig;
using data::ActionRep;
using data::ActionType;
using data::ModalityConfig;
using data::ModalityGroup;
using Mat = data::MatrixF;

namespace {

// np.isclose(a, b) with rtol 1e-5, atol 1e-8 (b = min, as in upstream's isclose(max, min)).
inline bool isclose(double a, double b) {
  return std::abs(a - b) <= 1e-8 + 1e-5 * std::abs(b);
}

std::vector<double> stat_values(const KeyStats& ks, const std::string& name, const std::string& where,
                                int* rows, int* cols) {
  const StatArray* a = find_stat(ks, name);
  GROOT_CHECK(a != nullptr, "statistics ", where, ": missing '", name, "'");
  *rows = a->rows;
  *cols = a->cols;
  return a->v;
}

}  // namespace

// ---- stats lookups -------------------------------------------------------------------------------
const StatArray* find_stat(const KeyStats& s, const std::string& name) {
  for (const auto& [k, v] : s)
    if (k == name) return &v;
  return nullptr;
}
const KeyStats* find_key_stats(const EmbodimentStats& e, const std::string& modality,
                               const std::string& key) {
  for (const auto& [m, keys] : e)
    if (m == modality)
      for (const auto& [k, ks] : keys)
        if (k == key) return &ks;
  return nullptr;
}

// ---- processor ----------------------------------------------------------------------------------
StateActionProcessor::StateActionProcessor(std::map<std::string, ModalityConfig> modality_configs,
                                           StateActionFlags flags)
    : configs_(std::move(modality_configs)), flags_(flags) {
  for (auto& [tag, em] : configs_) {
    em.embodiment_tag = tag;  // the map key names the embodiment (errors name it)
    const ModalityGroup* a = em.group("action");
    if (!a || a->action_configs.empty()) continue;
    GROOT_CHECK(a->action_configs.size() == a->modality_keys.size(), "modality config of '", tag,
                "': action_configs has ", a->action_configs.size(), " entries but modality_keys has ",
                a->modality_keys.size());
  }
}

const ModalityConfig& StateActionProcessor::modalities(const std::string& tag) const {
  auto it = configs_.find(tag);
  if (it == configs_.end()) {
    std::string known;
    for (const auto& [k, v] : configs_) known += (known.empty() ? "" : ", ") + k;
    fail("no modality config for embodiment '", tag, "' (known: ", known.empty() ? "none" : known, ")");
  }
  return it->second;
}

void StateActionProcessor::set_statistics(const Statistics& stats, bool override_existing) {
  for (const auto& [tag, es] : stats) {
    auto it =
        std::find_if(statistics_.begin(), statistics_.end(), [&](const auto& p) { return p.first == tag; });
    if (it == statistics_.end())
      statistics_.emplace_back(tag, es);
    else if (override_existing)
      it->second = es;
  }
  compute_params();
}

void StateActionProcessor::compute_params() {
  params_.clear();
  for (const auto& [tag, es] : statistics_) {
    auto& tp = params_[tag];
    for (const char* modality : {"state", "action"}) {
      for (const auto& [m, keys] : es) {
        if (m != modality) continue;
        for (const auto& [key, ks] : keys) {
          const std::string where = tag + "." + m + "." + key;
          NormParams np;
          int r = 0, c = 0;
          np.min = stat_values(ks, flags_.use_percentiles ? "q01" : "min", where, &r, &c);
          GROOT_CHECK(r == 0, "statistics ", where, ": expected 1-D arrays");
          np.dim = c;
          np.max = stat_values(ks, flags_.use_percentiles ? "q99" : "max", where, &r, &c);
          GROOT_CHECK(r == 0 && c == np.dim, "statistics ", where, ": min/max lengths differ");
          np.mean = stat_values(ks, "mean", where, &r, &c);
          GROOT_CHECK(r == 0 && c == np.dim, "statistics ", where, ": mean length ", c, " != ", np.dim);
          np.std = stat_values(ks, "std", where, &r, &c);
          GROOT_CHECK(r == 0 && c == np.dim, "statistics ", where, ": std length ", c, " != ", np.dim);
          tp[m][key] = std::move(np);
        }
      }
    }
    // Relative keys: replace the parameters by the per-step relative statistics (min/max always).
    auto cit = configs_.find(tag);
    if (cit == configs_.end() || !flags_.use_relative_action) continue;
    const ModalityGroup* a = cit->second.group("action");
    if (!a || a->action_configs.empty()) continue;
    for (size_t i = 0; i < a->modality_keys.size(); i++) {
      if (a->action_configs[i].rep != ActionRep::kRelative) continue;
      const std::string& key = a->modality_keys[i];
      const KeyStats* rs = find_key_stats(es, "relative_action", key);
      GROOT_CHECK(rs != nullptr, "relative action statistics required for key '", key, "' of embodiment '",
                  tag, "' but statistics has no relative_action entry for it");
      auto ait = tp["action"].find(key);
      GROOT_CHECK(ait != tp["action"].end(), "statistics of embodiment '", tag,
                  "' have no action entry for '", key, "' (needed for its dimension)");
      const std::string where = tag + ".relative_action." + key;
      NormParams np;
      np.dim = ait->second.dim;
      int r = 0, c = 0;
      np.min = stat_values(*rs, "min", where, &r, &c);
      GROOT_CHECK(r > 0 && c == np.dim, "statistics ", where, ": expected [T][", np.dim, "] arrays, got [", r,
                  "][", c, "]");
      np.steps = r;
      for (auto [name, dst] : {std::pair<const char*, std::vector<double>*>{"max", &np.max},
                               {"mean", &np.mean},
                               {"std", &np.std}}) {
        int r2 = 0, c2 = 0;
        *dst = stat_values(*rs, name, where, &r2, &c2);
        GROOT_CHECK(r2 == r && c2 == c, "statistics ", where, ": '", name, "' has shape [", r2, "][", c2,
                    "], expected [", r, "][", c, "]");
      }
      ait->second = std::move(np);
    }
  }
}

const NormParams& StateActionProcessor::params(const std::string& tag, const std::string& modality,
                                               const std::string& key) const {
  auto t = params_.find(tag);
  GROOT_CHECK(t != params_.end(), "no statistics for embodiment '", tag, "'");
  auto m = t->second.find(modality);
  GROOT_CHECK(m != t->second.end(), "statistics of embodiment '", tag, "' have no '", modality, "' entries");
  auto k = m->second.find(key);
  GROOT_CHECK(k != m->second.end(), "statistics of embodiment '", tag, "' have no ", modality,
              " entry for key '", key, "'");
  return k->second;
}

bool StateActionProcessor::is_sincos(const std::string& tag, const std::string& key) const {
  if (!flags_.apply_sincos_state_encoding) return false;
  const ModalityGroup* s = modalities(tag).group("state");
  return s && s->is_sin_cos(key);
}

namespace {

const Mat& get_key(const KeyValues& kv, const std::string& key, const char* what, const std::string& tag) {
  auto it = kv.find(key);
  GROOT_CHECK(it != kv.end(), what, " key '", key, "' not found for embodiment '", tag, "'");
  GROOT_CHECK(int64_t(it->second.rows) * it->second.cols == int64_t(it->second.data.size()), what, " key '", key,
              "': data size does not match its shape");
  return it->second;
}

// Per-element parameter index for row r, column c.
inline size_t pidx(const NormParams& p, int r, int c) {
  return p.steps > 0 ? size_t(r) * p.dim + c : size_t(c);
}

void check_shape(const Mat& m, const NormParams& p, const std::string& what) {
  GROOT_CHECK(m.cols == p.dim, what, ": has ", m.cols, " dims, statistics have ", p.dim);
  GROOT_CHECK(p.steps == 0 || m.rows == p.steps, what, ": has ", m.rows, " steps, relative statistics have ",
              p.steps, " (action horizon mismatch)");
}

Mat normalize_minmax(const Mat& x, const NormParams& p, bool clip) {
  Mat out(x.rows, x.cols);
  for (int r = 0; r < x.rows; r++)
    for (int c = 0; c < x.cols; c++) {
      const size_t i = pidx(p, r, c);
      float v = 0.f;
      if (!isclose(p.max[i], p.min[i])) {
        const float t = float((double(x.at(r, c)) - p.min[i]) / (p.max[i] - p.min[i]));
        v = 2.0f * t - 1.0f;
      }
      if (clip) v = std::min(1.0f, std::max(-1.0f, v));
      out.at(r, c) = v;
    }
  return out;
}

Mat normalize_meanstd(const Mat& x, const NormParams& p, bool clip) {
  Mat out(x.rows, x.cols);
  for (int r = 0; r < x.rows; r++)
    for (int c = 0; c < x.cols; c++) {
      const size_t i = pidx(p, r, c);
      float v = p.std[i] != 0 ? float((double(x.at(r, c)) - p.mean[i]) / p.std[i]) : x.at(r, c);
      if (clip) v = std::min(1.0f, std::max(-1.0f, v));
      out.at(r, c) = v;
    }
  return out;
}

// Decode helpers return float64 values (numpy promotes with the float64 statistics).
std::vector<double> unnormalize_minmax(const Mat& x, const NormParams& p) {
  std::vector<double> out(x.data.size());
  for (int r = 0; r < x.rows; r++)
    for (int c = 0; c < x.cols; c++) {
      const size_t i = pidx(p, r, c);
      const float cl = std::min(1.0f, std::max(-1.0f, x.at(r, c)));
      const float h = (cl + 1.0f) / 2.0f;
      out[size_t(r) * x.cols + c] = double(h) * (p.max[i] - p.min[i]) + p.min[i];
    }
  return out;
}

std::vector<double> unnormalize_meanstd(const Mat& x, const NormParams& p) {
  std::vector<double> out(x.data.size());
  for (int r = 0; r < x.rows; r++)
    for (int c = 0; c < x.cols; c++) {
      const size_t i = pidx(p, r, c);
      const double v = x.at(r, c);
      out[size_t(r) * x.cols + c] = p.std[i] != 0 ? v * p.std[i] + p.mean[i] : v;
    }
  return out;
}

// EEF (pose) relative actions need SE(3) composition, which is not implemented; other embodiments
// of the same processor config stay usable.
void check_not_eef(const ActionConfig& cfg, const std::string& tag, const std::string& key) {
  GROOT_CHECK(cfg.type != ActionType::kEef, "embodiment '", tag, "': action key '", key,
              "' uses RELATIVE EEF (", data::to_name(cfg.format),
              ") actions, which groot does not support yet (NON_EEF joint actions and "
              "ABSOLUTE EEF actions are supported)");
}

Mat to_mat(const std::vector<double>& v, int rows, int cols) {
  Mat m(rows, cols);
  for (size_t i = 0; i < v.size(); i++) m.data[i] = float(v[i]);
  return m;
}

}  // namespace

KeyValues StateActionProcessor::apply_state(const KeyValues& state, const std::string& tag) const {
  const ModalityGroup& sc = modalities(tag).at("state");
  KeyValues out;
  for (const std::string& key : sc.modality_keys) {
    const Mat& x = get_key(state, key, "state", tag);
    if (is_sincos(tag, key)) {
      Mat m(x.rows, 2 * x.cols);
      for (int r = 0; r < x.rows; r++)
        for (int c = 0; c < x.cols; c++) {
          m.at(r, c) = std::sin(x.at(r, c));
          m.at(r, x.cols + c) = std::cos(x.at(r, c));
        }
      out[key] = std::move(m);
      continue;
    }
    const NormParams& p = params(tag, "state", key);
    check_shape(x, p, "state '" + key + "'");
    out[key] = sc.is_mean_std(key) ? normalize_meanstd(x, p, false)
                                                        : normalize_minmax(x, p, flags_.clip_outliers);
  }
  return out;
}

KeyValues StateActionProcessor::unapply_state(const KeyValues& state, const std::string& tag) const {
  const ModalityGroup& sc = modalities(tag).at("state");
  KeyValues out;
  for (const std::string& key : sc.modality_keys) {
    const Mat& x = get_key(state, key, "state", tag);
    GROOT_CHECK(!is_sincos(tag, key), "cannot unapply the sin/cos encoding of state key '", key,
                "' of embodiment '", tag, "' (not reversible); pass the raw state instead");
    const NormParams& p = params(tag, "state", key);
    check_shape(x, p, "state '" + key + "'");
    out[key] = to_mat(
        sc.is_mean_std(key) ? unnormalize_meanstd(x, p) : unnormalize_minmax(x, p),
        x.rows, x.cols);
  }
  return out;
}

KeyValues StateActionProcessor::apply_action(const KeyValues& action, const std::string& tag,
                                             const KeyValues* state) const {
  const ModalityGroup& ac = modalities(tag).at("action");
  KeyValues out;
  for (size_t i = 0; i < ac.modality_keys.size(); i++) {
    const std::string& key = ac.modality_keys[i];
    Mat x = get_key(action, key, "action", tag);
    if (!ac.action_configs.empty() && ac.action_configs[i].rep == ActionRep::kRelative &&
        flags_.use_relative_action) {
      const ActionConfig& cfg = ac.action_configs[i];
      check_not_eef(cfg, tag, key);
      GROOT_CHECK(state != nullptr, "state required for relative action processing of key '", key,
                  "' in embodiment '", tag, "'");
      const std::string skey = cfg.state_key.empty() ? key : cfg.state_key;
      const Mat& s = get_key(*state, skey, "reference state", tag);
      GROOT_CHECK(s.rows >= 1 && s.cols == x.cols, "relative action key '", key, "' has ", x.cols,
                  " dims but its reference state '", skey, "' has ", s.cols);
      const float* ref = s.row(s.rows - 1);  // last state step
      for (int r = 0; r < x.rows; r++)
        for (int c = 0; c < x.cols; c++) x.at(r, c) = x.at(r, c) - ref[c];
    }
    const NormParams& p = params(tag, "action", key);
    check_shape(x, p, "action '" + key + "'");
    out[key] = ac.is_mean_std(key) ? normalize_meanstd(x, p, flags_.clip_outliers)
                                                        : normalize_minmax(x, p, flags_.clip_outliers);
  }
  return out;
}

KeyValues StateActionProcessor::unapply_action(const KeyValues& action, const std::string& tag,
                                               const KeyValues* state) const {
  const ModalityGroup& ac = modalities(tag).at("action");
  KeyValues out;
  for (size_t i = 0; i < ac.modality_keys.size(); i++) {
    const std::string& key = ac.modality_keys[i];
    const Mat& x = get_key(action, key, "action", tag);
    const NormParams& p = params(tag, "action", key);
    check_shape(x, p, "action '" + key + "'");
    std::vector<double> v =
        ac.is_mean_std(key) ? unnormalize_meanstd(x, p) : unnormalize_minmax(x, p);
    if (!ac.action_configs.empty() && ac.action_configs[i].rep == ActionRep::kRelative &&
        flags_.use_relative_action) {
      const ActionConfig& cfg = ac.action_configs[i];
      check_not_eef(cfg, tag, key);
      GROOT_CHECK(state != nullptr, "state required for relative->absolute conversion of key '", key,
                  "' in embodiment '", tag, "'");
      const std::string skey = cfg.state_key.empty() ? key : cfg.state_key;
      const Mat& s = get_key(*state, skey, "reference state", tag);
      GROOT_CHECK(s.rows >= 1 && s.cols == x.cols, "state dim ", s.cols, " of '", skey, "' != action dim ",
                  x.cols, " of '", key, "'");
      const float* ref = s.row(s.rows - 1);
      for (int r = 0; r < x.rows; r++)
        for (int c = 0; c < x.cols; c++) v[size_t(r) * x.cols + c] += double(ref[c]);
    }
    out[key] = to_mat(v, x.rows, x.cols);
  }
  return out;
}

int StateActionProcessor::state_dim(const std::string& tag, bool include_sincos_expansion) const {
  int d = 0;
  for (const std::string& key : modalities(tag).at("state").modality_keys) {
    const int base = params(tag, "state", key).dim;
    d += include_sincos_expansion && is_sincos(tag, key) ? 2 * base : base;
  }
  return d;
}

int StateActionProcessor::action_dim(const std::string& tag) const {
  int d = 0;
  for (const std::string& key : modalities(tag).at("action").modality_keys)
    d += params(tag, "action", key).dim;
  return d;
}

// ---- per-sample encode / decode -----------------------------------------------------------------
EncodedStateAction encode_state_action(const StateActionProcessor& p, const PaddingConfig& pad,
                                       const std::string& tag, const KeyValues& state,
                                       const KeyValues* action) {
  EncodedStateAction e;
  const ModalityConfig& em = p.modalities(tag);
  // State: [T_state, sum D] -> pad to max_state_dim.
  KeyValues ns = p.apply_state(state, tag);
  const auto& skeys = em.at("state").modality_keys;
  GROOT_CHECK(!skeys.empty(), "state modality of embodiment '", tag, "' has no keys");
  e.state_steps = ns.at(skeys[0]).rows;
  int dtot = 0;
  for (const auto& k : skeys) {
    GROOT_CHECK(ns.at(k).rows == e.state_steps, "state key '", k, "' has ", ns.at(k).rows,
                " steps, expected ", e.state_steps);
    dtot += ns.at(k).cols;
  }
  GROOT_CHECK(dtot <= pad.max_state_dim, "embodiment '", tag, "': state dimension ", dtot,
              " exceeds max_state_dim ", pad.max_state_dim);
  e.state.assign(size_t(e.state_steps) * pad.max_state_dim, 0.f);
  for (int t = 0; t < e.state_steps; t++) {
    int off = 0;
    for (const auto& k : skeys) {
      const Mat& m = ns.at(k);
      for (int c = 0; c < m.cols; c++) e.state[size_t(t) * pad.max_state_dim + off + c] = m.at(t, c);
      off += m.cols;
    }
  }
  if (!action) return e;
  // Action: [T, sum D] -> pad dims and steps; mask marks the real block.
  KeyValues na = p.apply_action(*action, tag, &state);
  const auto& akeys = em.at("action").modality_keys;
  GROOT_CHECK(!akeys.empty(), "action modality of embodiment '", tag, "' has no keys");
  e.has_action = true;
  e.action_steps = na.at(akeys[0]).rows;
  e.action_dim = 0;
  for (const auto& k : akeys) {
    GROOT_CHECK(na.at(k).rows == e.action_steps, "action key '", k, "' has ", na.at(k).rows,
                " steps, expected ", e.action_steps);
    e.action_dim += na.at(k).cols;
  }
  GROOT_CHECK(e.action_dim <= pad.max_action_dim, "embodiment '", tag, "': action dimension ", e.action_dim,
              " exceeds max_action_dim ", pad.max_action_dim);
  GROOT_CHECK(e.action_steps <= pad.max_action_horizon, "embodiment '", tag, "': action horizon ",
              e.action_steps, " exceeds max_action_horizon ", pad.max_action_horizon);
  e.pad_horizon = pad.max_action_horizon;
  e.pad_dim = pad.max_action_dim;
  const size_t n = size_t(pad.max_action_horizon) * pad.max_action_dim;
  e.action.assign(n, 0.f);
  e.action_mask.assign(n, 0.f);
  for (int t = 0; t < e.action_steps; t++) {
    int off = 0;
    for (const auto& k : akeys) {
      const Mat& m = na.at(k);
      for (int c = 0; c < m.cols; c++) e.action[size_t(t) * pad.max_action_dim + off + c] = m.at(t, c);
      off += m.cols;
    }
    for (int c = 0; c < e.action_dim; c++) e.action_mask[size_t(t) * pad.max_action_dim + c] = 1.f;
  }
  return e;
}

KeyValues decode_action(const StateActionProcessor& p, const std::string& tag, const float* action_pred,
                        int rows, int cols, const KeyValues* raw_state) {
  const ModalityGroup& ac = p.modalities(tag).at("action");
  const int horizon = int(ac.delta_indices.size());
  GROOT_CHECK(rows >= horizon, "decode_action: model output has ", rows,
              " steps, the embodiment's horizon is ", horizon);
  KeyValues sliced;
  int start = 0;
  for (const auto& key : ac.modality_keys) {
    const int dim = p.params(tag, "action", key).dim;
    GROOT_CHECK(start + dim <= cols, "decode_action: model output has ", cols, " dims, key '", key,
                "' needs [", start, ", ", start + dim, ")");
    Mat m(horizon, dim);
    for (int t = 0; t < horizon; t++)
      for (int c = 0; c < dim; c++) m.at(t, c) = action_pred[size_t(t) * cols + start + c];
    sliced[key] = std::move(m);
    start += dim;
  }
  return p.unapply_action(sliced, tag, raw_state);
}

}  // namespace groot::proc
