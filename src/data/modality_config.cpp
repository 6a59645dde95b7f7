#include "data/modality_config.h"

#include "data/modality_py.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "util/error.h"
#include "util/fs.h"

namespace groot::data {

const char* to_string(ActionRep r) {
  switch (r) {
    case ActionRep::kRelative:
      return "relative";
    case ActionRep::kDelta:
      return "delta";
    case ActionRep::kAbsolute:
      return "absolute";
  }
  return "?";
}
const char* to_string(ActionType t) {
  return t == ActionType::kEef ? "eef" : "non_eef";
}
const char* to_string(ActionFormat f) {
  switch (f) {
    case ActionFormat::kDefault:
      return "default";
    case ActionFormat::kXyzRot6d:
      return "xyz+rot6d";
    case ActionFormat::kXyzRotvec:
      return "xyz+rotvec";
  }
  return "?";
}

const char* to_name(ActionRep r) {
  switch (r) {
    case ActionRep::kRelative:
      return "RELATIVE";
    case ActionRep::kDelta:
      return "DELTA";
    case ActionRep::kAbsolute:
      return "ABSOLUTE";
  }
  return "?";
}
const char* to_name(ActionType t) {
  return t == ActionType::kEef ? "EEF" : "NON_EEF";
}
const char* to_name(ActionFormat f) {
  switch (f) {
    case ActionFormat::kDefault:
      return "DEFAULT";
    case ActionFormat::kXyzRot6d:
      return "XYZ_ROT6D";
    case ActionFormat::kXyzRotvec:
      return "XYZ_ROTVEC";
  }
  return "?";
}

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower((unsigned char)c));
  return s;
}
}  // namespace

ActionRep parse_action_rep(const std::string& s) {
  const std::string v = lower(s);
  if (v == "relative") return ActionRep::kRelative;
  if (v == "delta") return ActionRep::kDelta;
  if (v == "absolute") return ActionRep::kAbsolute;
  fail("unknown value \"", s, "\" (expected relative, delta, absolute)");
}
ActionType parse_action_type(const std::string& s) {
  const std::string v = lower(s);
  if (v == "eef") return ActionType::kEef;
  if (v == "non_eef") return ActionType::kNonEef;
  fail("unknown value \"", s, "\" (expected eef, non_eef)");
}
ActionFormat parse_action_format(const std::string& s) {
  const std::string v = lower(s);
  if (v == "default") return ActionFormat::kDefault;
  if (v == "xyz+rot6d" || v == "xyz_rot6d") return ActionFormat::kXyzRot6d;
  if (v == "xyz+rotvec" || v == "xyz_rotvec") return ActionFormat::kXyzRotvec;
  fail("unknown value \"", s, "\" (expected default, xyz+rot6d, xyz+rotvec)");
}

bool ModalityGroup::has_key(const std::string& k) const {
  return std::find(modality_keys.begin(), modality_keys.end(), k) != modality_keys.end();
}
bool ModalityGroup::is_sin_cos(const std::string& k) const {
  return std::find(sin_cos_embedding_keys.begin(), sin_cos_embedding_keys.end(), k) !=
         sin_cos_embedding_keys.end();
}
bool ModalityGroup::is_mean_std(const std::string& k) const {
  return std::find(mean_std_embedding_keys.begin(), mean_std_embedding_keys.end(), k) !=
         mean_std_embedding_keys.end();
}

const ModalityGroup* ModalityConfig::group(const std::string& modality) const {
  const ModalityGroup* g = modality == "video"      ? &video
                           : modality == "state"    ? &state
                           : modality == "action"   ? &action
                           : modality == "language" ? &language
                                                    : nullptr;
  return g && g->present ? g : nullptr;
}
const ModalityGroup& ModalityConfig::at(const std::string& modality) const {
  const ModalityGroup* g = group(modality);
  if (!g) fail("modality config of embodiment '", embodiment_tag, "' has no '", modality, "' entry");
  return *g;
}

int ModalityConfig::action_horizon() const {
  if (!action.present || action.delta_indices.empty()) return 0;
  auto [lo, hi] = std::minmax_element(action.delta_indices.begin(), action.delta_indices.end());
  return *hi - *lo + 1;
}

ActionConfig ModalityConfig::action_config(const std::string& key) const {
  for (size_t i = 0; i < action.modality_keys.size(); ++i)
    if (action.modality_keys[i] == key && i < action.action_configs.size()) return action.action_configs[i];
  return ActionConfig{};
}

