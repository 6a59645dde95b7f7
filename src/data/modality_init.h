// `groot modality-init`: a meta/modality.json derived from meta/info.json for LeRobot v2 datasets that
// have none (any dataset from the Hub; GR00T cannot train on them as they are):
//   state:      one group per numeric 1-D "observation.*" feature (not images), over its full width,
//               named by the key after "observation." with '.' -> '_' ("observation.state" -> "state")
//   action:     one group per numeric 1-D "action*" feature, named like "action" / "action_<rest>"
//   video:      every video feature under its short name (the part after "observation.images."),
//               original_key the full feature key
//   annotation: "human.task_description" from the task_index column (the task as the instruction)
// Every group states its original_key, so the file is explicit for the user to edit.
#pragma once
#include "data/lerobot.h"

namespace groot::data {

// The derived file content (modality.json's JSON). Throws when info.json has no state or action.
ojson derive_modality_json(const Info& info, const std::string& info_file);

}  // namespace groot::data
