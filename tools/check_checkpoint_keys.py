#!/usr/bin/env python3
"""Loads a groot checkpoint folder with Python's `safetensors` + `json` (no groot code) and compares
its keys and shapes with the 3B key list (tests/fixtures/groot_n16_keys.tsv); prints dtypes per
group. Exit 0 when every listed key is present with its shape and nothing else is stored.

  python3 tools/check_checkpoint_keys.py CHECKPOINT_DIR [tests/fixtures/groot_n16_keys.tsv]
"""
import collections
import json
import os
import sys

from safetensors import safe_open


def main():
    ckpt = sys.argv[1]
    tsv = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "groot_n16_keys.tsv")
    expected = {}
    with open(tsv) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, shape, _ = line.rstrip("\n").split("\t")
            expected[name] = json.loads(shape)
    index_path = os.path.join(ckpt, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f)["weight_map"]
        shards = sorted(set(weight_map.values()))
    else:
        shards = ["model.safetensors"]
    found, dtypes = {}, collections.Counter()
    for shard in shards:
        with safe_open(os.path.join(ckpt, shard), framework="numpy") as f:
            for k in f.keys():
                sl = f.get_slice(k)
                found[k] = list(sl.get_shape())
                dtypes[(k.split(".")[0], sl.get_dtype())] += 1
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    bad = sorted(k for k in expected if k in found and found[k] != expected[k])
    print(f"{ckpt}: {len(found)} tensors in {len(shards)} shard(s); key list: {len(expected)}")
    for (group, dt), n in sorted(dtypes.items()):
        print(f"  {group:12s} {dt:6s} {n}")
    for label, items in (("missing", missing), ("unexpected", extra), ("wrong shape", bad)):
        if items:
            print(f"  {label}: {len(items)}: " + ", ".join(items[:5]))
    ok = not missing and not extra and not bad
    print("keys/shapes: OK" if ok else "keys/shapes: MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