std::vector<std::string> ModalityConfig::relative_action_keys() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < action.modality_keys.size() && i < action.action_configs.size(); ++i)
    if (action.action_configs[i].rep == ActionRep::kRelative) out.push_back(action.modality_keys[i]);
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<std::string>& known_embodiment_tags() {
  static const std::vector<std::string> tags = {
      "robocasa_panda_omron", "gr1",       "unitree_g1",      "libero_panda",  "oxe_google",
      "oxe_widowx",           "oxe_droid", "behavior_r1_pro", "new_embodiment"};
  return tags;
}

namespace {

std::vector<std::string> string_list(const ojson& j, const std::string& where) {
  if (j.is_null()) return {};
  if (!j.is_array()) fail(where, ": expected a list of strings, got ", j.dump(-1, ' ', false, ojson::error_handler_t::replace));
  std::vector<std::string> out;
  for (const auto& s : j) {
    if (!s.is_string()) fail(where, ": expected a list of strings, got ", j.dump(-1, ' ', false, ojson::error_handler_t::replace));
    out.push_back(s.get<std::string>());
  }
  return out;
}

// A list of ints, or the string "range(stop)" / "range(start, stop[, step])".
std::vector<int> delta_list(const ojson& j, const std::string& where) {
  std::vector<int> out;
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    std::string t;
    for (char c : s)
      if (!std::isspace((unsigned char)c)) t += c;
    if (t.rfind("range(", 0) != 0 || t.back() != ')')
      fail(where, ": expected a list of ints or \"range(a, b)\", got \"", s, "\"");
    std::string inner = t.substr(6, t.size() - 7);
    std::vector<long> args;
    size_t pos = 0;
    while (pos <= inner.size()) {
      size_t comma = inner.find(',', pos);
      if (comma == std::string::npos) comma = inner.size();
      std::string a = inner.substr(pos, comma - pos);
      char* end = nullptr;
      long v = std::strtol(a.c_str(), &end, 10);
      if (a.empty() || *end != '\0') fail(where, ": bad range expression \"", s, "\"");
      args.push_back(v);
      pos = comma + 1;
    }
    long start = 0, stop = 0, step = 1;
    if (args.size() == 1) {
      stop = args[0];
    } else if (args.size() == 2 || args.size() == 3) {
      start = args[0];
      stop = args[1];
      if (args.size() == 3) step = args[2];
    } else {
      fail(where, ": bad range expression \"", s, "\"");
    }
    if (step == 0) fail(where, ": range step must not be 0 in \"", s, "\"");
    for (long v = start; step > 0 ? v < stop : v > stop; v += step) out.push_back(int(v));
    if (out.size() > 100000) fail(where, ": range \"", s, "\" is too long");
    return out;
  }
  if (!j.is_array()) fail(where, ": expected a list of ints, got ", j.dump(-1, ' ', false, ojson::error_handler_t::replace));
  for (const auto& v : j) {
    if (!v.is_number_integer()) fail(where, ": expected a list of ints, got ", j.dump(-1, ' ', false, ojson::error_handler_t::replace));
    out.push_back(v.get<int>());
  }
  return out;
}

ActionConfig parse_action_config(const ojson& j, const std::string& where) {
  if (!j.is_object()) fail(where, ": expected an object {rep, type, format[, state_key]}, got ", j.dump(-1, ' ', false, ojson::error_handler_t::replace));
  ActionConfig a;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    std::string w = where + "." + k;
    if (k == "state_key") {
      if (it->is_null()) continue;
      if (!it->is_string()) fail(w, ": expected a string, got ", it->dump());
      a.state_key = it->get<std::string>();
      continue;
    }
    if (!it->is_string()) fail(w, ": expected a string, got ", it->dump());
    if (k != "rep" && k != "type" && k != "format")
      fail(where, ": unknown field \"", k, "\" (expected rep, type, format, state_key)");
    const std::string v = it->get<std::string>();
    try {
      if (k == "rep")
        a.rep = parse_action_rep(v);
      else if (k == "type")
        a.type = parse_action_type(v);
      else
        a.format = parse_action_format(v);
    } catch (const Error& e) {
      fail(w, ": ", e.what());
    }
  }
  return a;
}

}  // namespace

