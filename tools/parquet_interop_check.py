#!/usr/bin/env python3
"""Interop proof: pyarrow (and pandas) read Parquet files written by groot's writer with the
expected Arrow types and identical values.

Usage: python3 tools/parquet_interop_check.py DIR
  DIR holds NAME.parquet + NAME.json pairs written by `build/parquet_write_sample DIR`.
  NAME.json: {"num_rows", "num_row_groups", "columns": [{"name", "arrow_type", "values"}],
              "huggingface"?: {...}}
  arrow_type is compared with list child names removed ("list<item: float>" == "list<float>").
Exits 1 on any mismatch, printing each; prints one OK line per file otherwise.
"""
import glob
import json
import math
import os
import re
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def norm_type(t):
    return re.sub(r"<(item|element): ", "<", str(t))


def same(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b and type(a) == type(b)


def check(path, spec, errors):
    name = os.path.basename(path)
    pf = pq.ParquetFile(path)
    t = pf.read()
    if t.num_rows != spec["num_rows"]:
        errors.append("%s: %d rows, expected %d" % (name, t.num_rows, spec["num_rows"]))
    if pf.metadata.num_row_groups != spec["num_row_groups"]:
        errors.append("%s: %d row groups, expected %d" % (name, pf.metadata.num_row_groups, spec["num_row_groups"]))
    names = [c["name"] for c in spec["columns"]]
    if t.column_names != names:
        errors.append("%s: columns %s, expected %s" % (name, t.column_names, names))
        return
    for c in spec["columns"]:
        col = t.column(c["name"])
        if norm_type(col.type) != c["arrow_type"]:
            errors.append("%s: column %s has type %s, expected %s" % (name, c["name"], col.type, c["arrow_type"]))
        got = col.to_pylist()
        if not same(got, c["values"]):
            bad = next(i for i, (x, y) in enumerate(zip(got, c["values"])) if not same(x, y)) if len(got) == len(
                c["values"]) else -1
            errors.append("%s: column %s values differ (first at row %d: %r vs %r)" %
                          (name, c["name"], bad, got[bad] if bad >= 0 else None, c["values"][bad] if bad >= 0 else None))
        if col.null_count != sum(v is None for v in c["values"]):
            errors.append("%s: column %s null_count %d" % (name, c["name"], col.null_count))
    md = pf.schema_arrow.metadata or {}
    if "huggingface" in spec:
        hf = md.get(b"huggingface")
        if hf is None or json.loads(hf) != spec["huggingface"]:
            errors.append("%s: huggingface metadata %r" % (name, hf))
    # Statistics must be consistent with the data where present (readers use them for pruning).
    for rg in range(pf.metadata.num_row_groups):
        for ci in range(pf.metadata.num_columns):
            st = pf.metadata.row_group(rg).column(ci).statistics
            if st is not None and st.has_min_max and st.min > st.max:
                errors.append("%s: row group %d column %d min > max" % (name, rg, ci))
    # pandas reads it too (the GR00T loader path), with the same row count and column names.
    try:
        import pandas as pd
        df = pd.read_parquet(path)
        if len(df) != spec["num_rows"] or list(df.columns) != names:
            errors.append("%s: pandas read %d rows / columns %s" % (name, len(df), list(df.columns)))
    except ImportError:
        pass
    return t


def main():
    d = sys.argv[1]
    errors = []
    files = sorted(glob.glob(os.path.join(d, "*.json")))
    if not files:
        print("no NAME.json sidecars in %s" % d)
        return 1
    for js in files:
        pqf = js[:-5] + ".parquet"
        n_before = len(errors)
        try:
            check(pqf, json.load(open(js)), errors)
        except Exception as e:  # pyarrow refusing the file is a failure, not a crash of the check
            errors.append("%s: pyarrow failed: %s: %s" % (os.path.basename(pqf), type(e).__name__, e))
        if len(errors) == n_before:
            print("OK  %s" % os.path.basename(pqf))
    for e in errors:
        print("MISMATCH " + e)
    print("pyarrow %s: %d files, %d problems" % (pa.__version__, len(files), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
