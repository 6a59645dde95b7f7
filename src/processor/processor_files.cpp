// Processor files (processor_config.json, statistics.json, embodiment_id.json): see processor_files.h.
#include "processor/processor_files.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "data/lerobot.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::procfiles {

using json = nlohmann::ordered_json;

namespace {

// ---- typed field readers ------------------------------------------------------------------------
std::string where(const std::string& origin, const std::string& field) {
  return origin + ": field '" + field + "'";
}

bool get_bool(const json& j, const std::string& origin, const std::string& f) {
  GROOT_CHECK(j.is_boolean(), where(origin, f), " must be true/false, got ", j.dump());
  return j.get<bool>();
}
int get_int(const json& j, const std::string& origin, const std::string& f) {
  GROOT_CHECK(
      j.is_number_integer() || (j.is_number_float() && std::floor(j.get<double>()) == j.get<double>()),
      where(origin, f), " must be an integer, got ", j.dump());
  return int(j.get<double>());
}
double get_num(const json& j, const std::string& origin, const std::string& f) {
  GROOT_CHECK(j.is_number(), where(origin, f), " must be a number, got ", j.dump());
  return j.get<double>();
}
std::string get_str(const json& j, const std::string& origin, const std::string& f) {
  GROOT_CHECK(j.is_string(), where(origin, f), " must be a string, got ", j.dump());
  return j.get<std::string>();
}
std::vector<int> get_int_list(const json& j, const std::string& origin, const std::string& f) {
  GROOT_CHECK(j.is_array(), where(origin, f), " must be a list of integers, got ", j.dump());
  std::vector<int> out;
  for (const auto& e : j) out.push_back(get_int(e, origin, f + "[]"));
  return out;
}

// A number written like Python's json: integral values of integer-typed fields as ints.
json num(double v) {
  if (std::floor(v) == v && std::abs(v) < 1e15) return int64_t(v);
  return v;
}

// ---- modality configs ---------------------------------------------------------------------------
// A group in upstream's ModalityConfig JSON: enums by name, empty lists and state_key as null.
json modality_json(const data::ModalityGroup& m) {
  auto list_or_null = [](const std::vector<std::string>& l) { return l.empty() ? json(nullptr) : json(l); };
  json j = json::object();
  j["delta_indices"] = m.delta_indices;
  j["modality_keys"] = m.modality_keys;
  j["sin_cos_embedding_keys"] = list_or_null(m.sin_cos_embedding_keys);
  j["mean_std_embedding_keys"] = list_or_null(m.mean_std_embedding_keys);
  if (m.action_configs.empty()) {
    j["action_configs"] = nullptr;
    return j;
  }
  json a = json::array();
  for (const auto& ac : m.action_configs) {
    json e = json::object();
    e["rep"] = data::to_name(ac.rep);
    e["type"] = data::to_name(ac.type);
    e["format"] = data::to_name(ac.format);
    e["state_key"] = ac.state_key.empty() ? json(nullptr) : json(ac.state_key);
    a.push_back(e);
  }
  j["action_configs"] = a;
  return j;
}

// ---- statistics ---------------------------------------------------------------------------------
proc::StatArray parse_stat_array(const json& j, const std::string& origin, const std::string& f) {
  GROOT_CHECK(j.is_array(), where(origin, f), " must be a list, got ", j.dump().substr(0, 80));
  proc::StatArray a;
  if (!j.empty() && j[0].is_array()) {
    a.rows = int(j.size());
    a.cols = int(j[0].size());
    for (const auto& row : j) {
      GROOT_CHECK(row.is_array() && int(row.size()) == a.cols, where(origin, f),
                  " must be a rectangular [T][D] list (row lengths differ)");
      for (const auto& v : row) a.v.push_back(get_num(v, origin, f));
    }
  } else {
    a.cols = int(j.size());
    for (const auto& v : j) a.v.push_back(get_num(v, origin, f));
  }
  return a;
}

json stat_array_json(const proc::StatArray& a) {
  json out = json::array();
  if (!a.is_2d()) {
    for (double v : a.v) out.push_back(v);
    return out;
  }
  for (int r = 0; r < a.rows; r++) {
    json row = json::array();
    for (int c = 0; c < a.cols; c++) row.push_back(a.v[size_t(r) * a.cols + c]);
    out.push_back(row);
  }
  return out;
}

proc::KeyStats parse_key_stats(const json& j, const std::string& origin, const std::string& f) {
  GROOT_CHECK(j.is_object(), where(origin, f), " must be an object {stat: values}");
  proc::KeyStats ks;
  for (auto it = j.begin(); it != j.end(); ++it)
    ks.emplace_back(it.key(), parse_stat_array(it.value(), origin, f + "." + it.key()));
  return ks;
}

std::string read_text(const std::string& path) {
  return read_file(path);
}

}  // namespace

