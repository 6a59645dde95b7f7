#!/usr/bin/env python3
"""Independent check of a `groot convert` output with the Python stack GR00T/LeRobot use
(pyarrow + pandas for parquet, OpenCV/FFmpeg for mp4), optionally against the source HDF5 (h5py).

  python3 tools/check_converted_dataset.py DATASET [--hdf5 SOURCE.hdf5] [--max-mae 10]

Checks: meta files parse and agree (info totals, episodes.jsonl lengths, chunking, modality.json
slices within the vector sizes); every parquet file reads with pyarrow, has the LeRobot v2.1 columns
with fixed_size_list<float>[D] state/action, float32 timestamp = frame_index/fps, int64 indices,
global `index` contiguous across episodes; every mp4 decodes to exactly `length` frames of the
declared size; with --hdf5 (default mapping only): state/action equal the source exactly and video
frames are within --max-mae grey levels of the source frames. Exits 1 on the first failure.
Needs: pyarrow, pandas, numpy, opencv-python (cv2), h5py for --hdf5 (all on the GPU machine).
"""
import argparse
import json
import os
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("--hdf5")
    ap.add_argument("--max-mae", type=float, default=10.0)
    args = ap.parse_args()
    root = args.dataset
    info = json.load(open(os.path.join(root, "meta", "info.json")))
    eps = [json.loads(l) for l in open(os.path.join(root, "meta", "episodes.jsonl")) if l.strip()]
    tasks = [json.loads(l) for l in open(os.path.join(root, "meta", "tasks.jsonl")) if l.strip()]
    modality = json.load(open(os.path.join(root, "meta", "modality.json")))
    stats_lines = [json.loads(l) for l in open(os.path.join(root, "meta", "episodes_stats.jsonl")) if l.strip()]
    if info["codebase_version"] != "v2.1":
        fail("codebase_version %r" % info["codebase_version"])
    if info["total_episodes"] != len(eps) or len(stats_lines) != len(eps):
        fail("episode counts disagree")
    if info["total_frames"] != sum(e["length"] for e in eps):
        fail("total_frames != sum of lengths")
    if info["total_tasks"] != len(tasks):
        fail("total_tasks")
    feats = info["features"]
    sdim, adim = feats["observation.state"]["shape"][0], feats["action"]["shape"][0]
    for grp, dim in (("state", sdim), ("action", adim)):
        for k, v in modality[grp].items():
            if not (0 <= v["start"] < v["end"] <= dim):
                fail("modality %s.%s [%d,%d) outside %d" % (grp, k, v["start"], v["end"], dim))
    videos = [k for k, v in feats.items() if v["dtype"] == "video"]
    for k, v in modality.get("video", {}).items():
        if v["original_key"] not in feats:
            fail("modality video %s -> %s not in info features" % (k, v["original_key"]))
    fps = info["fps"]
    h5 = None
    if args.hdf5:
        import h5py
        h5 = h5py.File(args.hdf5, "r")
        conv = json.load(open(os.path.join(root, "meta", "conversion.json")))
    import cv2

    index = 0
    worst = 0.0
    for e in eps:
        ei, T = e["episode_index"], e["length"]
        chunk = ei // info["chunks_size"]
        path = os.path.join(root, info["data_path"].format(episode_chunk=chunk, episode_index=ei))
        table = pq.read_table(path)
        sch = table.schema
        want = ["observation.state", "action", "timestamp", "frame_index", "episode_index", "index", "task_index"]
        if sch.names != want:
            fail("%s columns %s" % (path, sch.names))
        for col, dim in (("observation.state", sdim), ("action", adim)):
            t = sch.field(col).type
            if not (pa.types.is_fixed_size_list(t) and t.list_size == dim and t.value_type == pa.float32()):
                fail("%s %s has arrow type %s" % (path, col, t))
        if sch.field("timestamp").type != pa.float32():
            fail("%s timestamp type %s" % (path, sch.field("timestamp").type))
        for col in want[3:]:
            if sch.field(col).type != pa.int64():
                fail("%s %s type %s" % (path, col, sch.field(col).type))
        df = pd.read_parquet(path)
        if len(df) != T:
            fail("%s has %d rows, episodes.jsonl says %d" % (path, len(df), T))
        st = np.stack(df["observation.state"].to_numpy())
        ac = np.stack(df["action"].to_numpy())
        if not np.array_equal(df["frame_index"].to_numpy(), np.arange(T)):
            fail("frame_index")
        if not np.array_equal(df["index"].to_numpy(), index + np.arange(T)):
            fail("%s: global index not contiguous" % path)
        if not (df["episode_index"] == ei).all() or not (df["task_index"] == 0).all():
            fail("episode_index/task_index")
        if not np.array_equal(df["timestamp"].to_numpy(), (np.arange(T) / fps).astype(np.float32)):
            fail("timestamp != frame_index/fps")
        if h5 is not None:
            demo = h5["data"][conv["episodes"][ei]["demo"]]
            o = demo["obs"]
            ref = np.concatenate([o["eef_pos"][:], o["eef_quat"][:], o["gripper_pos"][:][:, :1]], 1).astype(np.float32)
            if not np.array_equal(st, ref):
                fail("%s: state differs from %s" % (path, demo.name))
            if not np.array_equal(ac, demo["actions"][:].astype(np.float32)):
                fail("%s: action differs from %s" % (path, demo.name))
        for vk in videos:
            vpath = os.path.join(root, info["video_path"].format(episode_chunk=chunk, episode_index=ei, video_key=vk))
            cap = cv2.VideoCapture(vpath)
            frames = []
            while True:
                ok, fr = cap.read()
                if not ok:
                    break
                frames.append(cv2.cvtColor(fr, cv2.COLOR_BGR2RGB))
            if len(frames) != T:
                fail("%s decodes to %d frames, expected %d" % (vpath, len(frames), T))
            H, W, _ = feats[vk]["shape"]
            if frames[0].shape != (H, W, 3):
                fail("%s frame shape %s, info.json says %s" % (vpath, frames[0].shape, (H, W, 3)))
            if h5 is not None:
                cam = {"observation.images.wrist": "wrist_rgb", "observation.images.table": "table_rgb"}[vk]
                src = h5["data"][conv["episodes"][ei]["demo"]]["obs"][cam][:]
                mae = float(np.abs(np.stack(frames).astype(np.int16) - src.astype(np.int16)).mean(axis=(1, 2, 3)).max())
                worst = max(worst, mae)
                if mae > args.max_mae:
                    fail("%s: frame error %.2f > %.2f" % (vpath, mae, args.max_mae))
        index += T
    print("OK: %d episodes, %d frames, %d video keys; pyarrow types, values%s and frame counts verified%s"
          % (len(eps), index, len(videos), " (vs HDF5)" if h5 is not None else "",
             ("; worst per-frame mean abs error %.2f" % worst) if h5 is not None and videos else ""))


if __name__ == "__main__":
    main()
