// Video encode / probe / decode: round trips (H.264, AV1), exact counts and timestamps, frame-exact
// random access, the robot_sim fixture videos, and error cases. A build without FFmpeg checks that
// every entry point refuses clearly instead.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "data/video.h"
#include "groot/build_config.h"
#include "test_util.h"
#include "video_test_util.h"

namespace fs = std::filesystem;
namespace video = groot::video;
using groot::test::expect_error;
using groot::test::fnv1a;
using groot::test::synth_frame;

#if GROOT_HAVE_FFMPEG

namespace {

// Encodes n synthetic frames; returns the frames.
std::vector<std::vector<uint8_t>> encode_synth(const std::string& path, int h, int w, int n,
                                               const video::EncodeOptions& opt) {
  std::vector<std::vector<uint8_t>> frames;
  video::Encoder enc(path, w, h, opt);
  for (int t = 0; t < n; ++t) {
    frames.push_back(synth_frame(h, w, t));
    enc.write_rgb(frames.back().data());
  }
  EXPECT_EQ(enc.frames_written(), n);
  EXPECT_FALSE(fs::exists(path)) << "the video must not appear under its final name before finish()";
  enc.finish();
  EXPECT_TRUE(fs::exists(path));
  return frames;
}

std::vector<uint64_t> sequential_hashes(const std::string& path, int64_t expect_n) {
  video::Decoder dec(path);
  std::vector<uint8_t> rgb;
  std::vector<uint64_t> h;
  while (dec.next(rgb)) {
    EXPECT_EQ(rgb.size(), size_t(dec.info().width) * dec.info().height * 3);
    h.push_back(fnv1a(rgb));
  }
  EXPECT_EQ(int64_t(h.size()), expect_n);
  EXPECT_FALSE(dec.next(rgb)) << "next() stays false at the end";
  return h;
}

// read(i) in the given order must equal the i-th sequential frame exactly.
void check_random_access(const std::string& path, const std::vector<uint64_t>& seq,
                         const std::vector<int64_t>& order, int threads = 1) {
  video::Decoder dec(path, threads);
  std::vector<uint8_t> rgb;
  for (int64_t i : order) {
    dec.read(i, rgb);
    EXPECT_EQ(fnv1a(rgb), seq[size_t(i)]) << path << " frame " << i;
    EXPECT_EQ(dec.position(), i + 1);
  }
  EXPECT_EQ(dec.stats().restarts, 0) << "random access must seek, not restart from the beginning";
  EXPECT_EQ(dec.stats().frames_returned, int64_t(order.size()));
  // Sequential reading continues after a random read.
  int64_t last = order.back();
  if (last + 1 < int64_t(seq.size())) {
    ASSERT_TRUE(dec.next(rgb));
    EXPECT_EQ(fnv1a(rgb), seq[size_t(last + 1)]);
  }
}

void check_round_trip(const std::string& codec, int h, int w, int n, int gop) {
  groot::test::TempDir tmp;
  std::string path = (tmp / ("rt_" + codec + ".mp4")).string();
  video::EncodeOptions opt;
  opt.codec = codec;
  opt.fps = 30;
  opt.gop = gop;
  auto frames = encode_synth(path, h, w, n, opt);

  video::Info info = video::probe(path);
  EXPECT_EQ(info.width, w);
  EXPECT_EQ(info.height, h);
  EXPECT_DOUBLE_EQ(info.fps, 30.0);
  EXPECT_EQ(info.num_frames, n);
  EXPECT_EQ(info.codec, codec);
  EXPECT_EQ(info.pix_fmt, "yuv420p");
  EXPECT_FALSE(info.has_audio);

  // Frame i is presented at i / fps.
  auto times = video::frame_times(path);
  ASSERT_EQ(int64_t(times.size()), n);
  for (int i = 0; i < n; ++i) EXPECT_NEAR(times[i], i / 30.0, 1e-6) << "frame " << i;

  video::Decoder dec(path);
  EXPECT_EQ(dec.info().num_frames, n);
  std::vector<uint8_t> rgb;
  std::vector<uint64_t> seq;
  double worst_psnr = 1e9, worst_mae = 0;
  while (dec.next(rgb)) {
    ASSERT_LT(seq.size(), frames.size());
    worst_psnr = std::min(worst_psnr, groot::test::psnr(rgb, frames[seq.size()]));
    worst_mae = std::max(worst_mae, groot::test::mean_abs_error(rgb, frames[seq.size()]));
    seq.push_back(fnv1a(rgb));
  }
  EXPECT_EQ(int64_t(seq.size()), n);
  std::printf("[ info ] %s %dx%d: worst PSNR %.2f dB, worst mean abs error %.3f\n", codec.c_str(), w, h,
              worst_psnr, worst_mae);
  EXPECT_GT(worst_psnr, 35.0) << codec;
  EXPECT_LT(worst_mae, 2.5) << codec;
  // A wrong frame order would show: frame 5 decoded must match source 5 better than source 6.
  video::Decoder d2(path);
  d2.read(5, rgb);
  EXPECT_GT(groot::test::psnr(rgb, frames[5]), groot::test::psnr(rgb, frames[6]) + 3);

  if (gop > 0) {
    // Jumping to the last frame seeks to the last keyframe: at most one GOP is decoded.
    video::Decoder d3(path);
    d3.read(n - 1, rgb);
    EXPECT_EQ(fnv1a(rgb), seq[size_t(n - 1)]);
    EXPECT_EQ(d3.stats().seeks, 1);
    std::printf("[ info ] read(%d) on a fresh decoder decoded %lld frames (gop %d)\n", n - 1,
                (long long)d3.stats().frames_decoded, gop);
    EXPECT_LE(d3.stats().frames_decoded, gop);
  }
  // Random access: backwards, forwards across keyframes, repeats, first and last.
  std::vector<int64_t> order = {n - 1, 0, n / 2, n / 2, 3, n / 2 + 1, n - 2, 1, n / 3, 2 * n / 3};
  check_random_access(path, seq, order);
  std::vector<int64_t> shuffled(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) shuffled[size_t(i)] = i;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  check_random_access(path, seq, shuffled);
  // Frame-threaded decoding gives the same frames, sequentially and by index.
  check_random_access(path, seq, order, /*threads=*/2);
}

}  // namespace

