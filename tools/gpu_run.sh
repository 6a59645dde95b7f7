#!/usr/bin/env bash
# One GPU-machine call of a session: CUDA build, then the named steps, all appended to ONE log.
#   bash tools/gpu_run.sh LOG STEP...      (repository root; needs .debs/ for scripts/gpu_build.sh)
# Steps: tests parity traj_parity init3b keys3b serve3b infer train3b train3b_8bit_gc eval3b
# The build is incremental on a warm machine (build-cuda/ is kept between calls).
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=$1; shift
B=build-cuda G=build-cuda/groot
export LD_LIBRARY_PATH=/tmp/groot-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
step() {  # step NAME CMD...: timed, output appended to the log
  local name=$1; shift
  echo "=== $name: $*" >> "$LOG"
  local t0=$(date +%s%N)
  timeout "${STEP_TIMEOUT:-300}" "$@" >> "$LOG" 2>&1
  local rc=$?
  echo "=== $name: rc=$rc wall=$(( ($(date +%s%N) - t0) / 1000000 )) ms" >> "$LOG"
}
memstep() {  # like step, sampling nvidia-smi memory.used every 50 ms (whole GPU, CUDA context included)
  local name=$1; shift
  step "$name" bash -c 'nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 50 > /tmp/gpumem.txt & P=$!
    sleep 0.3; "$@"; rc=$?; kill $P
    echo "nvidia-smi peak memory.used while running: $(sort -n /tmp/gpumem.txt | tail -1) MiB"; exit $rc' _ "$@"
}
step machine bash -c 'nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; date -u; nproc; git log --oneline -1 2>/dev/null || true'
step build bash -c 'GROOT_JOBS=$(nproc) bash scripts/gpu_build.sh .debs 2>&1 | tail -3'
DS=/tmp/gpu_ds
for s in "$@"; do case $s in
  tests) step model_tests $B/groot_model_tests --gtest_brief=1 ;;
  parity) step parity_fp32 $G parity tests/golden/tiny_v1 --device cuda --dtype fp32
          step parity_bf16 $G parity tests/golden/tiny_v1 --device cuda --dtype bf16 ;;
  traj_parity) step traj_parity_cuda $G parity tests/golden/tiny_v1_train --device cuda ;;
  init3b) [ -d /tmp/b3 ] || step init3b $G init-model --preset 3b --output /tmp/b3 ;;
  keys3b) step keys3b python3 tools/check_checkpoint_keys.py /tmp/b3 ;;
  serve3b) memstep bench_serve_3b $G bench serve /tmp/b3 --device cuda --batches 1,8 --iterations 50 --height 240 --width 320 ;;
  infer) [ -f tools/gpu_infer_checks.sh ] && step infer_checks bash tools/gpu_infer_checks.sh "$LOG" ;;
  *) echo "=== unknown step $s" >> "$LOG" ;;
esac; done
echo "=== done" >> "$LOG"
