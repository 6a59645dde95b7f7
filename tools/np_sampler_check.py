#!/usr/bin/env python3
"""Cross-checks groot's sample order (src/data/sampler.h) against numpy, with upstream Isaac-GR00T's
rules (sharded_single_step_dataset.py shard_dataset, sharded_mixture_dataset.py schedule / worker
filter / in-shard shuffle, torch DataLoader batch order) written out with numpy's own Generator.

Usage (needs numpy only):
  groot batches DATASET --no-images --count 40 --batch-size 4 --dataloader-num-workers 2 \
      --shard-size 256 --episode-sampling-rate 0.1 --num-shards-per-epoch 50 --seed 42 --out b.safetensors
  python3 tools/np_sampler_check.py DATASET b.safetensors --count 40 --batch-size 4 --workers 2 \
      --shard-size 256 --rate 0.1 --shards-per-epoch 50 --seed 42 [--horizon 16]
Prints "OK: N samples identical" or the first difference. Also prints numpy's
default_rng(42).permutation(10) and .random(3) (the values tests/data/test_sampler.cpp hard-codes).
"""
import argparse, json, struct, sys
import numpy as np


def shards(lengths, horizon, shard_size, rate):
    rng = np.random.default_rng(42)
    order = rng.permutation(len(lengths))
    num_splits = int(1 / rate)
    eff = [max(0, l - horizon + 1) for l in lengths]
    total = int(np.sum([eff[i] for i in order]))
    n = int(np.ceil(total / shard_size))
    out = [[] for _ in range(n)]
    lens = np.zeros(n, dtype=int)
    for ep in order:
        steps = np.arange(0, eff[ep])
        rng.shuffle(steps)
        for i in range(num_splits):
            part = steps[i::num_splits]
            k = np.argmin(lens)
            out[k].append((ep, part))
            lens[k] += len(part)
    return out, lens


def schedule(shard_lens, seed, epoch, per_epoch):
    rng = np.random.default_rng(seed + epoch)
    avg = sum(int(x) for x in shard_lens) / len(shard_lens)
    w = np.array([1.0 / avg]); w = w / w.sum()
    picks = rng.choice(1, size=per_epoch, p=w)
    ids = list(range(len(shard_lens))); rng.shuffle(ids)
    sched = []
    for _ in picks:
        if not ids:
            ids = list(range(len(shard_lens))); rng.shuffle(ids)
        sched.append(ids.pop(0))
    return sched


def stream(shard_list, shard_lens, seed, per_epoch, worker, workers, need):
    rng = np.random.default_rng(seed)
    epoch, out = 0, []
    while len(out) < need:
        sched = schedule(shard_lens, seed, epoch, per_epoch)
        for i, s in enumerate(sched):
            if i % workers != worker:
                continue
            flat = [(ep, int(st)) for ep, part in shard_list[s] for st in part]
            idx = np.arange(len(flat)); rng.shuffle(idx)
            out.extend(flat[j] for j in idx)
            if len(out) >= need:
                break
        epoch += 1
    return out


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n]); base = 8 + n
    def get(name):
        h = head[name]; a, b = h["data_offsets"]
        return np.frombuffer(raw[base + a:base + b], dtype=np.int64).reshape(h["shape"])
    return head, get


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset"); ap.add_argument("dump")
    ap.add_argument("--count", type=int, default=40); ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2); ap.add_argument("--shard-size", type=int, default=256)
    ap.add_argument("--rate", type=float, default=0.1); ap.add_argument("--shards-per-epoch", type=int, default=50)
    ap.add_argument("--seed", type=int, default=42); ap.add_argument("--horizon", type=int, default=16)
    a = ap.parse_args()
    print("numpy", np.__version__, "default_rng(42).permutation(10) =", np.random.default_rng(42).permutation(10).tolist(),
          "random(3) =", np.random.default_rng(42).random(3).tolist())
    eps = [json.loads(l) for l in open(a.dataset + "/meta/episodes.jsonl") if l.strip()]
    lengths = [int(e["length"]) for e in eps]
    sl, lens = shards(lengths, a.horizon, a.shard_size, a.rate)
    W = max(1, a.workers)
    per_worker_batches = [sum(1 for k in range(a.count) if k % W == w) for w in range(W)]
    streams = [stream(sl, lens, a.seed, a.shards_per_epoch, w, W, per_worker_batches[w] * a.batch_size) for w in range(W)]
    pos = [0] * W
    head, get = read_safetensors(a.dump)
    n = 0
    for k in range(a.count):
        w = k % W
        ep = get(f"batch_{k}.sample_episode"); st = get(f"batch_{k}.sample_step")
        for i in range(a.batch_size):
            e_pos, s = streams[w][pos[w]]; pos[w] += 1
            want = (int(eps[e_pos]["episode_index"]), s)
            got = (int(ep[i]), int(st[i]))
            if want != got:
                print(f"DIFF at batch {k} sample {i}: numpy {want}, groot {got}"); sys.exit(1)
            n += 1
    print(f"OK: {n} samples identical")


if __name__ == "__main__":
    main()
