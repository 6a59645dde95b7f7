#!/usr/bin/env bash
# GPU-machine checks of the inference fast path (issue 17): the fast-path CUDA tests, bf16 golden
# parity, and `groot bench infer` on the 3B configuration (random weights, bf16) at batch 1 and 8,
# 1 and 2 views, reference vs fast, with the profiler's top kernels once. Appends everything to ONE
# log file; each step has a time limit so the whole run stays under 4 minutes.
#   bash scripts/gpu_build.sh .debs          # builds build-cuda/ first
#   bash tools/gpu_infer_checks.sh LOGFILE   # from the repository root
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=${1:?usage: tools/gpu_infer_checks.sh LOGFILE}
B=${GROOT_BUILD_DIR:-build-cuda}
PREFIX=${GROOT_DEPS_PREFIX:-/tmp/groot-deps}
export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
G=tests/golden/tiny_v1
T0=$(date +%s)
step() {  # step NAME SECONDS CMD...
  local name=$1 limit=$2
  shift 2
  echo "=== $name (limit ${limit}s): $*" >> "$LOG"
  local t0=$(date +%s%N)
  timeout --kill-after=5 "$limit" "$@" >> "$LOG" 2>&1
  local rc=$?
  echo "=== $name: rc=$rc wall=$(( ($(date +%s%N) - t0) / 1000000 )) ms" >> "$LOG"
}
echo "=== gpu_infer_checks $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD 2>/dev/null)" >> "$LOG"
step machine 10 bash -c 'nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv; nproc'
step version 10 "$B/groot" --version
step tests_fast_infer 40 "$B/groot_model_tests" --gtest_brief=0 '--gtest_filter=FastInfer*:Attention*'
step parity_cuda_bf16 30 "$B/groot" parity "$G" --device cuda --dtype bf16
# Batch 1: every path (reference, sync-free eager, CUDA graph), per-stage pass; the profile runs
# right after the first configuration (2 views), so a time-out later still leaves it in the log.
step bench_infer_b1 85 "$B/groot" bench infer --device cuda --dtype bf16 --batch 1 --views 2,1 \
  --iters 200 --warmup 20 --staged-iters 50 --profile --profile-calls 5 --profile-top 30
# Batch 8: reference vs fast.
step bench_infer_b8 75 "$B/groot" bench infer --device cuda --dtype bf16 --batch 8 --views 1,2 \
  --paths reference,fast --iters 200 --warmup 10 --staged-iters 10
echo "=== done in $(( $(date +%s) - T0 )) s" >> "$LOG"
grep -E "^=== .*rc=|p50|vs reference|speed-up|fast path:|profile " "$LOG" | tail -60
