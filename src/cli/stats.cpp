// groot stats DATASET: writes meta/stats.json and meta/relative_stats.json exactly as Isaac-GR00T
// N1.6 does (data/stats.h).
#include "data/stats.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "cli/flags.h"
#include "cli/verb.h"
#include "data/lerobot.h"
#include "data/modality_config.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

using namespace groot::data;

// Largest |a - b| / max(|b|, 1e-12) over all numbers of two same-shaped stats trees.
double max_rel_diff(const ojson& a, const ojson& b, const std::string& path, std::string& worst) {
  double m = 0;
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    double d = std::fabs(x - y) / std::max(std::fabs(y), 1e-12);
    if (std::fabs(x - y) <= 1e-12) d = 0;
    if (d > m) {
      m = d;
      worst = path;
    }
    return m;
  }
  if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (size_t i = 0; i < a.size(); ++i) {
      std::string w;
      double d = max_rel_diff(a[i], b[i], path + "[" + std::to_string(i) + "]", w);
      if (d > m) {
        m = d;
        worst = w;
      }
    }
    return m;
  }
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key())) {
        worst = path + "." + it.key() + " (missing)";
        return INFINITY;
      }
      std::string w;
      double d = max_rel_diff(it.value(), b[it.key()], path + "." + it.key(), w);
      if (d > m) {
        m = d;
        worst = w;
      }
    }
    return m;
  }
  worst = path + " (shape differs)";
  return INFINITY;
}

