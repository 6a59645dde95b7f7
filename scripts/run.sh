#!/usr/bin/env bash
# The main job on the embedded default, from zero: install packages, build the `groot` binary
# (only it: tests and benchmarks are built by scripts/test.sh or `scripts/build.sh TARGET`), then
#   groot synth    -> a synthetic Isaac Lab teleop HDF5 (scripted block insertion, 2 cameras)
#   groot convert  -> LeRobot v2.1 dataset (parquet + H.264 mp4 + meta)
#   groot stats    -> meta/stats.json (Isaac-GR00T N1.6 semantics)
#   groot validate -> checks everything a training run relies on
# and prints how long each stage took. Output goes to ${GROOT_OUT:-out/} (pass a folder as first
# argument to choose another).
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
echo
echo "dataset: $(cd "$DS" && pwd)"
echo "time per stage:"
for t in "${TIMES[@]}"; do echo "  $t"; done
