// Modality config: the Python-free equivalent of an Isaac-GR00T N1.6 modality config file such
// as examples/SO100/so100_config.py or the seed's franka_mcx_config.py
// (dict "video"|"state"|"action"|"language" -> ModalityConfig, gr00t/data/types.py).
//
// File format (JSON, or YAML with the same structure; see examples/modality/franka_mcx.yaml):
//
//   embodiment_tag: new_embodiment          # optional, default new_embodiment
//   video:    {delta_indices: [0], modality_keys: [wrist, table]}
//   state:    {delta_indices: [0], modality_keys: [eef_pos, eef_quat, gripper],
//              sin_cos_embedding_keys: [], mean_std_embedding_keys: []}
//   action:   {delta_indices: "range(16)",  # or an explicit list [0, 1, ..., 15]
//              modality_keys: [arm, gripper],
//              action_configs: [{rep: absolute, type: non_eef, format: default},
//                               {rep: relative, type: non_eef, format: default, state_key: gripper}]}
//   language: {delta_indices: [0], modality_keys: [annotation.human.task_description]}
//
// This is the one modality-config type of groot: the processor (processor/state_action.h,
// processor/processor_files.h) uses it too. Upstream spellings exist only at the file boundary:
// enum values ("relative", "xyz+rot6d") in these files, enum names ("RELATIVE", "XYZ_ROT6D") in a
// checkpoint's processor_config.json; either spelling is accepted on read. Missing action_configs mean ABSOLUTE / NON_EEF / DEFAULT per key (as
// upstream Config.validate does). Unknown fields are errors (typos must not pass silently).
//
// default_modality_config() derives a config from meta/modality.json: every video [0], every
// state group [0], every action group 0..15 absolute, language [0] on the task-description
// annotation. validate_modality_config() checks a config against a dataset's meta files and
// throws groot::Error naming the key and the file at fault.
#pragma once
#include <string>
#include <vector>

#include "data/lerobot.h"

namespace groot::data {

enum class ActionRep { kRelative, kDelta, kAbsolute };
enum class ActionType { kEef, kNonEef };
enum class ActionFormat { kDefault, kXyzRot6d, kXyzRotvec };

const char* to_string(ActionRep r);     // "relative" / "delta" / "absolute"
const char* to_string(ActionType t);    // "eef" / "non_eef"
const char* to_string(ActionFormat f);  // "default" / "xyz+rot6d" / "xyz+rotvec"
const char* to_name(ActionRep r);       // upstream enum names: "RELATIVE" / "DELTA" / "ABSOLUTE"
const char* to_name(ActionType t);      // "EEF" / "NON_EEF"
const char* to_name(ActionFormat f);    // "DEFAULT" / "XYZ_ROT6D" / "XYZ_ROTVEC"
// Accept the enum name or value in any case ("RELATIVE", "relative", "xyz+rot6d", "XYZ_ROT6D");
// unknown text throws groot::Error naming it.
ActionRep parse_action_rep(const std::string& s);
ActionType parse_action_type(const std::string& s);
ActionFormat parse_action_format(const std::string& s);

struct ActionConfig {
  ActionRep rep = ActionRep::kAbsolute;
  ActionType type = ActionType::kNonEef;
  ActionFormat format = ActionFormat::kDefault;
  std::string state_key;  // "" = same name as the action key
};

// One modality (upstream's ModalityConfig dataclass). Empty lists stand for upstream's None.
struct ModalityGroup {
  bool present = false;
  std::vector<int> delta_indices;
  std::vector<std::string> modality_keys;
  std::vector<std::string> sin_cos_embedding_keys;
  std::vector<std::string> mean_std_embedding_keys;
  std::vector<ActionConfig> action_configs;  // action only; empty or one per modality key

  bool has_key(const std::string& k) const;
  bool is_sin_cos(const std::string& k) const;   // listed in sin_cos_embedding_keys
  bool is_mean_std(const std::string& k) const;  // listed in mean_std_embedding_keys
};

struct ModalityConfig {
  std::string embodiment_tag = "new_embodiment";
  ModalityGroup video, state, action, language;
  std::string source;  // file it came from, or "default (meta/modality.json)"

  // max(delta) - min(delta) + 1 of the action group (0 when there is no action group).
  int action_horizon() const;
  // The ActionConfig of an action key (default ABSOLUTE/NON_EEF/DEFAULT when none are given).
  ActionConfig action_config(const std::string& key) const;
  // Action keys whose rep is RELATIVE, sorted by name (the order N1.6 generates them in).
  std::vector<std::string> relative_action_keys() const;
  // "video" / "state" / "action" / "language": the group, nullptr when absent (or unknown name).
  const ModalityGroup* group(const std::string& modality) const;
  // As group(), but throws groot::Error naming the embodiment tag when the modality is absent.
  const ModalityGroup& at(const std::string& modality) const;
};

// Embodiment tags known to Isaac-GR00T N1.6 (gr00t/data/embodiment_tags.py), lower case.
const std::vector<std::string>& known_embodiment_tags();

// Parses a config from JSON (already parsed). `source` names the file in errors.
ModalityConfig parse_modality_config(const ojson& j, const std::string& source);
// One modality group as upstream's ModalityConfig JSON object {delta_indices, modality_keys,
// sin_cos_embedding_keys, mean_std_embedding_keys, action_configs}; `modality` is its name
// (action_configs only in "action"), `where` prefixes error messages ("file: action").
ModalityGroup parse_modality_group(const ojson& j, const std::string& modality, const std::string& where);
// Loads a .json / .yaml / .yml file (JSON content is accepted under any extension) or a Python
// config (.py, the declarative subset of modality_py.h; `embodiment_tag` picks a registration when
// the file registers several, "" = the only one).
ModalityConfig load_modality_config(const fs::path& path, const std::string& embodiment_tag = "");
// YAML text -> JSON value (scalars typed as YAML 1.2 core schema: int, float, bool, null, string).
ojson yaml_to_json(const std::string& text, const std::string& source);

ModalityConfig default_modality_config(const ModalityMeta& m);

// Checks the config's internal rules (allowed modalities, language has one key with [0],
// action_configs length, embedding keys subset of modality_keys, ...) and its agreement with the
// dataset: keys exist in modality.json, cameras exist in info.json, state_key dims match for
// RELATIVE non-EEF keys, state delta[-1] == action delta[0] when relative keys exist.
void validate_modality_config(const ModalityConfig& cfg, const ModalityMeta& m, const Info& info,
                              const std::string& modality_file);

// JSON form (the file format above, enums in lower case, delta_indices as lists).
ojson modality_config_to_json(const ModalityConfig& cfg);

}  // namespace groot::data
