#!/usr/bin/env bash
# GPU-machine checks of the GR00T N1.6 model (issue 4): fp32 and bf16 parity on CUDA against the
# tiny golden, and the 3B random-weight inference latency. Run from the repository root after
# scripts/gpu_build.sh; writes logs into OUT (default gpu_model_out/).
#   bash tools/gpu_model_checks.sh [OUT]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-gpu_model_out}
BUILD=${GROOT_BUILD_DIR:-build-cuda}
PREFIX=${GROOT_DEPS_PREFIX:-/tmp/groot-deps}
export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
mkdir -p "$OUT"
G=tests/golden/tiny_v1
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; date -u; "$BUILD/groot" version; } \
  > "$OUT/machine.txt" 2>&1
"$BUILD/groot" parity "$G" --device cuda --dtype fp32 > "$OUT/parity_cuda_fp32.txt" 2>&1; echo "fp32 parity rc=$?" >> "$OUT/summary.txt"
"$BUILD/groot" parity "$G" --device cuda --dtype bf16 > "$OUT/parity_cuda_bf16.txt" 2>&1; echo "bf16 parity rc=$?" >> "$OUT/summary.txt"
"$BUILD/groot" parity "$G" --device cpu > "$OUT/parity_cpu_fp32.txt" 2>&1; echo "cpu parity rc=$?" >> "$OUT/summary.txt"
"$BUILD/bench_model" --device cuda --dtype bf16 --views 2 --iters 20 > "$OUT/bench_3b_cuda_bf16.txt" 2>&1
echo "bench 3b rc=$?" >> "$OUT/summary.txt"
"$BUILD/bench_model" --device cuda --dtype bf16 --views 2 --iters 10 --train --train-batch 8 \
  > "$OUT/bench_3b_cuda_bf16_train.txt" 2>&1
echo "bench 3b train rc=$?" >> "$OUT/summary.txt"
"$BUILD/bench_model" --tiny --device cuda --dtype fp32 --iters 20 > "$OUT/bench_tiny_cuda.txt" 2>&1
echo "bench tiny rc=$?" >> "$OUT/summary.txt"
cat "$OUT/summary.txt"
