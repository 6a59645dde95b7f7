// groot bench loader: training samples per second per CPU core, the seed's shape (2 cameras 240x320,
// 8-d state, 7-d action, 16-step chunks), from the frame cache and from mp4 (per-sample decode).
// Measures the CPU worker's whole per-sample job (processor/train_samples.h make_batch: parquet rows,
// normalisation, prompt tokens, uint8 frames + train draws, collation); the image transforms run on
// the GPU in training and are not part of it.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <cstdio>
#include <thread>

#include "cli/bench.h"
#include "cli/flags.h"
#include "data/convert.h"
#include "data/sampler.h"
#include "data/synth.h"
#include "data/video.h"
#include "processor/train_samples.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

using namespace groot;

double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct Result {
  double samples_per_s = 0, samples_per_cpu_s = 0;
  int64_t samples = 0;
};

Result measure(proc::TrainDataOptions o, int threads, double seconds) {
  proc::TrainSamples ts(o);
  data::MixtureSampler sampler(ts.mixture_config());
  std::mutex mu;
  // Warm-up: one batch per thread (episode reads, prompt cache).
  std::atomic<int64_t> samples{0};
  std::atomic<bool> stop{false};
  auto work = [&](bool count) {
    auto cache = proc::make_episode_cache();
    while (!stop.load()) {
      std::vector<data::SampleRef> refs;
      int64_t idx;
      {
        std::lock_guard<std::mutex> lk(mu);
        idx = sampler.state().batches;
        refs = sampler.next_batch();
      }
      proc::HostBatch b = ts.make_batch(refs, idx, *cache);
      if (count) samples += b.batch;
      if (!count) break;
    }
  };
  work(false);
  double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> th;
  for (int i = 0; i < threads; ++i) th.emplace_back(work, true);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : th) t.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = cpu_seconds() - c0;
  Result r;
  r.samples = samples.load();
  r.samples_per_s = double(r.samples) / wall;
  r.samples_per_cpu_s = cpu > 0 ? double(r.samples) / cpu : 0;
  return r;
}

int run(int argc, char** argv) {
  CLI::App app{"Training-loader throughput (samples/s per CPU core) from the frame cache and from mp4",
               "groot bench loader"};
  std::string dataset, work_dir;
  int threads = 1, batch = 32, demos = 6;
  double seconds = 5;
  bool mp4 = true;
  app.add_option("--dataset", dataset, "LeRobot v2 dataset [default: a synthetic seed-shaped one, built here]");
  app.add_option("--threads", threads, "worker threads")->check(cli::in_range(1, 256));
  app.add_option("--batch-size", batch, "samples per batch")->check(cli::in_range(1, 4096));
  app.add_option("--seconds", seconds, "measured time per case")->check(cli::in_range(0.5, 3600));
  app.add_option("--demos", demos, "episodes of the synthetic dataset (150..200 steps each)")->check(cli::in_range(1, 1000));
  app.add_option("--work-dir", work_dir, "where the synthetic dataset goes [default: a temp folder, removed]");
  app.add_flag("!--no-mp4", mp4, "skip the mp4 (per-sample decode) case");
  app.footer("Examples:\n  groot bench loader\n  groot bench loader --threads 2 --seconds 10\n");
  return cli::run_app(app, argc, argv, [&] {
    fs::path tmp = work_dir.empty() ? fs::temp_directory_path() / ("groot-bench-loader-" + std::to_string(::getpid()))
                                    : fs::path(work_dir);
    bool remove = work_dir.empty();
    fs::create_directories(tmp);
    std::vector<std::pair<std::string, proc::TrainDataOptions>> cases;
    proc::TrainDataOptions base;
    base.batch_size = batch;
    base.num_workers = threads;
    base.quiet = true;
    base.shard_size = 1024;
    base.episode_sampling_rate = 0.1;
    try {
      if (dataset.empty()) {
        synth::Options so;
        so.output = (tmp / "demos.hdf5").string();
        so.demos = demos;
        so.min_length = 150;
        so.max_length = 200;
        so.quiet = true;
        synth::write_file(so);
        convert::Options co;
        co.inputs = {so.output};
        co.quiet = true;
        co.output = (tmp / "cached").string();
        co.frames_to_cache = true;
        convert::run(co);
        proc::TrainDataOptions c = base;
        c.dataset_paths = {co.output};
        cases.push_back({"frame cache (2 x 240x320, synthetic seed-shaped dataset)", c});
        if (mp4 && video::available()) {
          co.frames_to_cache = false;
          co.output = (tmp / "mp4").string();
          convert::run(co);
          c.dataset_paths = {co.output};
          c.frame_cache = false;
          cases.push_back({"mp4, decode per sample (2 x 240x320, h264 gop 30)", c});
        }
      } else {
        proc::TrainDataOptions c = base;
        c.dataset_paths = {dataset};
        cases.push_back({"frame cache (" + dataset + ")", c});
        if (mp4 && video::available()) {
          c.frame_cache = false;
          cases.push_back({"mp4, decode per sample (" + dataset + ")", c});
        }
      }
      std::printf("groot bench loader: batch %d, %d thread(s), %.1f s per case, %u hardware threads\n", batch, threads,
                  seconds, std::thread::hardware_concurrency());
      for (auto& [name, o] : cases) {
        Result r = measure(o, threads, seconds);
        std::printf("  %-58s %8.1f samples/s  %8.1f samples per CPU-second (per core)  [%lld samples]\n",
                    name.c_str(), r.samples_per_s, r.samples_per_cpu_s, (long long)r.samples);
      }
    } catch (...) {
      if (remove) remove_tree(tmp);
      throw;
    }
    if (remove) remove_tree(tmp);
    return 0;
  });
}

}  // namespace

GROOT_BENCH(loader, "training loader samples/s per core (frame cache vs mp4)", run);