int run(int argc, char** argv) {
  CLI::App app{"Compute meta/stats.json and meta/relative_stats.json (Isaac-GR00T N1.6 semantics)",
               "groot stats"};
  std::string dataset, config_path, tag;
  int threads = 0;
  bool if_missing = false, check = false, quiet = false, no_relative = false;
  double tol = 1e-5;
  app.add_option("dataset", dataset, "LeRobot v2 dataset folder")->required();
  app.add_option(
      "--modality-config", config_path,
      "modality config (YAML/JSON, see examples/modality/) [default: derived from meta/modality.json, "
      "all action keys ABSOLUTE, so no relative stats]");
  app.add_option("--embodiment-tag", tag, "embodiment tag [default: the config's, else new_embodiment]");
  app.add_option("--threads", threads, "worker threads (0 = all cores)")->check(groot::cli::at_least(0));
  app.add_flag(
      "--if-missing", if_missing,
      "keep a complete existing stats.json and existing relative_stats.json keys (what GR00T does on load)");
  app.add_flag("--no-relative", no_relative, "do not compute relative_stats.json");
  app.add_flag(
      "--check", check,
      "recompute and compare with the existing meta/stats.json (and relative_stats.json keys) instead of "
      "writing; exit 1 when any value differs by more than --tolerance (relative)");
  app.add_option("--tolerance", tol, "relative tolerance for --check")->check(groot::cli::at_least(0));
  app.add_flag("-q,--quiet", quiet, "no progress lines");
  app.footer(
      "stats.json: every info.json feature whose dtype contains \"float\": mean, std (population), min, "
      "max,\n"
      "q01, q99 over all frames of data/*/*.parquet, in float32 like numpy.\n"
      "relative_stats.json: per RELATIVE action key, [horizon][dim] statistics of action chunks minus the\n"
      "reference state.\n\n"
      "Examples:\n"
      "  groot stats datasets/mcx\n"
      "  groot stats datasets/mcx --modality-config examples/modality/franka_mcx.yaml\n"
      "  groot stats datasets/mcx --check\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    auto t0 = std::chrono::steady_clock::now();
    Dataset ds = open_dataset(dataset);
    std::optional<ModalityConfig> cfg;
    if (!config_path.empty())
      cfg = load_modality_config(config_path);
    else if (ds.modality)
      cfg = default_modality_config(*ds.modality);
    if (cfg && !tag.empty()) {
      ModalityConfig c = *cfg;
      ojson j = modality_config_to_json(c);
      j["embodiment_tag"] = tag;
      cfg = parse_modality_config(j, c.source);  // validates the tag
      cfg->source = c.source;
    }
    if (cfg && ds.modality)
      validate_modality_config(*cfg, *ds.modality, ds.info, (ds.root / "meta/modality.json").string());
    StatsOptions opt;
    opt.threads = threads;
    opt.quiet = quiet;
    const groot::fs::path stats_p = ds.root / "meta/stats.json", rel_p = ds.root / "meta/relative_stats.json";
    std::vector<std::string> feats = n16_stats_features(ds.info);
    std::vector<std::string> rel_keys =
        (cfg && !no_relative) ? cfg->relative_action_keys() : std::vector<std::string>{};
    int rc = 0;

    // stats.json
    bool keep = if_missing && !check && ds.stats && stats_complete(*ds.stats, feats);
    int64_t frames = 0;
    if (keep) {
      std::printf("meta/stats.json: complete, kept (--if-missing)\n");
    } else {
      std::vector<FeatureStats> st = compute_stats(ds, opt);
      ojson j = stats_to_json(st);
      frames = ds.total_frames();
      if (check) {
        if (!ds.stats) groot::fail(stats_p.string(), ": missing, nothing to --check against");
        std::string worst;
        double d = max_rel_diff(j, *ds.stats, "", worst);
        std::printf("meta/stats.json: %zu features, max relative difference %.3g%s%s\n", st.size(), d,
                    worst.empty() ? "" : " at ", worst.c_str());
        if (!(d <= tol)) rc = 1;
      } else {
        groot::write_file_atomic(stats_p, dump_stats_json(j));
        std::printf("wrote %s: %zu features (", stats_p.string().c_str(), st.size());
        for (size_t i = 0; i < st.size(); ++i)
          std::printf("%s%s [%lld]", i ? ", " : "", st[i].key.c_str(), (long long)st[i].dim);
        std::printf(")\n");
      }
    }

    // relative_stats.json
    if (!rel_keys.empty()) {
      ojson existing = ds.relative_stats ? *ds.relative_stats : ojson::object();
      std::vector<std::string> todo;
      for (const auto& k : rel_keys)
        if (!(if_missing && !check && existing.contains(k))) todo.push_back(k);
      std::vector<RelativeStats> rs = compute_relative_stats(ds, *cfg, todo, opt);
      ojson j = relative_stats_to_json(rs);
      if (check) {
        if (!ds.relative_stats) groot::fail(rel_p.string(), ": missing, nothing to --check against");
        std::string worst;
        double d = max_rel_diff(j, *ds.relative_stats, "", worst);
        std::printf("meta/relative_stats.json: %zu keys, max relative difference %.3g%s%s\n", rs.size(), d,
                    worst.empty() ? "" : " at ", worst.c_str());
        if (!(d <= tol)) rc = 1;
      } else {
        for (auto it = j.begin(); it != j.end(); ++it) existing[it.key()] = it.value();
        groot::write_file_atomic(rel_p, dump_stats_json(existing));
        std::printf("wrote %s:", rel_p.string().c_str());
        for (const auto& r : rs)
          std::printf(" %s [%lld][%lld] over %lld chunks;", r.key.c_str(), (long long)r.horizon,
                      (long long)r.dim, (long long)r.num_chunks);
        std::printf("%s\n", rs.empty() ? " nothing new (--if-missing)" : "");
      }
    } else if (!no_relative) {
      std::printf("meta/relative_stats.json: no RELATIVE action keys in %s\n",
                  cfg ? cfg->source.c_str() : "(no modality config)");
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (frames > 0) std::printf("%lld frames in %.2f s (%.0f frames/s)\n", (long long)frames, s, frames / s);
    return rc;
  });
}

}  // namespace

GROOT_VERB(stats, 40, "compute meta/stats.json + relative_stats.json (GR00T N1.6)", run);