TEST(Video, BackendIsAvailableAndNamesCodecs) {
  EXPECT_TRUE(video::available());
  std::string d = video::backend_description();
  EXPECT_NE(d.find("FFmpeg (libavcodec "), std::string::npos) << d;
  EXPECT_NE(d.find("libx264"), std::string::npos) << d;
  EXPECT_EQ(video::encoder_for("h264"), "libx264");
  std::string av1 = video::encoder_for("av1");
  EXPECT_TRUE(av1 == "libsvtav1" || av1 == "libaom-av1") << av1;
  EXPECT_NE(d.find(av1), std::string::npos) << d;
}

TEST(Video, H264RoundTrip240x320) {
  check_round_trip("h264", 240, 320, 40, 12);
}
TEST(Video, H264RoundTrip256x256DefaultGop) {
  check_round_trip("h264", 256, 256, 30, 0);
}
TEST(Video, Av1RoundTrip256x256) {
  check_round_trip("av1", 256, 256, 30, 8);
}
TEST(Video, Av1RoundTrip240x320) {
  check_round_trip("av1", 240, 320, 24, 0);
}

TEST(Video, H264WithBFramesKeepsOrderAndCount) {
  groot::test::TempDir tmp;
  std::string path = (tmp / "bframes.mp4").string();
  video::EncodeOptions opt;
  opt.bframes = 3;
  opt.gop = 10;
  opt.fps = 20;
  auto frames = encode_synth(path, 128, 160, 37, opt);
  video::Info info = video::probe(path);
  EXPECT_EQ(info.num_frames, 37);
  EXPECT_DOUBLE_EQ(info.fps, 20.0);
  auto times = video::frame_times(path);
  ASSERT_EQ(times.size(), 37u);
  for (int i = 0; i < 37; ++i) EXPECT_NEAR(times[i], i / 20.0, 1e-6);
  auto seq = sequential_hashes(path, 37);
  video::Decoder dec(path);
  std::vector<uint8_t> rgb;
  for (int i = 0; i < 37; ++i) {
    ASSERT_TRUE(dec.next(rgb));
    EXPECT_GT(groot::test::psnr(rgb, frames[i]), 35.0) << "frame " << i;
  }
  check_random_access(path, seq, {36, 0, 19, 11, 10, 9, 25, 2, 30});
}

