// groot synth: a synthetic Isaac Lab teleop HDF5 file in the seed's exact layout.
//
//   /data                 attrs total (int64; stale when --gap, like real files), env_args (JSON string)
//   /data/demo_N          attrs num_samples (int64), success (h5py bool enum)
//       obs/wrist_rgb     (T, H, W, 3) uint8   camera on the hand, looking past the fingers
//       obs/table_rgb     (T, H, W, 3) uint8   fixed camera looking over the table
//       obs/eef_pos       (T, 3) float32       tool centre point, metres (world: x forward, y left, z up)
//       obs/eef_quat      (T, 4) float32       (w, x, y, z), gripper pointing down, rotated by yaw
//       obs/gripper_pos   (T, 2) float32       finger positions (+w, -w); 0.04 open, 0.02 on the block
//       actions           (T, 7) float32       [dx, dy, dz, droll, dpitch, dyaw, gripper]
//
// The scene is a scripted insertion: the gripper moves above a blue block, descends, closes, lifts
// it, carries it over a grey fixture with a dark slot, lowers it into the slot, opens and retreats.
// Consistency a policy can learn from: eef_pos[t+1] = eef_pos[t] + actions[t][0:3] and
// yaw[t+1] = yaw[t] + actions[t][5] exactly (last row: zero deltas); actions[t][6] is the binary
// gripper command (+1 open, -1 close, as in Isaac Lab's Franka IK-Rel tasks) that drives the finger
// width; the block moves with the fingers while grasped; both cameras render that same state with a
// z-buffered rasteriser (flat-shaded boxes over a chequered table).
// Deterministic for a given seed (own RNG, no platform distributions). Frames are rendered and
// written in row blocks, so memory does not grow with episode length. With gzip, datasets are
// chunked with h5py's automatic chunk shape + deflate level 4, as Isaac Lab writes them.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace groot::synth {

struct Options {
  std::string output;  // .hdf5 path (written to a temp name, renamed when complete)
  int demos = 10;
  int min_length = 120;
  int max_length = 200;
  int height = 240;
  int width = 320;
  uint64_t seed = 0;
  bool gzip = true;
  bool gap = false;  // demo numbers with gaps (0,1,2,4,5,6,8,...) and a stale data@total
  bool quiet = false;
};

// Scripted (image-free) state of one demo, as stored in the file.
struct Episode {
  int demo_id = 0;  // N in demo_N
  int length = 0;
  std::vector<std::array<float, 3>> eef_pos;
  std::vector<std::array<float, 4>> eef_quat;  // w, x, y, z
  std::vector<std::array<float, 2>> gripper_pos;
  std::vector<std::array<float, 7>> actions;
  std::vector<float> yaw;                        // gripper yaw (rad)
  std::vector<std::array<float, 3>> block_pos;   // block centre
  std::vector<float> block_yaw;
  std::array<float, 3> slot_pos{};  // fixture top centre
  float slot_yaw = 0;
};

int demo_id(int i, bool gap);              // demo number of the i-th demo
int demo_length(const Options& o, int i);  // T of the i-th demo
Episode script_episode(const Options& o, int i);

enum class Camera { kWrist, kTable };
// Renders frame t of an episode: out = H*W*3 RGB bytes.
void render(const Episode& ep, int t, Camera cam, int height, int width, uint8_t* out);

struct Summary {
  int demos = 0;
  int64_t frames = 0;
  int64_t bytes = 0;  // file size
};
Summary write_file(const Options& o);

}  // namespace groot::synth
