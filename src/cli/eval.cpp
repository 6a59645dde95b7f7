// groot eval CHECKPOINT --dataset-path DS --embodiment-tag T --output DIR: open-loop evaluation
// (upstream gr00t/eval/open_loop_eval.py flags) with metrics.json, predictions.csv, per-trajectory
// PNG plots (cairo builds) and a self-contained report.html (policy/eval.h).
#include "policy/eval.h"

#include <cstdio>
#include <filesystem>

#include "cli/flags.h"
#include "cli/verb.h"
#include "util/error.h"

namespace {

namespace cli = groot::cli;

int run(int argc, char** argv) {
  CLI::App app{"Open-loop evaluation of a checkpoint on dataset trajectories (MSE/MAE, plots, report.html)",
               "groot eval"};
  groot::policy::EvalOptions o;
  app.add_option("checkpoint", o.checkpoint, "checkpoint folder (config.json, safetensors, processor files)");
  app.add_option("--model-path", o.checkpoint, "same as CHECKPOINT (upstream's flag name) [default: CHECKPOINT]");
  app.add_option("--dataset-path", o.dataset, "LeRobot v2 dataset folder")->required();
  app.add_option("--embodiment-tag", o.embodiment_tag, "embodiment tag (NEW_EMBODIMENT or new_embodiment)");
  app.add_option("--traj-ids", o.traj_ids, "trajectory ids (positions in meta/episodes.jsonl)")
      ->expected(1, -1)
      ->check(cli::at_least(0));
  app.add_option("--modality-keys", o.modality_keys, "action keys to compare and plot, in this order [default: all]")
      ->expected(1, -1);
  app.add_option("--steps", o.steps, "steps per trajectory (capped by its length)")->check(cli::at_least(1));
  app.add_option("--action-horizon", o.action_horizon, "predicted steps used per policy call")
      ->check(cli::at_least(1));
  app.add_option("--denoising-steps", o.denoising_steps, "flow-matching Euler steps (honoured, unlike upstream)")
      ->check(cli::at_least(1));
  app.add_option("--device", o.device, "auto (cuda when available, as upstream), cpu, cuda or cuda:N");
  app.add_option("--dtype", o.dtype, "float32 or bfloat16 [default: bfloat16 on CUDA, float32 on CPU]");
  app.add_option("--seed", o.seed, "initial-noise seed");
  app.add_option("-o,--output", o.output, "output folder (metrics.json, predictions.csv, traj_<id>.png, report.html)")
      ->required();
  app.add_option("--report-frames", o.report_frames, "camera frames per trajectory in report.html")
      ->check(cli::at_least(0));
  app.add_flag("--overwrite", o.overwrite, "replace an existing output folder (once the new one is complete)");
  app.add_flag("-q,--quiet", o.quiet, "no progress output");
  app.footer(
      "Examples:\n"
      "  groot eval out/finetune/checkpoint-300 --dataset-path out/ds --embodiment-tag NEW_EMBODIMENT \\\n"
      "      --traj-ids 0 1 --output out/eval\n"
      "  groot eval ckpt --dataset-path ds --embodiment-tag new_embodiment --device cuda --denoising-steps 8 "
      "--output eval\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    if (o.checkpoint.empty()) throw groot::Error("give the checkpoint folder (CHECKPOINT or --model-path)");
    groot::policy::EvalResult r = groot::policy::run_eval(o);
    std::printf("average over %zu trajectories: MSE %.6g  MAE %.6g  (%d policy calls, %.1f ms each, %s %s)\n",
                r.trajs.size(), r.avg_mse, r.avg_mae, r.queries, r.mean_latency_ms, r.device.c_str(),
                r.dtype.c_str());
    const auto dir = std::filesystem::absolute(o.output);
    std::printf("metrics: %s\n", (dir / "metrics.json").c_str());
    std::printf("report: %s\n", (dir / "report.html").c_str());
    return 0;
  });
}

}  // namespace

GROOT_VERB(eval, 60, "open-loop evaluation of a checkpoint on dataset trajectories", run);