TEST(Video, EncoderThreadsAndPresetsAreAccepted) {
  groot::test::TempDir tmp;
  video::EncodeOptions opt;
  opt.threads = 2;
  opt.preset = "ultrafast";
  opt.crf = 30;
  encode_synth((tmp / "a.mp4").string(), 64, 64, 5, opt);
  EXPECT_EQ(video::probe((tmp / "a.mp4").string()).num_frames, 5);
  opt.codec = "av1";
  opt.preset = "10";
  encode_synth((tmp / "b.mp4").string(), 64, 64, 5, opt);
  EXPECT_EQ(video::probe((tmp / "b.mp4").string()).codec, "av1");
  video::Decoder dec((tmp / "b.mp4").string(), 2);
  std::vector<uint8_t> rgb;
  int n = 0;
  while (dec.next(rgb)) ++n;
  EXPECT_EQ(n, 5);
}

// LeRobot's AV1 settings (libsvtav1, keyframe every 2 frames, crf 30): any frame is at most one
// frame away from a keyframe, so a random read decodes at most 2 frames.
TEST(Video, Av1LeRobotSettingsGiveCheapRandomAccess) {
  groot::test::TempDir tmp;
  std::string path = (tmp / "lerobot_av1.mp4").string();
  video::EncodeOptions opt;
  opt.codec = "av1";
  opt.gop = 2;
  opt.crf = 30;
  encode_synth(path, 96, 128, 20, opt);
  EXPECT_EQ(video::probe(path).num_frames, 20);
  auto seq = sequential_hashes(path, 20);
  check_random_access(path, seq, {19, 4, 11, 0, 7, 6, 15});
  video::Decoder dec(path);
  std::vector<uint8_t> rgb;
  for (int64_t i : {17, 3, 12, 9}) {
    int64_t before = dec.stats().frames_decoded;
    dec.read(i, rgb);
    EXPECT_EQ(fnv1a(rgb), seq[size_t(i)]);
    EXPECT_LE(dec.stats().frames_decoded - before, 2) << "frame " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Real third-party files: the GR00T N1.5 robot_sim demo (H.264 High with B-frames, 20 fps).
// ---------------------------------------------------------------------------------------------
namespace {
std::string fixture_root() {
  return groot::test::fixtures_dir() + "/gr00t_robot_sim_picknplace_v20";
}

std::map<int, int64_t> fixture_lengths() {
  std::map<int, int64_t> len;
  std::ifstream f(fixture_root() + "/meta/episodes.jsonl");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    len[j.at("episode_index").get<int>()] = j.at("length").get<int64_t>();
  }
  return len;
}

std::string fixture_video(int ep) {
  char name[64];
  std::snprintf(name, sizeof(name), "episode_%06d.mp4", ep);
  return fixture_root() + "/videos/chunk-000/observation.images.ego_view/" + name;
}
}  // namespace

TEST(VideoFixture, AllFiveEpisodesProbeAndDecodeFully) {
  auto lengths = fixture_lengths();
  ASSERT_EQ(lengths.size(), 5u);
  int64_t total = 0;
  for (auto [ep, len] : lengths) {
    std::string path = fixture_video(ep);
    video::Info info = video::probe(path);
    EXPECT_EQ(info.num_frames, len) << path;
    EXPECT_EQ(info.width, 256);
    EXPECT_EQ(info.height, 256);
    EXPECT_DOUBLE_EQ(info.fps, 20.0);
    EXPECT_EQ(info.codec, "h264");
    EXPECT_EQ(info.pix_fmt, "yuv420p");
    EXPECT_FALSE(info.has_audio);
    video::Decoder dec(path);
    std::vector<uint8_t> rgb;
    int64_t n = 0;
    double mean_first = 0;
    while (dec.next(rgb)) {
      if (n == 0) {
        for (uint8_t v : rgb) mean_first += v;
        mean_first /= double(rgb.size());
      }
      ++n;
    }
    EXPECT_EQ(n, len) << path;
    // A real rendered scene: neither black nor saturated.
    EXPECT_GT(mean_first, 20.0) << path;
    EXPECT_LT(mean_first, 235.0) << path;
    total += n;
  }
  EXPECT_EQ(total, 2096);  // fixture README: 2096 frames
}

TEST(VideoFixture, RandomAccessMatchesSequentialWithBFrames) {
  std::string path = fixture_video(4);
  auto seq = sequential_hashes(path, 328);
  // Both sides of the second keyframe, backwards jumps, the last frame.
  check_random_access(path, seq, {327, 0, 200, 199, 1, 250, 100, 326});
  video::Decoder dec(path);
  std::vector<uint8_t> rgb;
  dec.read(327, rgb);
  std::printf("[ info ] fixture read(327) decoded %lld frames, %lld seeks\n",
              (long long)dec.stats().frames_decoded, (long long)dec.stats().seeks);
  EXPECT_EQ(dec.stats().seeks, 1);
  EXPECT_LT(dec.stats().frames_decoded, 328);
  auto times = video::frame_times(path);
  ASSERT_EQ(times.size(), 328u);
  for (size_t i = 0; i < times.size(); ++i) EXPECT_NEAR(times[i], i / 20.0, 1e-4);
}

// ---------------------------------------------------------------------------------------------
// Error cases
// ---------------------------------------------------------------------------------------------
TEST(VideoErrors, MissingFile) {
  std::string p = "/nonexistent/dir/episode_000000.mp4";
  expect_error([&] { video::probe(p); }, {p, "no such file"});
  expect_error([&] { video::Decoder d(p); }, {p, "no such file"});
  expect_error([&] { video::frame_times(p); }, {p});
}

TEST(VideoErrors, DirectoryIsNotAVideo) {
  groot::test::TempDir tmp;
  expect_error([&] { video::probe(tmp.path.string()); }, {tmp.path.string(), "directory"});
}

TEST(VideoErrors, GarbageAndEmptyFiles) {
  groot::test::TempDir tmp;
  std::string garbage = (tmp / "garbage.mp4").string();
  {
    std::ofstream f(garbage, std::ios::binary);
    std::mt19937 rng(1);
    for (int i = 0; i < 20000; ++i) f.put(char(rng() & 0xff));
  }
  expect_error([&] { video::probe(garbage); }, {garbage});
  expect_error([&] { video::Decoder d(garbage); }, {garbage});
  std::string empty = (tmp / "empty.mp4").string();
  std::ofstream(empty).close();
  expect_error([&] { video::probe(empty); }, {empty});
  std::string text = (tmp / "notes.mp4").string();
  std::ofstream(text) << "this is not a video\n";
  expect_error([&] { video::Decoder d(text); }, {text});
}

TEST(VideoErrors, TruncatedMp4) {
  groot::test::TempDir tmp;
  std::string good = (tmp / "good.mp4").string();
  video::EncodeOptions opt;
  opt.gop = 10;
  encode_synth(good, 128, 128, 40, opt);
  std::string bytes;
  {
    std::ifstream f(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  ASSERT_GT(bytes.size(), 4000u);
  // Cut in the frame data (the index at the front, thanks to +faststart, is intact) ...
  std::string cut = (tmp / "cut.mp4").string();
  std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() * 6 / 10));
  expect_error([&] { video::probe(cut); }, {cut, "truncated"});
  expect_error([&] { video::Decoder d(cut); }, {cut, "truncated"});
  // ... and inside the header.
  std::string head = (tmp / "head.mp4").string();
  std::ofstream(head, std::ios::binary).write(bytes.data(), 300);
  expect_error([&] { video::probe(head); }, {head});
  expect_error([&] { video::Decoder d(head); }, {head});
}

TEST(VideoErrors, IndexOutOfRange) {
  groot::test::TempDir tmp;
  std::string path = (tmp / "v.mp4").string();
  encode_synth(path, 64, 64, 6, {});
  video::Decoder dec(path);
  std::vector<uint8_t> rgb;
  expect_error([&] { dec.read(6, rgb); }, {path, "frame index 6 out of range", "6 frames"});
  expect_error([&] { dec.read(-1, rgb); }, {path, "out of range"});
  dec.read(5, rgb);  // still usable afterwards
  EXPECT_EQ(rgb.size(), 64u * 64 * 3);
}

TEST(VideoErrors, EncoderRejectsBadSettings) {
  groot::test::TempDir tmp;
  std::string p = (tmp / "x.mp4").string();
  video::EncodeOptions opt;
  expect_error([&] { video::Encoder e(p, 321, 240, opt); }, {p, "321x240", "odd", "even"});
  expect_error([&] { video::Encoder e(p, 320, 241, opt); }, {p, "odd"});
  expect_error([&] { video::Encoder e(p, 0, 240, opt); }, {p, "invalid frame size"});
  opt.fps = 0;
  expect_error([&] { video::Encoder e(p, 64, 64, opt); }, {p, "fps"});
  opt = {};
  opt.crf = 70;
  expect_error([&] { video::Encoder e(p, 64, 64, opt); }, {p, "crf 70"});
  opt = {};
  opt.codec = "vp9";
  expect_error([&] { video::Encoder e(p, 64, 64, opt); }, {"unknown video codec 'vp9'"});
  expect_error([&] { video::encoder_for("mjpeg"); }, {"mjpeg"});
  opt = {};
  opt.preset = "turbo";
  expect_error([&] { video::Encoder e(p, 64, 64, opt); }, {p, "preset 'turbo'"});
  opt.codec = "av1";
  expect_error([&] { video::Encoder e(p, 64, 64, opt); }, {p, "preset 'turbo'"});
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(fs::is_empty(tmp.path)) << "no temp files left behind";
}

TEST(VideoErrors, UnwritableDestination) {
  std::string p = "/nonexistent/dir/out.mp4";
  expect_error([&] { video::Encoder e(p, 64, 64, {}); }, {p, "cannot create video file"});
}

TEST(VideoErrors, FinishWithoutFramesAndWriteAfterFinish) {
  groot::test::TempDir tmp;
  std::string p = (tmp / "e.mp4").string();
  {
    video::Encoder e(p, 64, 64, {});
    expect_error([&] { e.finish(); }, {p, "no frames"});
  }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(fs::is_empty(tmp.path));
  video::Encoder e(p, 64, 64, {});
  auto f = synth_frame(64, 64, 0);
  e.write_rgb(f.data());
  e.finish();
  e.finish();  // idempotent
  expect_error([&] { e.write_rgb(f.data()); }, {p, "after finish"});
  EXPECT_EQ(video::probe(p).num_frames, 1);
}

TEST(VideoErrors, AbandonedEncoderLeavesNothing) {
  groot::test::TempDir tmp;
  std::string p = (tmp / "abandoned.mp4").string();
  {
    video::Encoder e(p, 64, 64, {});
    auto f = synth_frame(64, 64, 0);
    for (int i = 0; i < 5; ++i) e.write_rgb(f.data());
    // destroyed without finish(), e.g. by an exception
  }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(fs::is_empty(tmp.path));
}

#else  // !GROOT_HAVE_FFMPEG

TEST(VideoDisabled, EveryEntryPointRefusesClearly) {
  EXPECT_FALSE(video::available());
  EXPECT_EQ(video::backend_description().rfind("not built", 0), 0u) << video::backend_description();
  const std::vector<std::string> hint = {"not compiled in", "libavformat-dev", "rebuild"};
  auto with = [&](std::string first) {
    auto v = hint;
    v.insert(v.begin(), first);
    return v;
  };
  expect_error([] { video::probe("a.mp4"); }, with("a.mp4"));
  expect_error([] { video::frame_times("a.mp4"); }, with("a.mp4"));
  expect_error([] { video::Decoder d("b.mp4"); }, with("b.mp4"));
  expect_error([] { video::Encoder e("c.mp4", 64, 64, {}); }, with("c.mp4"));
  expect_error([] { video::encoder_for("h264"); }, hint);
}

#endif
