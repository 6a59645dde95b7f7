// The decoded-frame cache (data/frame_cache.h): frames equal the decoder's, a second run decodes
// nothing, and a truncated file, a file made for another video or for another version of the video
// is detected (never read) and rebuilt.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>

#include "data/frame_cache.h"
#include "data/video.h"
#include "lerobot_test_util.h"
#include "test_util.h"
#include "util/error.h"
#include "video_test_util.h"

using namespace groot;
using namespace groot::data;

namespace {

constexpr int kW = 32, kH = 24;

// The synth dataset of lerobot_test_util.h plus one camera "observation.images.cam" (kW x kH).
void add_camera(const fs::path& root, bool encode) {
  ojson info = ojson::parse(read_file(root / "meta/info.json"));
  info["video_path"] = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4";
  info["features"]["observation.images.cam"] = {{"dtype", "video"},
                                                {"shape", {kH, kW, 3}},
                                                {"names", {"height", "width", "channel"}},
                                                {"info", {{"video.height", kH}, {"video.width", kW}, {"video.fps", 10}}}};
  write_file_atomic(root / "meta/info.json", info.dump(1));
  if (!encode) return;
  Dataset ds = open_dataset(root);
  for (const auto& e : ds.episodes) {
    fs::path p = ds.video_path("observation.images.cam", e.episode_index);
    fs::create_directories(p.parent_path());
    video::EncodeOptions o;
    o.fps = 10;
    o.crf = 30;
    video::Encoder enc(p.string(), kW, kH, o);
    for (int64_t t = 0; t < e.length; ++t) enc.write_rgb(test::synth_frame(kH, kW, int(t + 7 * e.episode_index)).data());
    enc.finish();
  }
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(FrameCache, BuildReadDetectStaleAndRebuild) {
  if (!video::available()) GTEST_SKIP() << "built without FFmpeg (the no-video path is tested below)";
  test::TempDir d;
  test::SynthSpec spec;
  spec.lengths = {6, 9};
  test::write_synth_dataset(d / "ds", spec);
  add_camera(d / "ds", true);
  Dataset ds = open_dataset(d / "ds");
  FrameCacheOptions opt;
  opt.quiet = true;
  opt.threads = 1;
  FrameCacheReport r = build_frame_cache(ds, {}, opt);
  EXPECT_EQ(r.videos, 2);
  EXPECT_EQ(r.built, 2);
  EXPECT_EQ(r.bytes_total, 2 * 4096 + (6 + 9) * kW * kH * 3);
  {
    FrameCache cache(ds, {"observation.images.cam"}, {});
    for (size_t e = 0; e < 2; ++e) {
      video::Decoder dec(ds.video_path("observation.images.cam", ds.episodes[e].episode_index).string());
      std::vector<uint8_t> rgb;
      const FrameFile& f = cache.file(0, e);
      ASSERT_EQ(f.frames(), ds.episodes[e].length);
      ASSERT_EQ(f.width(), kW);
      for (int64_t t = 0; t < f.frames(); ++t) {
        ASSERT_TRUE(dec.next(rgb));
        ASSERT_EQ(0, std::memcmp(rgb.data(), f.frame(t), rgb.size())) << "episode " << e << " frame " << t;
      }
    }
  }
  EXPECT_EQ(build_frame_cache(ds, {}, opt).built, 0);  // valid: nothing decoded again

  const fs::path f0 = frame_file_path(default_frame_cache_dir(ds), "observation.images.cam", 0);
  const fs::path f1 = frame_file_path(default_frame_cache_dir(ds), "observation.images.cam", 1);
  FrameSource s0 = current_source(ds, "observation.images.cam", 0);
  // Truncated: detected, refused by the reader, rebuilt.
  ASSERT_EQ(::truncate(f0.c_str(), fs::file_size(f0) - 5), 0);
  EXPECT_NE(frame_file_problem(f0, s0).find("truncated"), std::string::npos);
  EXPECT_NE(error_of([&] { FrameCache c(ds, {"observation.images.cam"}, {}); }).find("stale frame cache file: truncated"),
            std::string::npos);
  EXPECT_EQ(build_frame_cache(ds, {}, opt).built, 1);
  EXPECT_EQ(frame_file_problem(f0, s0), "");
  // A file made for another video (episode 1's file copied onto episode 0's name).
  fs::copy_file(f1, f0, fs::copy_options::overwrite_existing);
  EXPECT_NE(frame_file_problem(f0, s0).find("made for another video"), std::string::npos);
  EXPECT_NE(error_of([&] { FrameFile f(f0, s0); }).find("another video"), std::string::npos);
  EXPECT_EQ(build_frame_cache(ds, {}, opt).built, 1);
  // The video changed (new mtime): stale, rebuilt.
  fs::path v0 = ds.video_path("observation.images.cam", 0);
  struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(::utimes(v0.c_str(), tv), 0);
  FrameSource s0b = current_source(ds, "observation.images.cam", 0);
  EXPECT_NE(frame_file_problem(f0, s0b).find("another version"), std::string::npos);
  EXPECT_EQ(build_frame_cache(ds, {}, opt).built, 1);
  EXPECT_EQ(frame_file_problem(f0, s0b), "");
  // Garbage under the name: refused.
  write_file_atomic(f1, "not a frame file");
  EXPECT_NE(frame_file_problem(f1, current_source(ds, "observation.images.cam", 1)).find("bad magic"), std::string::npos);
  EXPECT_EQ(build_frame_cache(ds, {}, opt).built, 1);
}

TEST(FrameCache, FramesWithoutVideoFiles) {
  // A machine without FFmpeg: frames written straight into the cache, no mp4 on disk.
  test::TempDir d;
  test::SynthSpec spec;
  spec.lengths = {4};
  test::write_synth_dataset(d / "ds", spec);
  add_camera(d / "ds", false);
  Dataset ds = open_dataset(d / "ds");
  FrameSource src = current_source(ds, "observation.images.cam", 0);
  EXPECT_EQ(src.size, -1);
  fs::path f = frame_file_path(d / "cache", "observation.images.cam", 0);
  int t = 0;
  write_frame_file(f, src, kW, kH, 4, [&](uint8_t* dst) {
    auto fr = test::synth_frame(kH, kW, t++);
    std::memcpy(dst, fr.data(), fr.size());
  });
  FrameCache cache(ds, {"observation.images.cam"}, d / "cache");
  auto want = test::synth_frame(kH, kW, 2);
  EXPECT_EQ(0, std::memcmp(cache.file(0, 0).frame(2), want.data(), want.size()));
  EXPECT_THROW(cache.file(0, 0).frame(4), groot::Error);
  FrameCacheOptions opt;
  opt.cache_dir = d / "cache";
  opt.quiet = true;
  EXPECT_EQ(build_frame_cache(ds, {}, opt).valid, 1);
  // The video appears later: the no-video frames are stale.
  fs::create_directories(ds.video_path("observation.images.cam", 0).parent_path());
  write_file_atomic(ds.video_path("observation.images.cam", 0), "x");
  EXPECT_NE(frame_file_problem(f, current_source(ds, "observation.images.cam", 0)).find("made without a video file"),
            std::string::npos);
}
