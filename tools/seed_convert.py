#!/usr/bin/python3
"""Baseline for `groot bench convert`: a re-implementation of the user's seed converter
(convert_hdf5_to_lerobot_v2.py, described in docs/seed_pipeline.md), written from the facts listed
there, so that its speed can be measured on the same machine and data as `groot convert`.

What it does, like the seed:
  * h5py; demos in `sorted(f["data"].keys())` order (lexical: demo_10 before demo_2);
  * state = eef_pos + eef_quat + gripper_pos[:, :1], action = actions, per-row pandas DataFrame with
    observation.state, action, timestamp (t / fps), frame_index, episode_index, index, task_index;
  * one mp4 per camera and episode through imageio's ffmpeg writer: libx264, quality 8
    (imageio maps it to -crf 10), yuv420p, -preset fast, fps 30; whole camera arrays read at once;
  * info.json (with the seed's hard-coded 224x224x3 video shape), episodes.jsonl, tasks.jsonl,
    modality.json; single-threaded Python (ffmpeg runs as a subprocess with its default threads).
Difference, on purpose: Debian 12 has no pyarrow/fastparquet, so `DataFrame.to_parquet` is replaced
by a no-op (the DataFrame is still built). Its time is therefore a LOWER bound of the seed's.

Usage (Debian's python3 with python3-h5py, python3-pandas, python3-imageio and the ffmpeg binary):
  /usr/bin/python3 tools/seed_convert.py --hdf5 demos.hdf5 --output /tmp/seed_out [--fps 30]
"""
import argparse
import json
import os
import shutil
import time

import h5py
import imageio
import numpy as np
import pandas as pd

TASK = "pick up the blue block and insert it into the MCX card slot"
CAMERAS = {"wrist_rgb": "observation.images.wrist", "table_rgb": "observation.images.table"}


def to_parquet_noop(df, path):
    """Stand-in for df.to_parquet(path): no parquet engine on Debian 12."""
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hdf5", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--fps", type=int, default=30)
    args = ap.parse_args()
    if not os.environ.get("IMAGEIO_FFMPEG_EXE"):
        exe = shutil.which("ffmpeg")
        if not exe:
            raise SystemExit("seed_convert.py: the ffmpeg binary is required (apt-get install ffmpeg)")
        os.environ["IMAGEIO_FFMPEG_EXE"] = exe

    t0 = time.time()
    out = args.output
    os.makedirs(os.path.join(out, "meta"), exist_ok=True)
    os.makedirs(os.path.join(out, "data", "chunk-000"), exist_ok=True)
    for key in CAMERAS.values():
        os.makedirs(os.path.join(out, "videos", "chunk-000", key.split(".")[-1]), exist_ok=True)

    f = h5py.File(args.hdf5, "r")
    demos = sorted(f["data"].keys())  # lexical, as in the seed
    episodes = []
    global_index = 0
    total_frames = 0
    for ep_idx, name in enumerate(demos):
        demo = f["data"][name]
        obs = demo["obs"]
        eef_pos = obs["eef_pos"][:]
        eef_quat = obs["eef_quat"][:]
        gripper = obs["gripper_pos"][:][:, :1]
        state = np.concatenate([eef_pos, eef_quat, gripper], axis=1).astype(np.float32)
        actions = demo["actions"][:].astype(np.float32)
        T = len(actions)
        rows = []
        for t in range(T):
            rows.append({
                "observation.state": state[t].tolist(),
                "action": actions[t].tolist(),
                "timestamp": t / args.fps,
                "frame_index": t,
                "episode_index": ep_idx,
                "index": global_index + t,
                "task_index": 0,
            })
        df = pd.DataFrame(rows)
        to_parquet_noop(df, os.path.join(out, "data", "chunk-000", "episode_%06d.parquet" % ep_idx))
        for cam, key in CAMERAS.items():
            frames = obs[cam][:]
            path = os.path.join(out, "videos", "chunk-000", key.split(".")[-1], "episode_%06d.mp4" % ep_idx)
            writer = imageio.get_writer(path, fps=args.fps, codec="libx264", quality=8, pixelformat="yuv420p",
                                        ffmpeg_params=["-preset", "fast"], ffmpeg_log_level="error")
            for frame in frames:
                writer.append_data(frame)
            writer.close()
        episodes.append({"episode_index": ep_idx, "tasks": [TASK], "length": T})
        global_index += T
        total_frames += T

    video_feature = {"dtype": "video", "shape": [224, 224, 3], "names": ["height", "width", "channel"],
                     "video_info": {"video.fps": args.fps, "video.codec": "h264", "video.pix_fmt": "yuv420p",
                                    "video.is_depth_map": False, "has_audio": False}}
    info = {
        "codebase_version": "v2.1", "robot_type": "franka_panda", "total_episodes": len(demos),
        "total_frames": total_frames, "total_tasks": 1, "total_videos": 2 * len(demos), "total_chunks": 1,
        "chunks_size": 1000, "fps": args.fps, "splits": {"train": "0:%d" % len(demos)},
        "data_path": "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet",
        "video_path": "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4",
        "features": {
            "observation.state": {"dtype": "float32", "shape": [8],
                                  "names": ["eef_x", "eef_y", "eef_z", "qx", "qy", "qz", "qw", "gripper"]},
            "action": {"dtype": "float32", "shape": [7],
                       "names": ["dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper"]},
            "observation.images.wrist": video_feature, "observation.images.table": video_feature,
            "timestamp": {"dtype": "float32", "shape": [1]}, "frame_index": {"dtype": "int64", "shape": [1]},
            "episode_index": {"dtype": "int64", "shape": [1]}, "index": {"dtype": "int64", "shape": [1]},
            "task_index": {"dtype": "int64", "shape": [1]},
        },
    }
    with open(os.path.join(out, "meta", "info.json"), "w") as fh:
        json.dump(info, fh, indent=4)
    with open(os.path.join(out, "meta", "episodes.jsonl"), "w") as fh:
        for e in episodes:
            fh.write(json.dumps(e) + "\n")
    with open(os.path.join(out, "meta", "tasks.jsonl"), "w") as fh:
        fh.write(json.dumps({"task_index": 0, "task": TASK}) + "\n")
    modality = {
        "state": {"eef_pos": {"start": 0, "end": 3}, "eef_quat": {"start": 3, "end": 7},
                  "gripper": {"start": 7, "end": 8}},
        "action": {"arm": {"start": 0, "end": 6}, "gripper": {"start": 6, "end": 7}},
        "video": {"wrist": {"original_key": "observation.images.wrist"},
                  "table": {"original_key": "observation.images.table"}},
        "annotation": {"human.task_description": {"original_key": "task_index"}},
    }
    with open(os.path.join(out, "meta", "modality.json"), "w") as fh:
        json.dump(modality, fh, indent=4)
    dt = time.time() - t0
    print("seed_convert: %d demos, %d frames in %.2f s (%.2f demos/s, %.1f frames/s)"
          % (len(demos), total_frames, dt, len(demos) / dt, total_frames / dt))


if __name__ == "__main__":
    main()
