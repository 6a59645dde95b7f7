#!/usr/bin/env python3
"""Writes small Parquet files with pyarrow / pandas that cover every feature of groot's reader,
plus expected.json with the values pyarrow itself reads back (the ground truth for
tests/data/test_parquet_fixtures.cpp).

Usage: python3 tools/parquet_fixtures.py OUTDIR      (needs pyarrow, pandas, numpy)

expected.json: {"pyarrow": version, "files": {name: {"num_rows": n, "columns": [
   {"name", "arrow_type", "elem", "shape", "list_size", "values"}], "projection": [...]?,
   "error": "substring"?}}}
  elem in bool/int32/int64/float32/float64/string; shape in scalar/fixed/list; values is the
  column as a Python list (None for null rows). Files with "error" must be rejected with a
  groot::Error containing that substring (features the reader deliberately does not support).
Total size stays well under 1 MB.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

N = 60  # rows per small file


def col_spec(field, column):
    t = field.type
    shape, size, inner = "scalar", 0, t
    if pa.types.is_fixed_size_list(t):
        shape, size, inner = "fixed", t.list_size, t.value_type
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        shape, inner = "list", t.value_type
    elem = {
        pa.bool_(): "bool",
        pa.int32(): "int32",
        pa.int64(): "int64",
        pa.float32(): "float32",
        pa.float64(): "float64",
        pa.string(): "string",
        pa.large_string(): "string",
    }[inner]
    return {
        "name": field.name,
        "arrow_type": str(t),
        "elem": elem,
        "shape": shape,
        "list_size": size,
        "values": column.to_pylist(),
    }


def base_table(n=N, nulls=False, list_kind="list"):
    """Deterministic columns of every element type and shape."""
    rows = range(n)
    null = (lambda r: r % 7 == 3) if nulls else (lambda r: False)

    def mk(fn):
        return [None if null(r) else fn(r) for r in rows]

    def lst(t):
        if list_kind == "large":
            return pa.large_list(t)
        return pa.list_(t)

    cols = {
        "b": pa.array(mk(lambda r: r % 3 == 0), pa.bool_()),
        "i32": pa.array(mk(lambda r: r * 7 - 100), pa.int32()),
        "i64": pa.array(mk(lambda r: r * 1000000007 - 12345678901), pa.int64()),
        "f32": pa.array(mk(lambda r: r * 0.25 - 3.0), pa.float32()),
        "f64": pa.array(mk(lambda r: r / 3.0), pa.float64()),
        "s": pa.array(mk(lambda r: "row%d" % r + "x" * (r % 3)), pa.string()),
        "s_rep": pa.array(mk(lambda r: ["alpha", "beta", "gamma"][r % 3]), pa.string()),
        "lf32": pa.array(mk(lambda r: [r + 0.5 * k for k in range(r % 4)]), lst(pa.float32())),
        "lf64": pa.array(mk(lambda r: [r * 0.1 + k for k in range(r % 5)]), lst(pa.float64())),
        "li64": pa.array(mk(lambda r: [r * 10 + k for k in range(r % 3)]), lst(pa.int64())),
        # no null rows here: pyarrow (25) cannot read back null fixed_size_list rows it wrote
        "fsl_f32": pa.array([[float(r * 3 + k) for k in range(3)] for r in rows], pa.list_(pa.float32(), 3)),
        "fsl_f64": pa.array([[r * 0.001 + k for k in range(4)] for r in rows], pa.list_(pa.float64(), 4)),
        "const": pa.array([5] * n, pa.int64()),  # long RLE runs in dictionary indices
    }
    return pa.table(cols)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = {}

    def record(name, table, **extra):
        t = pq.read_table(os.path.join(out, name))  # ground truth = what pyarrow reads back
        assert t.equals(table) or extra.get("error"), name
        files[name] = {
            "num_rows": t.num_rows,
            "columns": [col_spec(f, t.column(f.name)) for f in t.schema],
            **extra,
        }

    # 1. every codec x dictionary on/off x data page v1/v2
    table = base_table()
    for codec in ["none", "snappy", "zstd", "gzip"]:
        for dic in [True, False]:
            for page in ["1.0", "2.0"]:
                name = "all_%s_%s_v%s.parquet" % (codec, "dict" if dic else "plain", page[0])
                pq.write_table(table, os.path.join(out, name), compression=codec, use_dictionary=dic,
                               data_page_version=page)
                record(name, table)

    # 2. nulls (null rows in every column, empty lists), v1 and v2
    table = base_table(nulls=True)
    for page in ["1.0", "2.0"]:
        name = "nulls_v%s.parquet" % page[0]
        pq.write_table(table, os.path.join(out, name), compression="snappy", data_page_version=page)
        record(name, table)

    # 3. several row groups and several pages per column chunk (small page size)
    table = base_table(n=700)
    name = "multi_rowgroup_pages.parquet"
    pq.write_table(table, os.path.join(out, name), compression="zstd", row_group_size=250, data_page_size=256,
                   write_batch_size=64)
    record(name, table)
    name = "multi_rowgroup_plain_v2.parquet"
    pq.write_table(table, os.path.join(out, name), compression="gzip", row_group_size=300, data_page_size=512,
                   write_batch_size=50, use_dictionary=False, data_page_version="2.0")
    record(name, table)

    # 4. large_list
    table = base_table(list_kind="large")
    name = "large_list.parquet"
    pq.write_table(table, os.path.join(out, name), compression="snappy")
    record(name, table)

    # 5. legacy list element name ("item" leaf instead of "element")
    table = base_table()
    name = "non_compliant_nested.parquet"
    pq.write_table(table, os.path.join(out, name), use_compliant_nested_type=False)
    record(name, table)

    # 6. BYTE_STREAM_SPLIT floats
    name = "byte_stream_split.parquet"
    pq.write_table(table, os.path.join(out, name), use_dictionary=["s", "s_rep", "i32", "i64", "b", "const"],
                   column_encoding={"f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT",
                                    "lf32": "BYTE_STREAM_SPLIT", "fsl_f64": "BYTE_STREAM_SPLIT"})
    record(name, table)

    # 7. LeRobot v2.1-style table (fixed_size_list<float32>, float32 timestamp, int64 columns)
    T = 90
    rng = np.random.default_rng(0)
    state = rng.standard_normal((T, 8)).astype(np.float32)
    action = rng.standard_normal((T, 7)).astype(np.float32)
    table = pa.table({
        "observation.state": pa.FixedSizeListArray.from_arrays(pa.array(state.reshape(-1)), 8),
        "action": pa.FixedSizeListArray.from_arrays(pa.array(action.reshape(-1)), 7),
        "timestamp": pa.array(np.arange(T, dtype=np.float32) / np.float32(30), pa.float32()),
        "frame_index": pa.array(np.arange(T), pa.int64()),
        "episode_index": pa.array(np.full(T, 3), pa.int64()),
        "index": pa.array(np.arange(T) + 1000, pa.int64()),
        "task_index": pa.array(np.zeros(T, np.int64), pa.int64()),
    })
    name = "lerobot_v21_like.parquet"
    pq.write_table(table, os.path.join(out, name), compression="snappy")
    record(name, table, projection=["action", "index"])

    # 8. pandas to_parquet (like GR00T's robot_sim demo data: list<double> from numpy arrays)
    df = pd.DataFrame({
        "observation.state": [np.arange(5, dtype=np.float64) * r for r in range(40)],
        "timestamp": np.arange(40, dtype=np.float64) * 0.05 + 0.05,
        "episode_index": np.full(40, 2, np.int64),
        "next.done": np.arange(40) == 39,
    })
    name = "pandas_to_parquet.parquet"
    df.to_parquet(os.path.join(out, name))
    t = pq.read_table(os.path.join(out, name))
    files[name] = {"num_rows": t.num_rows, "columns": [col_spec(f, t.column(f.name)) for f in t.schema]}

    # 9. Unsupported on purpose: DELTA_BINARY_PACKED must give a clear error, not garbage.
    table = pa.table({"d": pa.array(np.arange(100) * 3, pa.int64())})
    name = "delta_binary_packed.parquet"
    pq.write_table(table, os.path.join(out, name), use_dictionary=False,
                   column_encoding={"d": "DELTA_BINARY_PACKED"})
    record(name, table, error="DELTA_BINARY_PACKED")

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"pyarrow": pa.__version__, "pandas": pd.__version__, "files": files}, f, separators=(",", ":"))
    total = sum(os.path.getsize(os.path.join(out, n)) for n in files)
    print("wrote %d parquet files (%d bytes) + expected.json to %s (pyarrow %s)" % (len(files), total, out,
                                                                                    pa.__version__))


if __name__ == "__main__":
    main()
