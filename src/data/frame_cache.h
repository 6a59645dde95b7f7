// Decoded-frame cache: every frame of every (camera, episode) video of a LeRobot v2 dataset as
// uint8 RGB, in one memory-mapped file per video, so training reads frames with a memcpy instead of
// decoding mp4 (the cost that makes upstream's loader slow). Torch-free.
//
// Location: <dataset>/.groot_frames/ by default (travels with the dataset; copy with preserved
// times, rsync -a / cp -p, or the cache is seen as stale), or any --cache-dir. Layout:
//   <cache>/<video_key>/episode_XXXXXX.frames
// File format (little-endian):
//   0   char[8]  "GRFRAME1"
//   8   u32      header size (= data offset, 4096)
//   12  u32      width      16 u32 height     20 u32 channels (3)
//   24  i64      frames
//   32  i64      source size in bytes   (-1: frames written without a video file, see below)
//   40  i64      source mtime in ns      (-1: idem)
//   48  u16      length of the source path, then the path relative to the dataset root (UTF-8)
//   ... zero padding to the header size, then frames * height * width * channels bytes [N][H][W][C].
// A file is used only when its size is exactly header + data, its magic/format match, its source
// path is the expected video, and the video's current size and mtime equal the recorded ones
// (changed dataset -> re-decoded). Anything else is "stale" with the reason, and is rebuilt, never
// read. Files are written to a temporary name and renamed (never half-written under the final name).
//
// Without a video file (a machine without FFmpeg: `groot convert --frames-to-cache` writes frames
// here instead of encoding), the header records size/mtime -1 and the file is valid as long as the
// video file does not exist.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/lerobot.h"

namespace groot::data {

fs::path default_frame_cache_dir(const Dataset& ds);
// <cache>/<video_key>/episode_XXXXXX.frames
fs::path frame_file_path(const fs::path& cache_dir, const std::string& video_key, int64_t episode_index);

struct FrameSource {
  std::string rel_path;      // video path relative to the dataset root
  int64_t size = -1;         // -1: no video file
  int64_t mtime_ns = -1;
};
// The source key of a (camera, episode) video as it is on disk now.
FrameSource current_source(const Dataset& ds, const std::string& video_key, int64_t episode_index);

// Writes a frame file: `frames` frames of width x height x 3 produced in order by next(dst) (dst
// is a buffer of one frame). Atomic (temp + rename).
void write_frame_file(const fs::path& path, const FrameSource& src, int width, int height, int64_t frames,
                      const std::function<void(uint8_t* dst)>& next);

// A memory-mapped frame file.
class FrameFile {
 public:
  // Opens and checks the file against `expect`; throws groot::Error with the reason when stale.
  FrameFile(const fs::path& path, const FrameSource& expect);
  ~FrameFile();
  FrameFile(const FrameFile&) = delete;
  FrameFile& operator=(const FrameFile&) = delete;
  int width() const { return w_; }
  int height() const { return h_; }
  int64_t frames() const { return n_; }
  size_t frame_bytes() const { return size_t(w_) * size_t(h_) * 3; }
  const uint8_t* frame(int64_t i) const;  // throws for i out of range

 private:
  fs::path path_;
  int w_ = 0, h_ = 0;
  int64_t n_ = 0;
  const uint8_t* base_ = nullptr;
  size_t map_size_ = 0;
  size_t offset_ = 0;
};

// "" when the file is valid for `expect`, else why not ("missing", "truncated: ...", "made for ...").
std::string frame_file_problem(const fs::path& path, const FrameSource& expect);

struct FrameCacheOptions {
  fs::path cache_dir;  // empty: default_frame_cache_dir
  int threads = 0;     // decode threads (0 = all cores)
  bool quiet = false;
};
struct FrameCacheReport {
  int64_t videos = 0, valid = 0, built = 0;
  int64_t bytes_total = 0, bytes_built = 0;
};
// Builds every missing or stale frame file of `video_keys` (all cameras when empty); prints the disk
// size it will take before it starts. Needs FFmpeg for the videos it decodes.
FrameCacheReport build_frame_cache(const Dataset& ds, const std::vector<std::string>& video_keys,
                                   const FrameCacheOptions& opt);

// All frame files of a dataset's cameras, opened (every file checked; throws naming the first stale one
// and how to rebuild it).
class FrameCache {
 public:
  FrameCache(const Dataset& ds, const std::vector<std::string>& video_keys, const fs::path& cache_dir);
  // camera: index into video_keys; episode_pos: position in ds.episodes.
  const FrameFile& file(size_t camera, size_t episode_pos) const { return *files_[camera][episode_pos]; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  std::vector<std::vector<std::unique_ptr<FrameFile>>> files_;
};

}  // namespace groot::data
