// groot info DATASET: a readable summary of a LeRobot v2 dataset (data/lerobot.h).
#include <algorithm>
#include <cstdio>
#include <string>

#include "cli/verb.h"
#include "data/lerobot.h"
#include "data/stats.h"
#include "data/video.h"
#include "util/error.h"

namespace {

using namespace groot::data;
namespace pq = groot::pq;

std::string shape_str(const std::vector<int64_t>& s) {
  std::string o = "[";
  for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
  return o + "]";
}

std::string clip(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

int run(int argc, char** argv) {
  CLI::App app{"Summarise a LeRobot v2 dataset: episodes, features, cameras, tasks, modality groups, stats",
               "groot info"};
  std::string dataset;
  bool probe = true, all_tasks = false;
  app.add_option("dataset", dataset, "LeRobot v2 dataset folder")->required();
  app.add_flag("!--no-probe", probe, "do not open the first episode's parquet/video files");
  app.add_flag("--all-tasks", all_tasks, "list every task (default: the first 10)");
  app.footer(
      "Examples:\n  groot info datasets/mcx\n  groot info "
      "tests/fixtures/gr00t_robot_sim_picknplace_v20\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    Dataset ds = open_dataset(dataset);
    const Info& in = ds.info;
    std::printf("Dataset %s\n", ds.root.string().c_str());
    std::printf("  LeRobot %s, robot_type %s, fps %g, chunks_size %lld\n", in.codebase_version.c_str(),
                in.robot_type.empty() ? "-" : in.robot_type.c_str(), in.fps, (long long)in.chunks_size);
    int64_t lo = 0, hi = 0;
    if (!ds.episodes.empty()) {
      lo = hi = ds.episodes[0].length;
      for (const auto& e : ds.episodes) {
        lo = std::min(lo, e.length);
        hi = std::max(hi, e.length);
      }
    }
    int64_t frames = ds.total_frames();
    std::printf("  episodes: %zu (length %lld..%lld, mean %.1f), frames: %lld (%.1f s at %g fps)\n",
                ds.episodes.size(), (long long)lo, (long long)hi,
                ds.episodes.empty() ? 0.0 : double(frames) / ds.episodes.size(), (long long)frames,
                frames / in.fps, in.fps);
    if (in.total_episodes != int64_t(ds.episodes.size()) || in.total_frames != frames)
      std::printf("  note: info.json says total_episodes %lld, total_frames %lld\n",
                  (long long)in.total_episodes, (long long)in.total_frames);
    std::printf("  tasks: %zu\n", ds.tasks.size());
    size_t shown = 0;
    for (const auto& t : ds.tasks) {
      if (!all_tasks && shown++ >= 10) {
        std::printf("    ... (%zu more; --all-tasks)\n", ds.tasks.size() - 10);
        break;
      }
      std::printf("    %3lld: %s\n", (long long)t.task_index, clip(t.task, 100).c_str());
    }

    // parquet schema of the first episode
    pq::Table schema;
    bool have_schema = false;
    if (probe && !ds.episodes.empty()) {
      try {
        schema = pq::read_schema(ds.parquet_path(ds.episodes[0].episode_index).string());
        have_schema = true;
      } catch (const groot::Error& e) {
        std::printf("  (first parquet file not readable: %s)\n", e.what());
      }
    }
    std::printf("  features (%zu):\n", in.features.size());
    for (const auto& f : in.features) {
      if (f.is_video()) continue;
      std::string col;
      if (have_schema) {
        const pq::Column* c = schema.find(f.key);
        col = c ? "parquet " + describe_column_type(*c) : "NOT IN PARQUET";
      }
      std::printf("    %-45s %-8s %-8s %s\n", f.key.c_str(), f.dtype.c_str(), shape_str(f.shape).c_str(),
                  col.c_str());
    }
    if (have_schema)
      for (const auto& c : schema.columns)
        if (!in.find(c.name))
          std::printf("    %-45s %-8s %-8s parquet %s (not in info.json)\n", c.name.c_str(), "-", "-",
                      describe_column_type(c).c_str());
    std::vector<std::string> cams = in.video_keys();
    std::printf("  cameras (%zu):\n", cams.size());
    for (const auto& k : cams) {
      const Feature* f = in.find(k);
      int64_t files = 0;
      for (const auto& e : ds.episodes)
        if (!in.video_path.empty() && std::filesystem::exists(ds.video_path(k, e.episode_index))) ++files;
      std::string meta;
      if (f->video.present)
        meta = f->video.codec + " " + f->video.pix_fmt + " " +
               (f->video.fps > 0 ? std::to_string(int(f->video.fps + 0.5)) + " fps" : "") + " (" +
               f->video.source + ")";
      std::printf("    %-45s %s %s  files %lld/%zu\n", k.c_str(), shape_str(f->shape).c_str(), meta.c_str(),
                  (long long)files, ds.episodes.size());
      if (probe && files > 0 && groot::video::available()) {
        try {
          auto vi = groot::video::probe(ds.video_path(k, ds.episodes[0].episode_index).string());
          std::printf("      episode %lld: %dx%d %s %s %.3g fps, %lld frames\n",
                      (long long)ds.episodes[0].episode_index, vi.width, vi.height, vi.codec.c_str(),
                      vi.pix_fmt.c_str(), vi.fps, (long long)vi.num_frames);
        } catch (const groot::Error& e) {
          std::printf("      episode %lld: not readable: %s\n", (long long)ds.episodes[0].episode_index,
                      e.what());
        }
      }
    }
    if (ds.modality) {
      const ModalityMeta& m = *ds.modality;
      std::printf("  modality.json:\n");
      for (const auto* list : {&m.state, &m.action}) {
        std::printf("    %-7s", list == &m.state ? "state" : "action");
        for (const auto& s : *list)
          std::printf(" %s[%lld:%lld]%s", s.name.c_str(), (long long)s.start, (long long)s.end,
                      (s.original_key != (list == &m.state ? "observation.state" : "action"))
                          ? ("<-" + s.original_key).c_str()
                          : "");
        std::printf("\n");
      }
      std::printf("    video  ");
      for (const auto& v : m.video) std::printf(" %s<-%s", v.name.c_str(), v.original_key.c_str());
      std::printf("\n    annotation");
      for (const auto& a : m.annotation) std::printf(" %s<-%s", a.name.c_str(), a.original_key.c_str());
      std::printf("\n");
    } else {
      std::printf("  modality.json: MISSING (needed by GR00T)\n");
    }
    std::vector<std::string> feats = n16_stats_features(in);
    if (ds.stats) {
      bool complete = stats_complete(*ds.stats, feats);
      size_t extra = 0;
      for (auto it = ds.stats->begin(); it != ds.stats->end(); ++it)
        if (std::find(feats.begin(), feats.end(), it.key()) == feats.end()) ++extra;
      std::printf(
          "  stats.json: %zu features, %s%s\n", ds.stats->size(),
          complete ? "covers every float feature (N1.6)" : "INCOMPLETE for N1.6 (run groot stats)",
          extra ? (", plus " + std::to_string(extra) + " non-float columns (N1.5 style)").c_str() : "");
    } else {
      std::printf("  stats.json: missing (run groot stats)\n");
    }
    if (ds.relative_stats) {
      std::printf("  relative_stats.json:");
      for (auto it = ds.relative_stats->begin(); it != ds.relative_stats->end(); ++it) {
        const ojson& mx = it.value().contains("max") ? it.value()["max"] : ojson();
        std::printf(" %s[%zu][%zu]", it.key().c_str(), mx.is_array() ? mx.size() : 0,
                    mx.is_array() && !mx.empty() && mx[0].is_array() ? mx[0].size() : 0);
      }
      std::printf("\n");
    } else {
      std::printf("  relative_stats.json: none\n");
    }
    std::printf("  episodes_stats.jsonl: %s\n", ds.has_episodes_stats ? "present" : "none");
    return 0;
  });
}

}  // namespace

GROOT_VERB(info, 30, "summarise a LeRobot v2 dataset", run);
