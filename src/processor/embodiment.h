// Embodiment tag -> action-head projector slot (CategorySpecificLinear index), as upstream
// EMBODIMENT_TAG_TO_PROJECTOR_INDEX (Isaac-GR00T 92f523d, processing_gr00t_n1d6.py):
//   robocasa_panda_omron 13, gr1 20, behavior_r1_pro 24, unitree_g1 8, libero_panda 2,
//   oxe_google 0, oxe_widowx 1, oxe_droid 16, new_embodiment 10.
// A checkpoint may carry embodiment_id.json ({tag: slot}, written with indent=2); at load, tags
// missing from the file are filled from the table above (appended in table order), exactly as
// Gr00tN1d6Processor does. Tags are the enum values ("new_embodiment"); the enum names
// ("NEW_EMBODIMENT") are accepted too (case-insensitive).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace groot::embodiment {

// The upstream table, in upstream order.
const std::vector<std::pair<std::string, int>>& projector_table();

// "NEW_EMBODIMENT" / "new_embodiment" -> "new_embodiment". Unknown tags are returned lower-cased
// (a checkpoint may define its own tags in embodiment_id.json).
std::string canonical_tag(const std::string& tag);

// An ordered tag -> slot mapping (embodiment_id.json).
struct EmbodimentMapping {
  std::vector<std::pair<std::string, int>> entries;

  static EmbodimentMapping defaults();  // the upstream table
  void fill_missing_from_table();       // upstream from_pretrained behaviour
  bool contains(const std::string& tag) const;
  int slot(const std::string& tag) const;      // throws groot::Error listing known tags
  void set(const std::string& tag, int slot);  // add or replace
};

// Reads embodiment_id.json (a JSON object of string -> non-negative int). Throws groot::Error.
EmbodimentMapping read_embodiment_ids(const std::string& path);
// Serialises as upstream json.dump(indent=2) would (insertion order kept).
std::string embodiment_ids_json(const EmbodimentMapping& m);
// Atomic write.
void write_embodiment_ids(const std::string& path, const EmbodimentMapping& m);
// Checkpoint folder -> mapping: embodiment_id.json when present (then filled from the table),
// else the table.
EmbodimentMapping load_for_checkpoint(const std::string& dir);

}  // namespace groot::embodiment