ModalityGroup parse_modality_group(const ojson& j, const std::string& name, const std::string& where) {
  if (!j.is_object())
    fail(where, ": expected an object with delta_indices and modality_keys, got ", j.dump(-1, ' ', false, ojson::error_handler_t::replace));
  ModalityGroup g;
  g.present = true;
  bool have_delta = false, have_keys = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    std::string w = where + "." + k;
    if (k == "delta_indices") {
      g.delta_indices = delta_list(*it, w);
      have_delta = true;
    } else if (k == "modality_keys") {
      g.modality_keys = string_list(*it, w);
      have_keys = true;
    } else if (k == "sin_cos_embedding_keys") {
      g.sin_cos_embedding_keys = string_list(*it, w);
    } else if (k == "mean_std_embedding_keys") {
      g.mean_std_embedding_keys = string_list(*it, w);
    } else if (k == "action_configs") {
      if (it->is_null()) continue;
      if (name != "action") fail(w, ": action_configs is only allowed in the action modality");
      if (!it->is_array()) fail(w, ": expected a list, got ", it->dump());
      for (size_t i = 0; i < it->size(); ++i)
        g.action_configs.push_back(parse_action_config((*it)[i], w + "[" + std::to_string(i) + "]"));
    } else {
      fail(where, ": unknown field \"", k,
           "\" (expected delta_indices, modality_keys, sin_cos_embedding_keys, mean_std_embedding_keys, "
           "action_configs)");
    }
  }
  if (!have_delta) fail(where, ": missing delta_indices");
  if (!have_keys) fail(where, ": missing modality_keys");
  return g;
}

namespace {

ojson yaml_node_to_json(const YAML::Node& n, const std::string& source) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      ojson a = ojson::array();
      for (const auto& c : n) a.push_back(yaml_node_to_json(c, source));
      return a;
    }
    case YAML::NodeType::Map: {
      ojson o = ojson::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          fail(source, ": line ", kv.first.Mark().line + 1, ": mapping keys must be plain strings");
        o[kv.first.Scalar()] = yaml_node_to_json(kv.second, source);
      }
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: always a string
      if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (!s.empty()) {
        char* end = nullptr;
        long long iv = std::strtoll(s.c_str(), &end, 10);
        if (*end == '\0') return int64_t(iv);
        double dv = std::strtod(s.c_str(), &end);
        if (*end == '\0' && (std::isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.'))
          return dv;
      }
      return s;
    }
  }
  return nullptr;
}

}  // namespace

ojson yaml_to_json(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(source, ": invalid YAML: ", e.what());
  }
  return yaml_node_to_json(root, source);
}

ModalityConfig parse_modality_config(const ojson& j, const std::string& source) {
  if (!j.is_object())
    fail(source, ": expected a mapping with video/state/action/language, got ", j.type_name());
  ModalityConfig cfg;
  cfg.source = source;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    std::string where = source + ": " + k;
    if (k == "embodiment_tag") {
      if (!it->is_string()) fail(where, ": expected a string, got ", it->dump());
      cfg.embodiment_tag = lower(it->get<std::string>());
    } else if (k == "video") {
      cfg.video = parse_modality_group(*it, k, where);
    } else if (k == "state") {
      cfg.state = parse_modality_group(*it, k, where);
    } else if (k == "action") {
      cfg.action = parse_modality_group(*it, k, where);
    } else if (k == "language") {
      cfg.language = parse_modality_group(*it, k, where);
    } else {
      fail(source, ": unknown top-level key \"", k,
           "\" (allowed: video, state, action, language, embodiment_tag)");
    }
  }
  const auto& tags = known_embodiment_tags();
  if (std::find(tags.begin(), tags.end(), cfg.embodiment_tag) == tags.end()) {
    std::string list;
    for (const auto& t : tags) list += (list.empty() ? "" : ", ") + t;
    fail(source, ": embodiment_tag \"", cfg.embodiment_tag, "\" is not a GR00T N1.6 tag (", list, ")");
  }
  // Internal rules (gr00t/data/types.py ModalityConfig, Config.validate, the episode loader).
  auto check_group = [&](const ModalityGroup& g, const char* name) {
    if (!g.present) return;
    std::string where = source + ": " + name;
    if (g.delta_indices.empty()) fail(where, ".delta_indices must not be empty");
    if (g.modality_keys.empty()) fail(where, ".modality_keys must not be empty");
    std::set<std::string> seen;
    for (const auto& k : g.modality_keys)
      if (!seen.insert(k).second) fail(where, ".modality_keys lists \"", k, "\" twice");
    for (const auto* list : {&g.sin_cos_embedding_keys, &g.mean_std_embedding_keys})
      for (const auto& k : *list)
        if (!g.has_key(k)) fail(where, ": embedding key \"", k, "\" is not one of its modality_keys");
    for (const auto& k : g.sin_cos_embedding_keys)
      if (std::find(g.mean_std_embedding_keys.begin(), g.mean_std_embedding_keys.end(), k) !=
          g.mean_std_embedding_keys.end())
        fail(where, ": key \"", k, "\" is in both sin_cos_embedding_keys and mean_std_embedding_keys");
  };
  check_group(cfg.video, "video");
  check_group(cfg.state, "state");
  check_group(cfg.action, "action");
  check_group(cfg.language, "language");
  if (cfg.language.present) {
    if (cfg.language.modality_keys.size() != 1)
      fail(source, ": language must have exactly one modality key, got ", cfg.language.modality_keys.size());
    if (cfg.language.delta_indices != std::vector<int>{0})
      fail(source, ": language.delta_indices must be [0] (only a single timestep is supported)");
  }
  if (cfg.action.present && !cfg.action.action_configs.empty() &&
      cfg.action.action_configs.size() != cfg.action.modality_keys.size())
    fail(source, ": action.action_configs has ", cfg.action.action_configs.size(), " entries but action has ",
         cfg.action.modality_keys.size(), " modality_keys (need one per key, in the same order)");
  if (cfg.action.present && cfg.action.action_configs.empty())
    cfg.action.action_configs.assign(cfg.action.modality_keys.size(), ActionConfig{});
  for (const auto* g : {&cfg.action, &cfg.state})
    for (int d : g->delta_indices)
      if (d < 0) fail(source, ": negative delta index ", d, " (GR00T N1.6 trains without padding)");
  return cfg;
}

