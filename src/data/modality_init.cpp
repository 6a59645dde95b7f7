#include "data/modality_init.h"

#include <set>

#include "util/error.h"

namespace groot::data {
namespace {
std::string group_name(const std::string& key, const std::string& prefix, const std::string& whole) {
  std::string rest = key.size() > prefix.size() ? key.substr(prefix.size()) : "";
  if (!rest.empty() && rest[0] == '.') rest = rest.substr(1);
  std::string n = rest.empty() ? whole : rest;
  if (prefix == "action" && !rest.empty()) n = "action_" + rest;
  for (char& c : n)
    if (c == '.') c = '_';
  return n;
}
}  // namespace

ojson derive_modality_json(const Info& info, const std::string& info_file) {
  ojson j;
  j["state"] = ojson::object();
  j["action"] = ojson::object();
  std::set<std::string> cams;
  for (const Feature& f : info.features) {
    bool vec = f.is_numeric() && f.shape.size() == 1 && f.shape[0] > 0;
    if (vec && f.key.rfind("observation.", 0) == 0 && f.key.rfind("observation.images.", 0) != 0) {
      std::string n = group_name(f.key, "observation", "state");
      j["state"][n] = {{"start", 0}, {"end", f.shape[0]}, {"original_key", f.key}};
    } else if (vec && f.key.rfind("action", 0) == 0) {
      std::string n = group_name(f.key, "action", "action");
      j["action"][n] = {{"start", 0}, {"end", f.shape[0]}, {"original_key", f.key}};
    }
  }
  if (j["state"].empty() || j["action"].empty())
    fail(info_file, ": no ", j["state"].empty() ? "numeric 1-D observation.* (state)" : "numeric 1-D action*",
         " feature to derive a modality.json from; write meta/modality.json by hand (docs/reference/formats_reference.md §2.1)");
  ojson video = ojson::object();
  for (const Feature& f : info.features) {
    if (!f.is_video()) continue;
    std::string n = f.key.rfind("observation.images.", 0) == 0 ? f.key.substr(19) : f.key;
    if (n.empty() || !cams.insert(n).second) n = f.key;
    video[n] = {{"original_key", f.key}};
  }
  if (!video.empty()) j["video"] = video;
  if (info.find("task_index"))
    j["annotation"] = {{"human.task_description", {{"original_key", "task_index"}}}};
  return j;
}

}  // namespace groot::data