const data::ModalityConfig* ProcessorConfig::find(const std::string& tag) const {
  for (const auto& [k, v] : modality_configs)
    if (k == tag) return &v;
  return nullptr;
}

// ---- processor_config.json ----------------------------------------------------------------------
ProcessorConfig parse_processor_config(const std::string& text, const std::string& origin) {
  const json root = data::parse_json_text(text, origin);
  GROOT_CHECK(root.is_object(), origin, ": expected a JSON object");
  ProcessorConfig c;
  if (root.contains("processor_class"))
    c.processor_class = get_str(root["processor_class"], origin, "processor_class");
  GROOT_CHECK(root.contains("processor_kwargs") && root["processor_kwargs"].is_object(), origin,
              ": missing object 'processor_kwargs'");
  const json& kw = root["processor_kwargs"];
  for (auto it = kw.begin(); it != kw.end(); ++it) {
    const std::string k = it.key();
    const json& v = it.value();
    const std::string f = "processor_kwargs." + k;
    if (k == "modality_configs") {
      GROOT_CHECK(v.is_object(), where(origin, f), " must be an object {tag: {modality: config}}");
      for (auto t = v.begin(); t != v.end(); ++t) {
        GROOT_CHECK(t.value().is_object(), where(origin, f + "." + t.key()), " must be an object");
        data::ModalityConfig em;
        em.embodiment_tag = t.key();
        em.source = origin;
        for (auto m = t.value().begin(); m != t.value().end(); ++m) {
          const std::string mk = m.key(), fm = f + "." + t.key() + "." + mk;
          GROOT_CHECK(mk == "video" || mk == "state" || mk == "action" || mk == "language", where(origin, fm),
                      ": unknown modality (expected video, state, action or language)");
          const data::ModalityGroup g = data::parse_modality_group(m.value(), mk, origin + ": " + fm);
          GROOT_CHECK(g.action_configs.empty() || g.action_configs.size() == g.modality_keys.size(),
                      where(origin, fm), ": action_configs has ", g.action_configs.size(),
                      " entries but modality_keys has ", g.modality_keys.size());
          (mk == "video" ? em.video : mk == "state" ? em.state : mk == "action" ? em.action : em.language) = g;
        }
        c.modality_configs.emplace_back(t.key(), std::move(em));
      }
    } else if (k == "image_crop_size" || k == "image_target_size") {
      std::optional<std::vector<int>> val;
      if (!v.is_null()) val = get_int_list(v, origin, f);
      (k == "image_crop_size" ? c.image_crop_size : c.image_target_size) = val;
    } else if (k == "use_albumentations") {
      c.use_albumentations = get_bool(v, origin, f);
    } else if (k == "random_rotation_angle") {
      c.random_rotation_angle = v.is_null() ? std::nullopt : std::optional<double>(get_num(v, origin, f));
    } else if (k == "color_jitter_params") {
      if (v.is_null()) {
        c.color_jitter_params.reset();
      } else {
        GROOT_CHECK(v.is_object(), where(origin, f), " must be an object or null");
        img::ColorJitterParams p;
        for (auto jt = v.begin(); jt != v.end(); ++jt) {
          const double x = get_num(jt.value(), origin, f + "." + jt.key());
          if (jt.key() == "brightness")
            p.brightness = x;
          else if (jt.key() == "contrast")
            p.contrast = x;
          else if (jt.key() == "saturation")
            p.saturation = x;
          else if (jt.key() == "hue")
            p.hue = x;
          else
            fail(where(origin, f + "." + jt.key()), ": unknown colour jitter parameter");
        }
        c.color_jitter_params = p;
      }
    } else if (k == "shortest_image_edge") {
      c.shortest_image_edge = v.is_null() ? std::nullopt : std::optional<int>(get_int(v, origin, f));
    } else if (k == "crop_fraction") {
      c.crop_fraction = v.is_null() ? std::nullopt : std::optional<double>(get_num(v, origin, f));
    } else if (k == "model_name") {
      c.model_name = get_str(v, origin, f);
    } else if (k == "model_type") {
      c.model_type = get_str(v, origin, f);
    } else if (k == "formalize_language") {
      c.formalize_language = get_bool(v, origin, f);
    } else if (k == "max_state_dim") {
      c.max_state_dim = get_int(v, origin, f);
    } else if (k == "max_action_dim") {
      c.max_action_dim = get_int(v, origin, f);
    } else if (k == "max_action_horizon") {
      c.max_action_horizon = get_int(v, origin, f);
    } else if (k == "use_percentiles") {
      c.use_percentiles = get_bool(v, origin, f);
    } else if (k == "clip_outliers") {
      c.clip_outliers = get_bool(v, origin, f);
    } else if (k == "apply_sincos_state_encoding") {
      c.apply_sincos_state_encoding = get_bool(v, origin, f);
    } else if (k == "use_relative_action") {
      c.use_relative_action = get_bool(v, origin, f);
    } else {
      c.extra_kwargs.emplace_back(k, v.dump());
    }
  }
  GROOT_CHECK(c.max_state_dim > 0 && c.max_action_dim > 0 && c.max_action_horizon > 0, origin,
              ": max_state_dim / max_action_dim / max_action_horizon must be positive");
  return c;
}

