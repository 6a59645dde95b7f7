// Mapping from an Isaac Lab HDF5 demo to LeRobot v2.1 columns and GR00T modality.json groups.
//
// A mapping file (JSON, or YAML when the name does not end in .json) looks like
// (examples/mappings/seed_default.yaml is the built-in default, identical to default_mapping()):
//
//   robot_type: franka_panda
//   task: pick up the blue block and insert it into the MCX card slot
//   fps: 30                       # optional; --fps overrides, default 30
//   state:                        # concatenated in this order into observation.state
//     - {name: eef_pos,  key: obs/eef_pos,  names: [eef_x, eef_y, eef_z]}
//     - {name: eef_quat, key: obs/eef_quat, names: [qx, qy, qz, qw]}
//     - {name: gripper,  key: obs/gripper_pos, slice: [0, 1], names: [gripper]}
//   action:                       # concatenated into action
//     - {name: arm,     key: actions, slice: [0, 6], names: [dx, dy, dz, droll, dpitch, dyaw]}
//     - {name: gripper, key: actions, slice: [6, 7], names: [gripper]}
//   video:                        # optional; each -> observation.images.<name>, one mp4 per episode
//     - {name: wrist, key: obs/wrist_rgb}
//     - {name: table, key: obs/table_rgb}
//
// `key` is a dataset path relative to the demo group (data/demo_N/<key>), of shape (T,) or (T, D),
// float32 or float64 for state/action, and (T, H, W, 3) uint8 for video. `slice: [start, end)`
// selects columns of dim 1 (default: all). Each entry becomes a modality.json group of the same
// name. `names` (optional) label the columns in info.json; default "<name>_<i>" (or "<name>" for
// one column). Unknown keys are rejected, so typos fail loudly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace groot::convert {

struct Term {
  std::string name;  // modality.json group name
  std::string key;   // dataset path inside the demo group
  int64_t start = 0, end = -1;  // column slice of dim 1; end = -1: to the last column
  std::vector<std::string> names;
};

struct CameraTerm {
  std::string name;  // video key suffix: observation.images.<name>
  std::string key;   // dataset path inside the demo group
};

struct Mapping {
  std::string robot_type = "franka_panda";
  std::string task;
  int fps = 0;  // 0: not set
  std::vector<Term> state, action;
  std::vector<CameraTerm> video;
  std::string source = "<built-in default>";  // where it came from, for messages
};

// The seed converter's mapping (state = eef_pos + eef_quat + gripper_pos[:, :1], action =
// actions split into arm [0,6) + gripper [6,7), cameras wrist/table, the seed script's task text).
Mapping default_mapping();
// Parses a mapping file; throws groot::Error naming the file and the offending field.
Mapping load_mapping(const std::string& path);
// Parses mapping text (JSON or YAML). `name` is used in messages.
Mapping parse_mapping(const std::string& text, const std::string& name, bool json);

}  // namespace groot::convert
