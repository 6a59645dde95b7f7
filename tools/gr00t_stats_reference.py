#!/usr/bin/env python3
"""Independent Python reference for `groot stats` (Isaac-GR00T N1.6 semantics, pandas + numpy).

Computes meta/stats.json and meta/relative_stats.json for a LeRobot v2 dataset the way
Isaac-GR00T N1.6 does (see docs: groot_n16_reference.md §5.4) and writes them into OUT_DIR (the
dataset is not modified), so `groot stats DATASET` can be cross-checked on any dataset, e.g. the
output of `groot convert`:

  python3 tools/gr00t_stats_reference.py DATASET OUT_DIR [--relative KEY[:STATE_KEY] ...] [--horizon 16]
  cmp OUT_DIR/stats.json DATASET/meta/stats.json            # after `groot stats DATASET`

Needs pandas, pyarrow, numpy (the GPU machine has them). Isaac-GR00T pins numpy 1.26.4; with
numpy >= 2 the q01/q99 values come out rounded to float32 (a difference of < 1e-7 relative).
"""
import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def six(arr):
    return {
        "mean": np.mean(arr, axis=0), "std": np.std(arr, axis=0),
        "min": np.min(arr, axis=0), "max": np.max(arr, axis=0),
        "q01": np.quantile(arr, 0.01, axis=0), "q99": np.quantile(arr, 0.99, axis=0),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("out_dir")
    ap.add_argument("--relative", nargs="*", default=[], help="RELATIVE action keys, KEY or KEY:STATE_KEY")
    ap.add_argument("--horizon", type=int, default=16, help="action delta_indices = 0..horizon-1")
    a = ap.parse_args()
    root = Path(a.dataset)
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    info = json.loads((root / "meta/info.json").read_text())
    floats = [k for k, f in info["features"].items() if "float" in f["dtype"]]
    frames = pd.concat([pd.read_parquet(p) for p in sorted(root.glob("data/*/*.parquet"))], axis=0)
    stats = {}
    for key in floats:
        arr = np.vstack([np.asarray(v, dtype=np.float32) for v in frames[key]])
        stats[key] = {k: v.tolist() for k, v in six(arr).items()}
    (out / "stats.json").write_text(json.dumps(stats, indent=4))
    print("wrote", out / "stats.json", "features:", floats)

    if not a.relative:
        return
    modality = json.loads((root / "meta/modality.json").read_text())
    episodes = [json.loads(l) for l in (root / "meta/episodes.jsonl").read_text().splitlines() if l.strip()]
    deltas = np.arange(a.horizon)
    rel = {}
    for spec in sorted(a.relative):
        key, _, skey = spec.partition(":")
        skey = skey or key
        am, sm = modality["action"][key], modality["state"][skey]
        chunks = []
        for ep in episodes:
            e = ep["episode_index"]
            path = root / info["data_path"].format(episode_chunk=e // info["chunks_size"], episode_index=e)
            df = pd.read_parquet(path)
            act = np.stack([np.asarray(v)[am["start"]:am["end"]] for v in df[am.get("original_key", "action")]])
            st = np.stack([np.asarray(v)[sm["start"]:sm["end"]] for v in df[sm.get("original_key", "observation.state")]])
            for i in range(len(df) - deltas[-1]):
                chunks.append((act[i + deltas] - st[i]).astype(np.float32))
        rel[key] = {k: six(np.asarray(chunks))[k].tolist() for k in ["max", "min", "q01", "q99", "mean", "std"]}
    (out / "relative_stats.json").write_text(json.dumps(rel, indent=4))
    print("wrote", out / "relative_stats.json", "keys:", sorted(rel))


if __name__ == "__main__":
    main()
