#!/usr/bin/env bash
# Quick GPU check of the model WITHOUT the full CMake build (no .debs needed): compiles the model
# sources directly against the LibTorch of the installed PyTorch (2.x + CUDA), then
#   - parity of the whole model (Eagle backbone + action head) on every golden folder, CUDA fp32 and bf16
#   - bench_backbone: 3B backbone, random bf16 weights, batch 1, 2 views and 1 view of 252x252
# Header-only deps (nlohmann/json, CLI11) come from /usr/include or from $GROOT_HDRS (a folder with
# nlohmann/ and CLI/ copied from a Debian machine).
# Usage: [GOLDEN_ROOT=../shared/golden] [GROOT_HDRS=dir] tools/gpu_quick_check.sh OUT_DIR  (from the repo root)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: tools/gpu_quick_check.sh OUT_DIR}
mkdir -p "$OUT"
B=${GROOT_QUICK_BUILD:-build-quick}
mkdir -p "$B/obj" "$B/gen/groot"
TP=$(python3 -c "import torch, os; print(os.path.dirname(torch.__file__))")
ABI=$(python3 -c "import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))")
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv;
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"; } > "$OUT/env.txt" 2>&1
printf '#pragma once\n#define GROOT_HAVE_FFMPEG 0\n#define GROOT_HAVE_ZMQ 0\n#define GROOT_VERSION "quick"\n' > "$B/gen/groot/build_config.h"
CXXFLAGS="-std=c++17 -O2 -fPIC -D_GLIBCXX_USE_CXX11_ABI=$ABI -Isrc -I$B/gen ${GROOT_HDRS:+-isystem $GROOT_HDRS} \
  -isystem $TP/include -isystem $TP/include/torch/csrc/api/include -DGROOT_SHARED_DIR_DEFAULT=\"$(pwd)/../shared\""
SRCS="src/util/fs.cpp src/model/layers.cpp src/model/attention.cpp src/model/recompute.cpp src/model/config.cpp
  src/model/siglip2.cpp src/model/qwen3.cpp src/model/eagle_backbone.cpp src/model/weights.cpp
  src/model/safetensors.cpp src/model/safetensors_torch.cpp src/model/device.cpp src/model/trainable.cpp
  src/model/action_head.cpp src/model/dit.cpp src/model/ah_trace.cpp src/model/gr00t_n1d6.cpp
  src/model/parity.cpp src/model/eagle_vl_backbone.cpp tools/gpu_quick_main.cpp bench/bench_backbone.cpp"
OBJS=()
pids=()
for s in $SRCS; do
  o="$B/obj/$(echo "$s" | tr '/' '_').o"
  OBJS+=("$o")
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then g++ $CXXFLAGS -c "$s" -o "$o" 2>> "$OUT/build.log" & pids+=($!); fi
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ $fail = 0 ] || { echo "compile failed, see $OUT/build.log"; tail -30 "$OUT/build.log"; exit 1; }
LIBS="-L$TP/lib -Wl,-rpath,$TP/lib -ltorch -ltorch_cuda -ltorch_cpu -lc10_cuda -lc10 -lpthread"
COMMON=()
for o in "${OBJS[@]}"; do case "$o" in *gpu_quick_main*|*bench_backbone*) ;; *) COMMON+=("$o");; esac; done
g++ -o "$B/gpu_quick_parity" "${COMMON[@]}" "$B/obj/tools_gpu_quick_main.cpp.o" -Wl,--no-as-needed $LIBS >> "$OUT/build.log" 2>&1 || { tail "$OUT/build.log"; exit 1; }
g++ -o "$B/bench_backbone" "${COMMON[@]}" "$B/obj/bench_bench_backbone.cpp.o" -Wl,--no-as-needed $LIBS >> "$OUT/build.log" 2>&1 || { tail "$OUT/build.log"; exit 1; }
status=0
for g in ${GOLDEN_ROOT:-../shared/golden}/*/; do
  name=$(basename "$g")
  for dt in fp32 bf16; do
    "$B/gpu_quick_parity" "$g" cuda "$dt" > "$OUT/parity_${name}_${dt}.txt" 2>&1 || status=1
    echo "== $name $dt: $(tail -n 1 "$OUT/parity_${name}_${dt}.txt")"
  done
done
"$B/bench_backbone" --device cuda --dtype bf16 --batch 1 --views 2 --iters 30 > "$OUT/bench_backbone.txt" 2>&1 || status=1
"$B/bench_backbone" --device cuda --dtype bf16 --batch 1 --views 1 --iters 30 >> "$OUT/bench_backbone.txt" 2>&1 || status=1
cat "$OUT/bench_backbone.txt"
exit $status