ModalityConfig load_modality_config(const fs::path& path, const std::string& embodiment_tag) {
  if (!fs::exists(path)) fail("modality config ", path.string(), ": file not found");
  std::string ext = lower(path.extension().string());
  if (ext == ".py") return load_modality_config_py(path, embodiment_tag);
  std::string text = read_file(path);
  ojson j;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (ext == ".json" || (first != std::string::npos && text[first] == '{' && ext != ".yaml" && ext != ".yml"))
    j = parse_json_text(text, path.string());
  else
    j = yaml_to_json(text, path.string());
  return parse_modality_config(j, path.string());
}

ModalityConfig default_modality_config(const ModalityMeta& m) {
  ModalityConfig cfg;
  cfg.source = "default (derived from meta/modality.json)";
  if (!m.video.empty()) {
    cfg.video.present = true;
    cfg.video.delta_indices = {0};
    for (const auto& v : m.video) cfg.video.modality_keys.push_back(v.name);
  }
  if (!m.state.empty()) {
    cfg.state.present = true;
    cfg.state.delta_indices = {0};
    for (const auto& s : m.state) cfg.state.modality_keys.push_back(s.name);
  }
  if (!m.action.empty()) {
    cfg.action.present = true;
    for (int i = 0; i < 16; ++i) cfg.action.delta_indices.push_back(i);
    for (const auto& s : m.action) cfg.action.modality_keys.push_back(s.name);
    cfg.action.action_configs.assign(cfg.action.modality_keys.size(), ActionConfig{});
  }
  // Language: prefer the task description annotation, else the first annotation, else none.
  std::string lang;
  for (const char* pref : {"human.task_description", "human.action.task_description"})
    if (m.find_annotation(pref)) {
      lang = pref;
      break;
    }
  if (lang.empty() && !m.annotation.empty()) lang = m.annotation.front().name;
  if (!lang.empty()) {
    cfg.language.present = true;
    cfg.language.delta_indices = {0};
    cfg.language.modality_keys = {"annotation." + lang};
  }
  return cfg;
}

