// bench_video: video throughput per core.
//   encode: frames/s for 240x320 RGB -> H.264 (libx264, preset fast, crf 23) and -> AV1
//   decode: RGB frames/s with threads=1 for 256x256 H.264 and AV1, sequential (next()) and random
//           access (read(i) at uniformly random i on one decoder), for the codec's default keyframe
//           interval and for a 1-second GOP; plus the GR00T robot_sim fixture (H.264 with B-frames).
// Usage: bench_video [--frames 300] [--reads 100] [--dir /tmp]
//        bench_video --dump-interop DIR   writes the inputs of tools/video_interop_check.py and exits
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "data/video.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/paths.h"

namespace fs = std::filesystem;
namespace video = groot::video;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds (user + system) used by this process, all threads. On a shared machine the wall
// rate depends on the load; frames per CPU-second does not.
double cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return double(t.tv_sec) + 1e-6 * double(t.tv_usec); };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

struct Rate {
  double wall, cpu;  // frames per wall second, frames per CPU second
};

struct Timer {
  double w0 = now_s(), c0 = cpu_s();
  Rate rate(double n) const { return {n / (now_s() - w0), n / (cpu_s() - c0)}; }
};

// A moving scene with smooth gradients and soft-edged shapes (camera-like content, not noise).
std::vector<uint8_t> scene(int h, int w, int t) {
  std::vector<uint8_t> f(size_t(h) * w * 3);
  float cx = w * (0.5f + 0.3f * std::sin(t * 0.07f)), cy = h * (0.5f + 0.2f * std::cos(t * 0.05f));
  float r2 = (h / 5.0f) * (h / 5.0f);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &f[(size_t(y) * w + x) * 3];
      float d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
      float a = d2 < r2 ? 1.f : std::exp(-(d2 - r2) / 200.f);
      p[0] = uint8_t(60 + 100.f * x / w + a * 80);
      p[1] = uint8_t(50 + 120.f * y / h + a * 20);
      p[2] = uint8_t(((x + 2 * t) / 16 + y / 16) % 2 ? 120 : 100);
    }
  return f;
}

Rate encode(const std::string& path, const std::vector<std::vector<uint8_t>>& frames, int h, int w,
            const video::EncodeOptions& opt) {
  Timer t;
  video::Encoder enc(path, w, h, opt);
  for (const auto& f : frames) enc.write_rgb(f.data());
  enc.finish();
  return t.rate(double(frames.size()));
}

void bench_decode(const std::string& label, const std::string& path, int reads) {
  std::vector<uint8_t> rgb;
  video::Info info = video::probe(path);
  // sequential
  Timer ts;
  video::Decoder dec(path, 1);
  int64_t n = 0;
  while (dec.next(rgb)) ++n;
  Rate seq = ts.rate(double(n));
  // random access
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int64_t> pick(0, info.num_frames - 1);
  std::vector<int64_t> idx(static_cast<size_t>(reads));
  for (auto& i : idx) i = pick(rng);
  Timer tr;
  video::Decoder ra(path, 1);
  for (int64_t i : idx) ra.read(i, rgb);
  Rate rnd = tr.rate(double(reads));
  std::printf(
      "decode %-34s %dx%d %4lld frames | sequential %6.0f frames/s (%6.0f per CPU-s) | random %5.0f "
      "frames/s (%5.0f per CPU-s, %.1f decoded per read)\n",
      label.c_str(), info.width, info.height, (long long)info.num_frames, seq.wall, seq.cpu, rnd.wall,
      rnd.cpu, double(ra.stats().frames_decoded) / reads);
}

