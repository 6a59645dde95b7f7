#include "data/convert_mapping.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <set>

#include "util/error.h"
#include "util/fs.h"

namespace groot::convert {
namespace {

using json = nlohmann::json;

// YAML -> JSON (scalars stay strings unless they parse as int/float/bool; good enough for mappings).
json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      try {
        size_t pos = 0;
        long long v = std::stoll(s, &pos);
        if (pos == s.size()) return v;
      } catch (...) {
      }
      try {
        size_t pos = 0;
        double v = std::stod(s, &pos);
        if (pos == s.size()) return v;
      } catch (...) {
      }
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      return s;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& x : n) a.push_back(yaml_to_json(x));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return o;
    }
  }
  return nullptr;
}

std::string str_field(const json& o, const std::string& key, const std::string& where, bool required) {
  if (!o.contains(key) || o[key].is_null()) {
    if (required) fail(where, ": missing required field '", key, "'");
    return "";
  }
  if (!o[key].is_string()) fail(where, ": field '", key, "' must be a string, got ", o[key].dump());
  return o[key].get<std::string>();
}

void check_keys(const json& o, const std::set<std::string>& allowed, const std::string& where) {
  for (auto it = o.begin(); it != o.end(); ++it)
    if (!allowed.count(it.key())) {
      std::string list;
      for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(where, ": unknown field '", it.key(), "' (allowed: ", list, ")");
    }
}

void check_name(const std::string& name, const std::string& where) {
  if (name.empty()) fail(where, ": 'name' must not be empty");
  for (char c : name)
    if (c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\\')
      fail(where, ": name '", name, "' must not contain '/', quotes, backslashes or whitespace");
}

std::vector<Term> parse_terms(const json& root, const std::string& section, const std::string& src) {
  std::vector<Term> out;
  if (!root.contains(section)) fail(src, ": missing required section '", section, "'");
  const json& arr = root[section];
  if (!arr.is_array() || arr.empty()) fail(src, ": '", section, "' must be a non-empty list of {name, key, slice?, names?}");
  std::set<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string where = src + ": " + section + "[" + std::to_string(i) + "]";
    const json& e = arr[i];
    if (!e.is_object()) fail(where, ": expected an object {name, key, slice?, names?}, got ", e.dump());
    check_keys(e, {"name", "key", "slice", "names"}, where);
    Term t;
    t.name = str_field(e, "name", where, true);
    check_name(t.name, where);
    if (!seen.insert(t.name).second) fail(where, ": duplicate group name '", t.name, "' in ", section);
    t.key = str_field(e, "key", where, true);
    if (t.key.empty()) fail(where, ": 'key' must not be empty");
    if (e.contains("slice") && !e["slice"].is_null()) {
      const json& s = e["slice"];
      if (!s.is_array() || s.size() != 2 || !s[0].is_number_integer() || !s[1].is_number_integer())
        fail(where, ": 'slice' must be [start, end) with two integers, got ", s.dump());
      t.start = s[0].get<int64_t>();
      t.end = s[1].get<int64_t>();
      if (t.start < 0 || t.end <= t.start) fail(where, ": 'slice' [", t.start, ", ", t.end, ") is empty or negative");
    }
    if (e.contains("names") && !e["names"].is_null()) {
      const json& n = e["names"];
      if (!n.is_array()) fail(where, ": 'names' must be a list of strings");
      for (const auto& x : n) {
        if (!x.is_string()) fail(where, ": 'names' must be a list of strings, got ", x.dump());
        t.names.push_back(x.get<std::string>());
      }
      if (t.end >= 0 && int64_t(t.names.size()) != t.end - t.start)
        fail(where, ": 'names' has ", t.names.size(), " entries but slice [", t.start, ", ", t.end, ") has ",
             t.end - t.start, " columns");
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Mapping parse_mapping(const std::string& text, const std::string& name, bool is_json) {
  json root;
  if (is_json) {
    try {
      root = json::parse(text);
    } catch (const json::parse_error& e) {
      fail(name, ": invalid JSON: ", e.what());
    }
  } else {
    try {
      root = yaml_to_json(YAML::Load(text));
    } catch (const YAML::Exception& e) {
      fail(name, ": invalid YAML: ", e.what());
    }
  }
  if (!root.is_object()) fail(name, ": a mapping must be an object with state/action/video sections");
  check_keys(root, {"robot_type", "task", "fps", "state", "action", "video"}, name);
  Mapping m;
  m.source = name;
  if (root.contains("robot_type") && !root["robot_type"].is_null()) m.robot_type = str_field(root, "robot_type", name, true);
  m.task = str_field(root, "task", name, false);
  if (root.contains("fps") && !root["fps"].is_null()) {
    if (!root["fps"].is_number_integer() || root["fps"].get<int64_t>() < 1 || root["fps"].get<int64_t>() > 1000)
      fail(name, ": 'fps' must be an integer in [1, 1000], got ", root["fps"].dump());
    m.fps = root["fps"].get<int>();
  }
  m.state = parse_terms(root, "state", name);
  m.action = parse_terms(root, "action", name);
  if (root.contains("video") && !root["video"].is_null()) {
    const json& arr = root["video"];
    if (!arr.is_array()) fail(name, ": 'video' must be a list of {name, key}");
    std::set<std::string> seen;
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string where = name + ": video[" + std::to_string(i) + "]";
      if (!arr[i].is_object()) fail(where, ": expected an object {name, key}, got ", arr[i].dump());
      check_keys(arr[i], {"name", "key"}, where);
      CameraTerm c;
      c.name = str_field(arr[i], "name", where, true);
      check_name(c.name, where);
      if (!seen.insert(c.name).second) fail(where, ": duplicate camera name '", c.name, "'");
      c.key = str_field(arr[i], "key", where, true);
      m.video.push_back(std::move(c));
    }
  }
  return m;
}

Mapping load_mapping(const std::string& path) {
  std::string text = read_file(path);
  bool is_json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  return parse_mapping(text, path, is_json);
}

Mapping default_mapping() {
  Mapping m;
  m.robot_type = "franka_panda";
  m.task = "pick up the blue block and insert it into the MCX card slot";
  m.state = {{"eef_pos", "obs/eef_pos", 0, -1, {"eef_x", "eef_y", "eef_z"}},
             {"eef_quat", "obs/eef_quat", 0, -1, {"qx", "qy", "qz", "qw"}},
             {"gripper", "obs/gripper_pos", 0, 1, {"gripper"}}};
  m.action = {{"arm", "actions", 0, 6, {"dx", "dy", "dz", "droll", "dpitch", "dyaw"}},
              {"gripper", "actions", 6, 7, {"gripper"}}};
  m.video = {{"wrist", "obs/wrist_rgb"}, {"table", "obs/table_rgb"}};
  return m;
}

}  // namespace groot::convert
