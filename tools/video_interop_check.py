#!/usr/bin/env python3
"""Cross-checks groot's FFmpeg video code against Python decoders (torchcodec, PyAV, OpenCV).

Run on a machine that has any of them (the GPU machine has OpenCV; torchcodec/PyAV are used when
installed). Inputs are written by `build/bench_video --dump-interop WORK`:
  ours_fixture_ep0.rgb    our RGB decode of fixture frames FIXTURE_FRAMES of episode_000000.mp4
  source_240x320.rgb      60 synthetic source frames (H=240, W=320, RGB24)
  ours_h264.mp4 / ours_av1.mp4          those frames encoded by groot (30 fps)
  ours_decode_h264.rgb / ours_decode_av1.rgb   groot's own decode of those files
Checks:
  1. fixture: each backend's frames vs ours (max / mean abs difference)
  2. our mp4s: each backend decodes exactly 60 frames, PSNR vs the source, difference vs our decode
Usage: build/bench_video --dump-interop WORK && python3 tools/video_interop_check.py --work WORK --fixture PATH/episode_000000.mp4 --out OUTDIR
Writes OUTDIR/video_interop.json and prints a summary.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

FIXTURE_FRAMES = [0, 1, 2, 57, 100, 249, 250, 251, 415]


def decode_torchcodec(path, indices=None):
    from torchcodec.decoders import VideoDecoder

    d = VideoDecoder(path, device="cpu", seek_mode="exact")
    idx = list(range(len(d))) if indices is None else indices
    frames = d.get_frames_at(indices=idx).data.numpy()  # N, C, H, W
    return np.ascontiguousarray(frames.transpose(0, 2, 3, 1)), len(d)


def decode_pyav(path, indices=None):
    import av

    with av.open(path) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    n = len(frames)
    if indices is not None:
        frames = [frames[i] for i in indices]
    return np.stack(frames), n


def decode_cv2(path, indices=None):
    import cv2

    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise RuntimeError("cv2 cannot open " + path)
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    n = len(frames)
    if n == 0:
        raise RuntimeError("cv2 decoded no frames from " + path)
    if indices is not None:
        frames = [frames[i] for i in indices]
    return np.stack(frames), n


BACKENDS = {"torchcodec": decode_torchcodec, "pyav": decode_pyav, "opencv": decode_cv2}


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else 10 * math.log10(255.0**2 / mse)


def diff(a, b):
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return {"max_abs": int(d.max()), "mean_abs": float(d.mean()), "frac_equal": float(np.mean(d == 0))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    report = {"versions": {}, "fixture": {}, "ours": {}}
    for mod in ["torchcodec", "av", "cv2", "torch"]:
        try:
            m = __import__(mod)
            report["versions"][mod] = getattr(m, "__version__", "?")
        except Exception as e:  # noqa: BLE001
            report["versions"][mod] = "missing (%s)" % type(e).__name__

    ours_fx = np.fromfile(os.path.join(a.work, "ours_fixture_ep0.rgb"), np.uint8).reshape(-1, 256, 256, 3)
    for name, fn in BACKENDS.items():
        try:
            theirs, n = fn(a.fixture, FIXTURE_FRAMES)
            report["fixture"][name] = {"num_frames": n, **diff(ours_fx, theirs)}
        except Exception as e:  # noqa: BLE001
            report["fixture"][name] = {"error": "%s: %s" % (type(e).__name__, e)}

    src = np.fromfile(os.path.join(a.work, "source_240x320.rgb"), np.uint8).reshape(-1, 240, 320, 3)
    for codec in ["h264", "av1"]:
        path = os.path.join(a.work, "ours_%s.mp4" % codec)
        ours = np.fromfile(os.path.join(a.work, "ours_decode_%s.rgb" % codec), np.uint8).reshape(-1, 240, 320, 3)
        entry = {"ours_num_frames": int(ours.shape[0]),
                 "ours_min_psnr": min(psnr(ours[i], src[i]) for i in range(len(src)))}
        for name, fn in BACKENDS.items():
            try:
                theirs, n = fn(path)
                r = {"num_frames": n}
                if n == len(src):
                    r["min_psnr_vs_source"] = min(psnr(theirs[i], src[i]) for i in range(n))
                    r.update({"vs_ours_" + k: v for k, v in diff(ours, theirs).items()})
                entry[name] = r
            except Exception as e:  # noqa: BLE001
                entry[name] = {"error": "%s: %s" % (type(e).__name__, e)}
        report["ours"][codec] = entry

    with open(os.path.join(a.out, "video_interop.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))
    # Fail loudly when a present backend disagrees on frame counts of our files.
    bad = [(c, b) for c, e in report["ours"].items() for b, r in e.items()
           if isinstance(r, dict) and "num_frames" in r and r["num_frames"] != len(src)]
    if bad:
        print("FRAME COUNT MISMATCH:", bad, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
