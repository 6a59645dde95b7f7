#!/usr/bin/env bash
# GPU checks of the model (run on the GPU machine, from the repository root):
#   1. builds groot with LibTorch 2.x + CUDA (scripts/gpu_build.sh; .debs as described there)
#   2. groot parity on every golden folder: CUDA fp32 and CUDA bf16 (loose bf16 tolerance)
#   3. bench_backbone: the 3B backbone with random bf16 weights, 2 views 252x252, batch 1
#   4. groot inspect on the golden folder
# Usage: tools/gpu_model_check.sh OUT_DIR [DEBS_DIR]
# Outputs: OUT_DIR/{parity_<golden>_<dtype>.txt, bench_backbone.txt, inspect.txt, env.txt}
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: tools/gpu_model_check.sh OUT_DIR [DEBS_DIR]}
DEBS=${2:-.debs}
mkdir -p "$OUT"
BUILD=${GROOT_BUILD_DIR:-build-cuda}
PREFIX=${GROOT_DEPS_PREFIX:-/tmp/groot-deps}
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" 2>&1
} > "$OUT/env.txt"
if [ ! -x "$BUILD/groot" ]; then
  bash scripts/gpu_build.sh "$DEBS" -DGROOT_BUILD_TESTS=OFF > "$OUT/build.log" 2>&1 || { echo "build failed: $OUT/build.log"; exit 1; }
fi
export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
status=0
for g in ../shared/golden/*/; do
  name=$(basename "$g")
  for dt in fp32 bf16; do
    "$BUILD/groot" parity "$g" --device cuda --dtype "$dt" > "$OUT/parity_${name}_${dt}.txt" 2>&1 || status=1
    tail -n 1 "$OUT/parity_${name}_${dt}.txt"
  done
done
"$BUILD/bench_backbone" --device cuda --dtype bf16 --batch 1 --views 2 --iters 30 > "$OUT/bench_backbone.txt" 2>&1 || status=1
"$BUILD/bench_backbone" --device cuda --dtype bf16 --batch 1 --views 1 --iters 30 >> "$OUT/bench_backbone.txt" 2>&1 || status=1
cat "$OUT/bench_backbone.txt"
"$BUILD/groot" inspect ../shared/golden/tiny_v1 > "$OUT/inspect.txt" 2>&1 || status=1
exit $status