// Inputs for tools/video_interop_check.py (Python decoders vs ours), see that script.
void dump_interop(const fs::path& out) {
  fs::create_directories(out);
  std::string fixture =
      std::string(GROOT_SOURCE_DIR) + "/tests/fixtures/gr00t_robot_sim_picknplace_v20/videos/chunk-000/observation.images.ego_view/"
      "episode_000000.mp4";
  fs::remove(out / "episode_000000.mp4");  // a previous copy is read-only, like the fixture
  fs::copy_file(fixture, out / "episode_000000.mp4");
  std::vector<uint8_t> rgb;
  {
    video::Decoder d(fixture);
    std::ofstream f(out / "ours_fixture_ep0.rgb", std::ios::binary);
    for (int i : {0, 1, 2, 57, 100, 249, 250, 251, 415}) {
      d.read(i, rgb);
      f.write(reinterpret_cast<const char*>(rgb.data()), std::streamsize(rgb.size()));
    }
  }
  const int n = 60, h = 240, w = 320;
  std::vector<std::vector<uint8_t>> src;
  {
    std::ofstream f(out / "source_240x320.rgb", std::ios::binary);
    for (int t = 0; t < n; ++t) {
      src.push_back(scene(h, w, t));
      f.write(reinterpret_cast<const char*>(src.back().data()), std::streamsize(src.back().size()));
    }
  }
  for (std::string codec : {"h264", "av1"}) {
    video::EncodeOptions opt;
    opt.codec = codec;
    opt.fps = 30;
    if (codec == "av1") opt.gop = 2, opt.crf = 30;  // LeRobot's AV1 settings
    std::string path = (out / ("ours_" + codec + ".mp4")).string();
    video::Encoder e(path, w, h, opt);
    for (const auto& f : src) e.write_rgb(f.data());
    e.finish();
    video::Decoder d(path);
    std::ofstream f(out / ("ours_decode_" + codec + ".rgb"), std::ios::binary);
    while (d.next(rgb)) f.write(reinterpret_cast<const char*>(rgb.data()), std::streamsize(rgb.size()));
  }
  std::printf(
      "wrote %s; now run: python3 tools/video_interop_check.py --work %s --fixture %s/episode_000000.mp4 "
      "--out OUTDIR\n",
      out.c_str(), out.c_str(), out.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Video encode/decode throughput per core (threads=1)"};
  int frames = 300, reads = 100;
  std::string dir = fs::temp_directory_path().string();
  app.add_option("--frames", frames, "frames per synthetic clip")->check(CLI::Range(10, 100000));
  app.add_option("--reads", reads, "random reads per decode benchmark")->check(CLI::Range(1, 100000));
  app.add_option("--dir", dir, "scratch folder for the encoded clips");
  std::string interop;
  app.add_option("--dump-interop", interop,
                 "write the inputs of tools/video_interop_check.py to this folder");
  CLI11_PARSE(app, argc, argv);
  try {
    if (!interop.empty()) {
      dump_interop(interop);
      return 0;
    }
    std::printf("backend: %s\n", video::backend_description().c_str());
    std::printf(
        "machine: %u hardware threads; encoder/decoder threads=1; 'per CPU-s' = frames per CPU-second of "
        "this "
        "process\n",
        std::thread::hardware_concurrency());
    fs::path work = fs::path(dir) / ("groot_bench_video_" + std::to_string(::getpid()));
    fs::create_directories(work);
    struct Cleanup {
      fs::path p;
      ~Cleanup() { groot::remove_tree(p); }
    } cleanup{work};

    std::vector<std::vector<uint8_t>> f240, f256;
    for (int t = 0; t < frames; ++t) {
      f240.push_back(scene(240, 320, t));
      f256.push_back(scene(256, 256, t));
    }
    const int fps = 30;
    for (std::string codec : {"h264", "av1"}) {
      video::EncodeOptions opt;
      opt.codec = codec;
      opt.fps = fps;
      opt.threads = 1;
      Rate e = encode((work / ("enc_" + codec + ".mp4")).string(), f240, 240, 320, opt);
      std::printf(
          "encode %-4s (%s, preset %s, crf %d) 320x240 %d frames: %6.1f frames/s (%6.1f per CPU-s), %s\n",
          codec.c_str(), video::encoder_for(codec).c_str(), opt.preset.c_str(), opt.crf, frames, e.wall,
          e.cpu, (std::to_string(fs::file_size(work / ("enc_" + codec + ".mp4")) / 1024) + " KiB").c_str());
    }
    for (std::string codec : {"h264", "av1"}) {
      for (int gop : {0, fps}) {
        video::EncodeOptions opt;
        opt.codec = codec;
        opt.fps = fps;
        opt.gop = gop;
        std::string path = (work / ("dec_" + codec + "_" + std::to_string(gop) + ".mp4")).string();
        encode(path, f256, 256, 256, opt);
        bench_decode(codec + (gop ? " gop " + std::to_string(gop) : " default gop"), path, reads);
      }
    }
    std::string fixture =
        std::string(GROOT_SOURCE_DIR) + "/tests/fixtures/gr00t_robot_sim_picknplace_v20/videos/chunk-000/observation.images.ego_view/"
        "episode_000000.mp4";
    if (fs::exists(fixture)) bench_decode("h264 robot_sim fixture (B-frames)", fixture, reads);
  } catch (const std::exception& e) {  // groot::Error and filesystem errors
    std::fprintf(stderr, "bench_video: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
