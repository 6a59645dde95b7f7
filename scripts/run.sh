#!/usr/bin/env bash
# The main job on the embedded default, from zero: install packages, build, then
#   groot synth    -> a synthetic Isaac Lab teleop HDF5 (scripted block insertion, 2 cameras)
#   groot convert  -> LeRobot v2.1 dataset (parquet + H.264 mp4 + meta)
#   groot stats    -> meta/stats.json (Isaac-GR00T N1.6 semantics)
#   groot validate -> checks everything a training run relies on
# Output goes to ${GROOT_OUT:-out/} (pass a folder as first argument to choose another).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
G=./${GROOT_BUILD_DIR:-build}/groot
OUTDIR=${1:-${GROOT_OUT:-out}}
mkdir -p "$OUTDIR"
HDF5="$OUTDIR/demos.hdf5"
DS="$OUTDIR/mcx_card_lerobot_v2"
$G synth --output "$HDF5" --demos 20 --seed 7
$G convert --hdf5 "$HDF5" --output "$DS" --overwrite
$G stats "$DS"
$G validate "$DS"
$G info "$DS"
echo
echo "dataset: $(cd "$DS" && pwd)"