ProcessorConfig read_processor_config(const std::string& path) {
  return parse_processor_config(read_text(path), path);
}

std::string processor_config_json(const ProcessorConfig& c) {
  json kw = json::object();
  json mc = json::object();
  for (const auto& [tag, em] : c.modality_configs) {
    json e = json::object();
    for (const char* m : {"video", "state", "action", "language"})
      if (const data::ModalityGroup* g = em.group(m)) e[m] = modality_json(*g);
    mc[tag] = e;
  }
  kw["modality_configs"] = mc;
  kw["image_crop_size"] = c.image_crop_size ? json(*c.image_crop_size) : json(nullptr);
  kw["image_target_size"] = c.image_target_size ? json(*c.image_target_size) : json(nullptr);
  kw["use_albumentations"] = c.use_albumentations;
  kw["random_rotation_angle"] = c.random_rotation_angle ? num(*c.random_rotation_angle) : json(nullptr);
  if (c.color_jitter_params) {
    json cj = json::object();
    cj["brightness"] = c.color_jitter_params->brightness;
    cj["contrast"] = c.color_jitter_params->contrast;
    cj["saturation"] = c.color_jitter_params->saturation;
    cj["hue"] = c.color_jitter_params->hue;
    kw["color_jitter_params"] = cj;
  } else {
    kw["color_jitter_params"] = nullptr;
  }
  kw["shortest_image_edge"] = c.shortest_image_edge ? json(*c.shortest_image_edge) : json(nullptr);
  kw["crop_fraction"] = c.crop_fraction ? json(*c.crop_fraction) : json(nullptr);
  kw["model_name"] = c.model_name;
  kw["model_type"] = c.model_type;
  kw["formalize_language"] = c.formalize_language;
  kw["max_state_dim"] = c.max_state_dim;
  kw["max_action_dim"] = c.max_action_dim;
  kw["max_action_horizon"] = c.max_action_horizon;
  kw["use_percentiles"] = c.use_percentiles;
  kw["clip_outliers"] = c.clip_outliers;
  kw["apply_sincos_state_encoding"] = c.apply_sincos_state_encoding;
  kw["use_relative_action"] = c.use_relative_action;
  for (const auto& [k, v] : c.extra_kwargs) kw[k] = json::parse(v);
  json root = json::object();
  root["processor_class"] = c.processor_class;
  root["processor_kwargs"] = kw;
  return root.dump(2);
}

void write_processor_config(const std::string& path, const ProcessorConfig& cfg) {
  write_file_atomic(path, processor_config_json(cfg));
}