void validate_modality_config(const ModalityConfig& cfg, const ModalityMeta& m, const Info& info,
                              const std::string& modality_file) {
  const std::string& src = cfg.source;
  if (cfg.video.present) {
    for (const auto& k : cfg.video.modality_keys) {
      const ModalityVideo* v = m.find_video(k);
      if (!v) {
        std::string have;
        for (const auto& x : m.video) have += (have.empty() ? "" : ", ") + x.name;
        fail(src, ": video key \"", k, "\" is not in ", modality_file,
             " \"video\" (has: ", have.empty() ? "none" : have, ")");
      }
      const Feature* f = info.find(v->original_key);
      if (!f || !f->is_video())
        fail(modality_file, ": video.", k, ".original_key \"", v->original_key,
             "\" is not a video feature of meta/info.json");
    }
  }
  auto check_slices = [&](const ModalityGroup& g, const char* name,
                          const std::vector<ModalitySlice>& slices) {
    if (!g.present) return;
    for (const auto& k : g.modality_keys) {
      const ModalitySlice* s = nullptr;
      for (const auto& x : slices)
        if (x.name == k) s = &x;
      if (!s) {
        std::string have;
        for (const auto& x : slices) have += (have.empty() ? "" : ", ") + x.name;
        fail(src, ": ", name, " key \"", k, "\" is not in ", modality_file, " \"", name,
             "\" (has: ", have.empty() ? "none" : have, ")");
      }
      const Feature* f = info.find(s->original_key);
      if (!f)
        fail(modality_file, ": ", name, ".", k, ".original_key \"", s->original_key,
             "\" is not a feature of meta/info.json");
      if (!f->is_numeric() || f->shape.size() != 1)
        fail(modality_file, ": ", name, ".", k, " slices \"", s->original_key, "\" which is ", f->dtype,
             " with shape of rank ", f->shape.size(), "; expected a numeric vector feature");
      if (s->end > f->shape[0])
        fail(modality_file, ": ", name, ".", k, " range [", s->start, ":", s->end, ") exceeds \"",
             s->original_key, "\" which has ", f->shape[0], " values per row");
    }
  };
  check_slices(cfg.state, "state", m.state);
  check_slices(cfg.action, "action", m.action);
  if (cfg.language.present) {
    const std::string& k = cfg.language.modality_keys[0];
    if (k != "task" && k != "sub_task") {
      if (k.rfind("annotation.", 0) != 0)
        fail(src, ": language key \"", k, "\" must be \"task\", \"sub_task\" or \"annotation.<name>\"");
      std::string sub = k.substr(11);
      if (!m.find_annotation(sub)) {
        std::string have;
        for (const auto& x : m.annotation) have += (have.empty() ? "" : ", ") + x.name;
        fail(src, ": language key \"", k, "\" needs \"", sub, "\" in ", modality_file,
             " \"annotation\" (has: ", have.empty() ? "none" : have, ")");
      }
    }
  }
  if (cfg.action.present) {
    bool any_relative = false;
    for (size_t i = 0; i < cfg.action.modality_keys.size(); ++i) {
      const std::string& k = cfg.action.modality_keys[i];
      ActionConfig ac = cfg.action_config(k);
      if (ac.rep != ActionRep::kRelative) continue;
      any_relative = true;
      std::string sk = ac.state_key.empty() ? k : ac.state_key;
      if (!cfg.state.present || !cfg.state.has_key(sk))
        fail(src, ": action \"", k, "\" is RELATIVE to state \"", sk,
             "\", which is not one of the state modality_keys",
             ac.state_key.empty() ? " (set action_configs[].state_key to the matching state group)" : "");
      const ModalitySlice* a = m.find_action(k);
      const ModalitySlice* s = m.find_state(sk);
      if (ac.type == ActionType::kNonEef && a && s && a->dim() != s->dim())
        fail(src, ": RELATIVE action \"", k, "\" has ", a->dim(), " dims but its reference state \"", sk,
             "\" has ", s->dim(), " (NON_EEF relative actions subtract the state, dims must match)");
      if (ac.type == ActionType::kEef && a && a->dim() != 9)
        fail(src, ": EEF action \"", k, "\" has ", a->dim(), " dims; EEF actions must be 9-D (xyz + rot6d)");
    }
    if (any_relative && cfg.state.present &&
        cfg.state.delta_indices.back() != cfg.action.delta_indices.front())
      fail(src, ": relative actions need state.delta_indices[-1] (", cfg.state.delta_indices.back(),
           ") == action.delta_indices[0] (", cfg.action.delta_indices.front(), ")");
  }
}

ojson modality_config_to_json(const ModalityConfig& cfg) {
  ojson j;
  j["embodiment_tag"] = cfg.embodiment_tag;
  auto group = [&](const ModalityGroup& g, const char* name) {
    if (!g.present) return;
    ojson o;
    o["delta_indices"] = g.delta_indices;
    o["modality_keys"] = g.modality_keys;
    if (!g.sin_cos_embedding_keys.empty()) o["sin_cos_embedding_keys"] = g.sin_cos_embedding_keys;
    if (!g.mean_std_embedding_keys.empty()) o["mean_std_embedding_keys"] = g.mean_std_embedding_keys;
    if (!g.action_configs.empty()) {
      ojson a = ojson::array();
      for (const auto& c : g.action_configs) {
        ojson x;
        x["rep"] = to_string(c.rep);
        x["type"] = to_string(c.type);
        x["format"] = to_string(c.format);
        if (!c.state_key.empty()) x["state_key"] = c.state_key;
        a.push_back(x);
      }
      o["action_configs"] = a;
    }
    j[name] = o;
  };
  group(cfg.video, "video");
  group(cfg.state, "state");
  group(cfg.action, "action");
  group(cfg.language, "language");
  return j;
}

}  // namespace groot::data
