#!/usr/bin/env bash
# One GPU-machine call of a session: CUDA build, then the named steps, all appended to ONE log.
#   bash tools/gpu_run.sh LOG STEP...      (repository root; needs .debs/ for scripts/gpu_build.sh)
# Steps: tests parity traj_parity init3b keys3b data train3b keysft train3b_8bit_gc serve3b infer
# The build is incremental on a warm machine (build-cuda/ is kept between calls). Steps that would
# start after GROOT_GPU_BUDGET_S seconds (default 500) are skipped, so the call ends inside its limit.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=$1; shift
B=build-cuda G=build-cuda/groot
export LD_LIBRARY_PATH=/tmp/groot-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
T_START=$(date +%s)
step() {  # step NAME CMD...: timed, output appended to the log
  local name=$1; shift
  if (( $(date +%s) - T_START > ${GROOT_GPU_BUDGET_S:-500} )); then echo "=== $name: skipped (time budget)" >> "$LOG"; return 0; fi
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
  data) step data bash -c "$G synth --output /tmp/demos.hdf5 --demos 8 --seed 7 && $G convert --hdf5 /tmp/demos.hdf5 --output $DS --frames-to-cache --overwrite && $G stats $DS" ;;
  train3b) memstep finetune_3b_adamw $G finetune --base-model-path /tmp/b3 --dataset-path $DS --embodiment-tag NEW_EMBODIMENT \
             --modality-config-path examples/modality/franka_mcx_config.py --output-dir /tmp/ft --num-gpus 1 \
             --global-batch-size 2 --gradient-accumulation-steps 16 --learning-rate 1e-4 --max-steps 20 --save-steps 20 \
             --save-total-limit 5 --dataloader-num-workers 4 --num-shards-per-epoch 5000 --shard-size 512 \
             --episode-sampling-rate 0.3 --no-tune-llm --no-tune-visual --tune-projector --tune-diffusion-model \
             --warmup-ratio 0.05 --weight-decay 1e-5 ;;
  keysft) step keysft python3 tools/check_checkpoint_keys.py /tmp/ft/checkpoint-20 ;;
  train3b_8bit_gc) memstep finetune_3b_8bit_gc $G finetune --base-model-path /tmp/b3 --dataset-path $DS --embodiment-tag NEW_EMBODIMENT \
             --modality-config-path examples/modality/franka_mcx_config.py --output-dir /tmp/ft8 --num-gpus 1 \
             --global-batch-size 2 --gradient-accumulation-steps 16 --learning-rate 1e-4 --max-steps 10 --save-steps 1000 \
             --dataloader-num-workers 4 --shard-size 512 --episode-sampling-rate 0.3 --no-tune-llm --no-tune-visual \
             --tune-projector --tune-diffusion-model --warmup-ratio 0.05 --weight-decay 1e-5 --optim adamw_8bit --gradient-checkpointing ;;
  serve3b) memstep bench_serve_3b $G bench serve /tmp/ft/checkpoint-20 --device cuda --batches 1,8 --iterations 50 --height 240 --width 320 ;;
  tests_quick) step model_tests_quick $B/groot_model_tests --gtest_brief=1 '--gtest_filter=Policy*:FastInfer*:Trainer*:Optim*:ActionHead*:Backbone*:Attention*' ;;
  infer) step bench_infer $G bench infer --device cuda --dtype bf16 --batch 1 8 --views 2 --iters 100 --warmup 10 --staged-iters 20 ;;
  bench_train) memstep bench_model_train_b2 $B/bench_model --train --train-batch 2 --device cuda --dtype bf16 --iters 8
               memstep bench_model_train_b2_recompute $B/bench_model --train --train-batch 2 --device cuda --dtype bf16 --iters 8 --recompute
               memstep bench_model_train_b32 $B/bench_model --train --train-batch 32 --device cuda --dtype bf16 --iters 5 ;;
  infer_full) step infer_checks bash tools/gpu_infer_checks.sh "$LOG" ;;
  *) echo "=== unknown step $s" >> "$LOG" ;;
esac; done
echo "=== done" >> "$LOG"