// ---- statistics.json ----------------------------------------------------------------------------
proc::Statistics parse_statistics(const std::string& text, const std::string& origin) {
  const json root = data::parse_json_text(text, origin);
  GROOT_CHECK(root.is_object(), origin, ": expected a JSON object {tag: {modality: {key: stats}}}");
  proc::Statistics st;
  for (auto t = root.begin(); t != root.end(); ++t) {
    GROOT_CHECK(t.value().is_object(), where(origin, t.key()), " must be an object");
    proc::EmbodimentStats es;
    for (auto m = t.value().begin(); m != t.value().end(); ++m) {
      const std::string f = t.key() + "." + m.key();
      GROOT_CHECK(m.value().is_object(), where(origin, f), " must be an object {key: stats}");
      std::vector<std::pair<std::string, proc::KeyStats>> keys;
      for (auto k = m.value().begin(); k != m.value().end(); ++k)
        keys.emplace_back(k.key(), parse_key_stats(k.value(), origin, f + "." + k.key()));
      es.emplace_back(m.key(), std::move(keys));
    }
    st.emplace_back(t.key(), std::move(es));
  }
  return st;
}

proc::Statistics read_statistics(const std::string& path) {
  return parse_statistics(read_text(path), path);
}

std::string statistics_json(const proc::Statistics& stats) {
  json root = json::object();
  for (const auto& [tag, es] : stats) {
    json e = json::object();
    for (const auto& [m, keys] : es) {
      json mj = json::object();
      for (const auto& [k, ks] : keys) {
        json kj = json::object();
        for (const auto& [name, arr] : ks) kj[name] = stat_array_json(arr);
        mj[k] = kj;
      }
      e[m] = mj;
    }
    root[tag] = e;
  }
  return root.dump(2);
}

void write_statistics(const std::string& path, const proc::Statistics& stats) {
  write_file_atomic(path, statistics_json(stats));
}

// ---- folder -------------------------------------------------------------------------------------
ProcessorFiles load_processor_files(const std::string& dir) {
  ProcessorFiles f;
  const fs::path d(dir);
  GROOT_CHECK(fs::is_directory(d), "processor folder ", dir, " does not exist");
  f.config = read_processor_config((d / "processor_config.json").string());
  f.statistics = read_statistics((d / "statistics.json").string());
  f.embodiment_ids = embodiment::load_for_checkpoint(dir);
  return f;
}

void save_processor_files(const std::string& dir, const ProcessorFiles& files) {
  const fs::path d(dir);
  std::error_code ec;
  fs::create_directories(d, ec);
  GROOT_CHECK(fs::is_directory(d), "cannot create processor folder ", dir, ": ", ec.message());
  // Serialise everything first so that a bad value fails before any file is replaced.
  const std::string cfg = processor_config_json(files.config);
  const std::string st = statistics_json(files.statistics);
  const std::string ids = embodiment::embodiment_ids_json(files.embodiment_ids);
  write_file_atomic(d / "processor_config.json", cfg);
  write_file_atomic(d / "statistics.json", st);
  write_file_atomic(d / "embodiment_id.json", ids);
}

// ---- runtime helpers ----------------------------------------------------------------------------
img::ImageTransformConfig image_transform_config(const ProcessorConfig& c) {
  img::ImageTransformConfig ic;
  if (c.shortest_image_edge) {
    ic.shortest_image_edge = *c.shortest_image_edge;
  } else {
    GROOT_CHECK(c.image_target_size && !c.image_target_size->empty(),
                "processor config: shortest_image_edge is null and image_target_size is not set");
    ic.shortest_image_edge = (*c.image_target_size)[0];
  }
  if (c.crop_fraction) {
    ic.crop_fraction = *c.crop_fraction;
  } else {
    GROOT_CHECK(
        c.image_crop_size && c.image_target_size && !c.image_crop_size->empty() &&
            !c.image_target_size->empty() && (*c.image_target_size)[0] > 0,
        "processor config: crop_fraction is null and image_crop_size / image_target_size are not set");
    ic.crop_fraction = double((*c.image_crop_size)[0]) / (*c.image_target_size)[0];
  }
  GROOT_CHECK(c.use_albumentations,
              "processor config: use_albumentations=false (deprecated torchvision path) is not supported");
  ic.random_rotation_angle = c.random_rotation_angle;
  ic.color_jitter = c.color_jitter_params;
  for (const auto& [k, v] : c.extra_kwargs)
    if (k == "letter_box_transform") {
      const json b = json::parse(v);
      GROOT_CHECK(b.is_boolean(), "processor config: letter_box_transform must be true/false, got ", v);
      ic.letterbox = b.get<bool>();
    }
  return ic;
}

