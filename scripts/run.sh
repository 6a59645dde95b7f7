#!/usr/bin/env bash
# The main job on the embedded default, from zero: install packages, build the `groot` binary
# (only it: tests and benchmarks are built by scripts/test.sh or `scripts/build.sh TARGET`), then
#   groot synth    -> a synthetic Isaac Lab teleop HDF5 (scripted block insertion, 2 cameras)
#   groot convert  -> LeRobot v2.1 dataset (parquet + H.264 mp4 + meta)
#   groot stats    -> meta/stats.json (Isaac-GR00T N1.6 semantics)
#   groot validate -> checks everything a training run relies on
#   groot init-model --preset tiny -> a small randomly initialised GR00T N1.6 (the tiny_v1 golden shape)
#   groot finetune -> the seed's fine-tuning recipe (flags of launch_finetune_mcx.sh) for a few hundred
#                     steps: minutes on a 2-core CPU; on the GPU when there is one (--device auto)
#   groot eval     -> open-loop evaluation on three demonstrations: metrics.json, report.html
# and prints how long each stage took and the report's path. Output goes to ${GROOT_OUT:-out/}
# (pass a folder as first argument to choose another). GROOT_STEPS overrides the training steps.
set -euo pipefail
cd "$(dirname "$0")/.."
TIMES=()
# stage NAME COMMAND...: runs the command and records its wall-clock time.
stage() {
  local name=$1 t0 ms
  shift
  t0=$(date +%s%N)
  "$@"
  ms=$((($(date +%s%N) - t0) / 1000000))
  TIMES+=("$(printf '%-9s %6d.%d s' "$name" $((ms / 1000)) $((ms % 1000 / 100)))")
}
stage setup bash scripts/setup.sh
stage build bash scripts/build.sh groot
G=./${GROOT_BUILD_DIR:-build}/groot
OUTDIR=${1:-${GROOT_OUT:-out}}
mkdir -p "$OUTDIR"
HDF5="$OUTDIR/demos.hdf5"
DS="$OUTDIR/mcx_card_lerobot_v2"
stage synth $G synth --output "$HDF5" --demos 20 --seed 7
stage convert $G convert --hdf5 "$HDF5" --output "$DS" --overwrite
stage stats $G stats "$DS"
stage validate $G validate "$DS"
$G info "$DS"
STEPS=${GROOT_STEPS:-300}
BASE="$OUTDIR/base_tiny"
FT="$OUTDIR/finetune"
EVAL="$OUTDIR/eval"
stage init-model $G init-model --preset tiny --output "$BASE" --overwrite
rm -rf "$FT"  # a fresh run (finetune resumes from an existing output folder)
# The seed's launch_finetune_mcx.sh flags, except the schedule: STEPS steps of 8 samples at a
# learning rate fit for a small model trained from scratch (the seed: 10000 x 32 at 1e-4 on the 3B).
stage finetune $G finetune --base-model-path "$BASE" --dataset-path "$DS" --embodiment-tag NEW_EMBODIMENT \
  --modality-config-path examples/modality/franka_mcx.yaml --output-dir "$FT" \
  --num-gpus 1 --global-batch-size 8 --gradient-accumulation-steps 1 --learning-rate 1e-3 \
  --max-steps "$STEPS" --save-steps "$STEPS" --save-total-limit 5 --dataloader-num-workers 2 \
  --num-shards-per-epoch 5000 --shard-size 512 --episode-sampling-rate 0.3 \
  --no-tune-llm --no-tune-visual --tune-projector --tune-diffusion-model \
  --warmup-ratio 0.05 --weight-decay 1e-5 --device auto
stage eval $G eval "$FT/checkpoint-$STEPS" --dataset-path "$DS" --embodiment-tag NEW_EMBODIMENT \
  --traj-ids 0 1 2 --steps 200 --action-horizon 16 --denoising-steps 4 --device auto --output "$EVAL" --overwrite
echo
echo "dataset:    $(cd "$DS" && pwd)"
echo "checkpoint: $(cd "$FT/checkpoint-$STEPS" && pwd)"
echo "time per stage:"
for t in "${TIMES[@]}"; do echo "  $t"; done
echo "report: $(cd "$EVAL" && pwd)/report.html"
