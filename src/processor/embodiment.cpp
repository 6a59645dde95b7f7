// Embodiment tag -> projector slot: see embodiment.h.
#include "processor/embodiment.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/fs.h"

namespace groot::embodiment {

const std::vector<std::pair<std::string, int>>& projector_table() {
  static const std::vector<std::pair<std::string, int>> table = {
      {"robocasa_panda_omron", 13}, {"gr1", 20},       {"behavior_r1_pro", 24}, {"unitree_g1", 8},
      {"libero_panda", 2},          {"oxe_google", 0}, {"oxe_widowx", 1},       {"oxe_droid", 16},
      {"new_embodiment", 10},
  };
  return table;
}

std::string canonical_tag(const std::string& tag) {
  std::string l = tag;
  for (auto& ch : l) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return l;
}

EmbodimentMapping EmbodimentMapping::defaults() {
  EmbodimentMapping m;
  m.entries = projector_table();
  return m;
}

void EmbodimentMapping::fill_missing_from_table() {
  for (const auto& [tag, slot] : projector_table())
    if (!contains(tag)) entries.emplace_back(tag, slot);
}

bool EmbodimentMapping::contains(const std::string& tag) const {
  const std::string t = canonical_tag(tag);
  return std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.first == t; });
}

int EmbodimentMapping::slot(const std::string& tag) const {
  const std::string t = canonical_tag(tag);
  for (const auto& [k, v] : entries)
    if (k == t) return v;
  std::string known;
  for (const auto& [k, v] : entries) known += (known.empty() ? "" : ", ") + k;
  fail("unknown embodiment tag '", tag, "' (known: ", known, ")");
}

void EmbodimentMapping::set(const std::string& tag, int s) {
  GROOT_CHECK(s >= 0, "embodiment '", tag, "': projector slot must be >= 0, got ", s);
  const std::string t = canonical_tag(tag);
  for (auto& [k, v] : entries)
    if (k == t) {
      v = s;
      return;
    }
  entries.emplace_back(t, s);
}

EmbodimentMapping read_embodiment_ids(const std::string& path) {
  const std::string text = read_file(path);
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text);
  } catch (const std::exception& e) {
    fail(path, ": invalid JSON (", e.what(), ")");
  }
  GROOT_CHECK(j.is_object(), path, ": expected a JSON object {tag: projector index}");
  EmbodimentMapping m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    GROOT_CHECK(it.value().is_number_integer(), path, ": value of '", it.key(), "' must be an integer, got ",
                it.value().dump());
    const int64_t v = it.value().get<int64_t>();
    GROOT_CHECK(v >= 0 && v < 1024, path, ": projector index of '", it.key(), "' out of range: ", v);
    GROOT_CHECK(!m.contains(it.key()), path, ": duplicate tag '", it.key(), "'");
    m.entries.emplace_back(it.key(), int(v));
  }
  return m;
}

std::string embodiment_ids_json(const EmbodimentMapping& m) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : m.entries) j[k] = v;
  return j.dump(2);
}

void write_embodiment_ids(const std::string& path, const EmbodimentMapping& m) {
  write_file_atomic(path, embodiment_ids_json(m));
}

EmbodimentMapping load_for_checkpoint(const std::string& dir) {
  const fs::path p = fs::path(dir) / "embodiment_id.json";
  if (!fs::exists(p)) return EmbodimentMapping::defaults();
  EmbodimentMapping m = read_embodiment_ids(p.string());
  m.fill_missing_from_table();
  return m;
}

}  // namespace groot::embodiment