proc::StateActionFlags state_action_flags(const ProcessorConfig& c) {
  proc::StateActionFlags f;
  f.use_percentiles = c.use_percentiles;
  f.clip_outliers = c.clip_outliers;
  f.apply_sincos_state_encoding = c.apply_sincos_state_encoding;
  f.use_relative_action = c.use_relative_action;
  return f;
}

proc::PaddingConfig padding_config(const ProcessorConfig& c) {
  return proc::PaddingConfig{c.max_state_dim, c.max_action_dim, c.max_action_horizon};
}

std::map<std::string, data::ModalityConfig> modality_config_map(const ProcessorConfig& c) {
  std::map<std::string, data::ModalityConfig> m;
  for (const auto& [k, v] : c.modality_configs) m[k] = v;
  return m;
}

proc::StateActionProcessor make_state_action_processor(const ProcessorFiles& files) {
  proc::StateActionProcessor p(modality_config_map(files.config), state_action_flags(files.config));
  p.set_statistics(files.statistics);
  return p;
}

// ---- dataset meta -> statistics -----------------------------------------------------------------
proc::EmbodimentStats embodiment_stats_from_dataset_meta(const std::string& meta_dir) {
  const fs::path d(meta_dir);
  const std::string stats_path = (d / "stats.json").string(), mod_path = (d / "modality.json").string();
  const json stats = data::parse_json_text(read_text(stats_path), stats_path);
  const data::ModalityMeta mod = data::parse_modality_meta(data::parse_json_text(read_text(mod_path), mod_path), mod_path);
  GROOT_CHECK(stats.is_object(), stats_path, ": expected an object {column: {stat: [D]}}");
  proc::EmbodimentStats es;
  for (const char* modality : {"state", "action"}) {
    if (!mod.raw.contains(modality)) continue;
    const auto& slices = std::string(modality) == "state" ? mod.state : mod.action;
    std::vector<std::pair<std::string, proc::KeyStats>> keys;
    for (const data::ModalitySlice& sl : slices) {
      const std::string f = std::string(modality) + "." + sl.name;
      const std::string& column = sl.original_key;
      GROOT_CHECK(stats.contains(column), stats_path, ": no statistics for column '", column, "' (needed by ",
                  mod_path, " ", f, ")");
      const json& cs = stats[column];
      GROOT_CHECK(cs.is_object(), where(stats_path, column), " must be an object");
      proc::KeyStats ks;
      for (auto s = cs.begin(); s != cs.end(); ++s) {
        proc::StatArray full = parse_stat_array(s.value(), stats_path, column + "." + s.key());
        GROOT_CHECK(!full.is_2d(), where(stats_path, column + "." + s.key()), " must be a 1-D list");
        GROOT_CHECK(sl.end <= full.cols, mod_path, ": ", f, " slice [", sl.start, ", ", sl.end, ") is outside ",
                    column, "'s ", full.cols, " dims");
        proc::StatArray a;
        a.cols = int(sl.dim());
        a.v.assign(full.v.begin() + sl.start, full.v.begin() + sl.end);
        ks.emplace_back(s.key(), std::move(a));
      }
      keys.emplace_back(sl.name, std::move(ks));
    }
    es.emplace_back(modality, std::move(keys));
  }
  const fs::path rel = d / "relative_stats.json";
  if (fs::exists(rel)) {
    const json rj = data::parse_json_text(read_text(rel.string()), rel.string());
    GROOT_CHECK(rj.is_object(), rel.string(), ": expected an object {action_key: {stat: [[D] x T]}}");
    std::vector<std::pair<std::string, proc::KeyStats>> keys;
    for (auto k = rj.begin(); k != rj.end(); ++k)
      keys.emplace_back(k.key(), parse_key_stats(k.value(), rel.string(), k.key()));
    es.emplace_back("relative_action", std::move(keys));
  }
  return es;
}

}  // namespace groot::procfiles
