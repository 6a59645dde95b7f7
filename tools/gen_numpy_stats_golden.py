#!/usr/bin/env python3
"""Writes tests/data/golden/numpy_stats_f32.json: numpy's float32 results for the statistics
Isaac-GR00T N1.6 computes (gr00t/data/stats.py: np.mean/std/min/max/quantile(0.01, 0.99) on
float32 arrays, axis=0), on deterministic pseudo-random inputs that the C++ test regenerates.

Usage (needs numpy):  python3 tools/gen_numpy_stats_golden.py OUT_DIR
The C++ test (tests/data/test_stats_numpy.cpp) compares groot's numpy emulation bit for bit.
"""
import json
import os
import sys

import numpy as np


def xorshift_ints(seed, count):
    s = seed & 0xFFFFFFFF
    out = []
    for _ in range(count):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out.append((s % 2000001) - 1000000)
    return out


def make(seed, shape, offset):
    n = int(np.prod(shape))
    ints = np.array(xorshift_ints(seed, n), dtype=np.int64).astype(np.float32)
    arr = ints / np.float32(1000.0) + np.float32(offset)
    return arr.astype(np.float32).reshape(shape)


CASES = [
    # name, seed, shape, offset
    ("col_n20000", 1, (20000, 1), 1000.0),
    ("col_n5", 2, (5, 1), 3.0),
    ("col_n100", 3, (100, 1), -50.0),
    ("col_n1", 4, (1, 1), 7.0),
    ("mat_3001x5", 5, (3001, 5), 250.0),
    ("mat_2x3", 6, (2, 3), 0.0),
    ("rel_500x4x3", 7, (500, 4, 3), 100.0),
    ("rel_300x2x1", 8, (300, 2, 1), -10.0),
    ("rel_1000x1x1", 9, (1000, 1, 1), 500.0),
]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    res = {"numpy_version": np.__version__, "cases": []}
    for name, seed, shape, offset in CASES:
        a = make(seed, shape, offset)
        c = {"name": name, "seed": seed, "shape": list(shape), "offset": offset}
        c["mean"] = np.mean(a, axis=0).ravel().tolist()
        c["std"] = np.std(a, axis=0).ravel().tolist()
        c["min"] = np.min(a, axis=0).ravel().tolist()
        c["max"] = np.max(a, axis=0).ravel().tolist()
        c["q01"] = np.quantile(a, 0.01, axis=0).ravel().tolist()
        c["q99"] = np.quantile(a, 0.99, axis=0).ravel().tolist()
        # Also the float64-accumulated reference, to show how far numpy's float32 path is.
        c["mean_f64"] = np.mean(a.astype(np.float64), axis=0).ravel().tolist()
        c["first_values"] = a.ravel()[:4].tolist()
        res["cases"].append(c)
    path = os.path.join(out_dir, "numpy_stats_f32.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    print("wrote", path, "numpy", np.__version__)


if __name__ == "__main__":
    main()
