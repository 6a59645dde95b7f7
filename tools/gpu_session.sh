#!/usr/bin/env bash
# One GPU-machine session: CUDA build, model tests on LibTorch 2.x, CUDA parity (fp32, bf16),
# 3B random-weight latency/training-step benchmarks and CPU benchmarks on the 16-core host.
# Everything is appended to ONE log file (the device tool returns at most 8 files).
#   bash tools/gpu_session.sh LOGFILE      (run from the repository root; needs .debs/)
#   GROOT_GPU_STEPS="model_tests bench_img_torch_240" bash tools/gpu_session.sh LOG   runs only the
#   named steps (plus machine + build), to spend less device time.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=${1:-gpu_session.log}
: > "$LOG"
step() {  # step NAME CMD...
  local name=$1; shift
  if [[ -n "${GROOT_GPU_STEPS:-}" && $name != machine && $name != build && " $GROOT_GPU_STEPS " != *" $name "* ]]; then
    return 0
  fi
  echo "=== $name: $*" >> "$LOG"
  local t0=$(date +%s%N)
  "$@" >> "$LOG" 2>&1
  local rc=$?
  echo "=== $name: rc=$rc wall=$(( ($(date +%s%N) - t0) / 1000000 )) ms" >> "$LOG"
}
# memstep NAME CMD...: step that samples the GPU's memory.used every 20 ms while CMD runs.
memstep() {
  local name=$1; shift
  step "$name" bash -c 'nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 20 > /tmp/gpumem.txt & P=$!
    sleep 0.5; base=$(sort -n /tmp/gpumem.txt | tail -1); "$@"; rc=$?; sleep 0.3; kill $P
    echo "GPU memory.used before: ${base} MiB; peak while running: $(sort -n /tmp/gpumem.txt | tail -1) MiB (nvidia-smi, whole GPU, includes the CUDA context)"
    exit $rc' _ "$@"
}
step machine bash -c 'nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; date -u; nproc'
step build bash -c 'GROOT_JOBS=$(nproc) bash scripts/gpu_build.sh .debs 2>&1 | tail -4'
export LD_LIBRARY_PATH=/tmp/groot-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
B=build-cuda
G=tests/golden/tiny_v1
step version $B/groot --version
step model_tests $B/groot_model_tests --gtest_brief=1
# libtorch.so of PyTorch wheels exports std::filesystem symbols that interpose on libstdc++'s
# (remove_all crashed; see groot::remove_tree). List them so a new wheel's set is visible.
step torch_fs_exports bash -c 'nm -D --defined-only "$(python3 -c "import torch,os;print(os.path.dirname(torch.__file__))")/lib/libtorch.so" | c++filt | grep -c "std::filesystem"; nm -D --defined-only "$(python3 -c "import torch,os;print(os.path.dirname(torch.__file__))")/lib/libtorch.so" | c++filt | grep "std::filesystem" | sed "s/^[0-9a-f]* //" | head -40'
# The torch-linked binary converts (no cameras: no FFmpeg needed) and replaces its output twice.
F=tests/fixtures/isaaclab_hdf5_franka_stack/dataset.hdf5
step convert_cuda_build bash -c "rm -rf /tmp/fs && $B/groot convert --hdf5 $F --mapping examples/mappings/franka_stack.yaml --output /tmp/fs && $B/groot convert --hdf5 $F --mapping examples/mappings/franka_stack.yaml --output /tmp/fs --overwrite && $B/groot validate /tmp/fs && $B/groot stats /tmp/fs && ls -a /tmp"
step parity_cuda_fp32 $B/groot parity $G --device cuda --dtype fp32
step parity_cuda_bf16 $B/groot parity $G --device cuda --dtype bf16
step bench_3b_infer $B/bench_model --device cuda --dtype bf16 --views 2 --iters 20
step bench_3b_train $B/bench_model --device cuda --dtype bf16 --views 2 --iters 10 --train --train-batch 8
step bench_backbone $B/bench_backbone --device cuda --dtype bf16 --views 2 --iters 30
step bench_img_1t $B/bench_image_transforms --iters 400 --threads 1
step bench_img_16t $B/bench_image_transforms --iters 400 --threads 16
step bench_img_torch_240 $B/bench_image_transforms_torch --device cuda --batch 64 --height 240 --width 320
step bench_img_torch_224 $B/bench_image_transforms_torch --device cuda --batch 64 --height 224 --width 224
step bench_img_torch_480 $B/bench_image_transforms_torch --device cuda --batch 64 --height 480 --width 640
step bench_img_torch_b256 $B/bench_image_transforms_torch --device cuda --batch 256 --height 240 --width 320 --iters 10
memstep mem_img_eval_480 $B/bench_image_transforms_torch --device cuda --batch 64 --height 480 --width 640 --mode eval
memstep mem_img_train_480 $B/bench_image_transforms_torch --device cuda --batch 64 --height 480 --width 640 --mode train
memstep mem_img_train_240 $B/bench_image_transforms_torch --device cuda --batch 64 --height 240 --width 320 --mode train
memstep mem_img_train_240_b8 $B/bench_image_transforms_torch --device cuda --batch 8 --height 240 --width 320 --mode train
memstep mem_img_train_480_b8 $B/bench_image_transforms_torch --device cuda --batch 8 --height 480 --width 640 --mode train
memstep mem_img_eval_480_b8 $B/bench_image_transforms_torch --device cuda --batch 8 --height 480 --width 640 --mode eval
step bench_tokenizer $B/bench_tokenizer --mb 4
step bench_parquet $B/bench_parquet
echo "=== done" >> "$LOG"
