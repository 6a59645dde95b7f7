#!/usr/bin/env python3
"""Drives a running `groot serve` with tools/groot_client.py (run by tests/cli/test_serve_cli.cpp).

  serve_check.py --port P --pid PID --state-dims k=D,... --out DIR [--kill]   the main session
  serve_check.py --port P --token-mode TOKEN                                   token checks

Prints "OK <check>" per passed check; on the first failure prints "FAIL <why>" and exits 1.
The main session writes DIR/request.msgpack and DIR/reply.msgpack (the first get_action) so the
C++ test can compare the reply with the policy run in-process on the same observation.
"""
import argparse
import copy
import os
import sys

import msgpack
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from groot_client import PolicyClient, ServerError, pack, random_observation, unpack  # noqa: E402


def fail(msg):
    print("FAIL", msg, flush=True)
    sys.exit(1)


def ok(name):
    print("OK", name, flush=True)


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def npy_wrap(npy_bytes):
    return {"__ndarray_class__": True, "as_npy": npy_bytes}


def npy_header(descr, shape, fortran=False, version=(1, 0)):
    d = "{'descr': %r, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    d += " " * ((64 - (12 + len(d)) % 64) % 64) + "\n"
    n = len(d)
    if version == (1, 0):
        return b"\x93NUMPY\x01\x00" + n.to_bytes(2, "little") + d.encode()
    return b"\x93NUMPY" + bytes(version) + n.to_bytes(4, "little") + d.encode()


def hostile_requests(obs, mod):
    """(name, bytes) pairs, each of which must get an {"error": ...} reply."""
    cam = mod["video"]["modality_keys"][0]
    skey = mod["state"]["modality_keys"][0]
    (lkey,) = mod["language"]["modality_keys"]

    def req(o=None, endpoint="get_action", data=None, **extra):
        r = {"endpoint": endpoint, "data": data if data is not None else {"observation": o, "options": None}}
        r.update(extra)
        return pack(r)

    def mutated(path, value):
        o = copy.deepcopy(obs)
        o[path[0]][path[1]] = value
        return req(o)

    v = obs["video"][cam]
    s = obs["state"][skey]
    B = v.shape[0]
    out = [
        ("empty message", b""),
        ("not msgpack", b"\xc1\xc1\xc1"),
        ("truncated", pack({"endpoint": "ping"})[:-3]),
        ("trailing bytes", pack({"endpoint": "ping"}) + b"\x00"),
        ("top-level list", pack(["ping"])),
        ("endpoint not a string", pack({"endpoint": 7})),
        ("unknown endpoint", pack({"endpoint": "get_actions"})),
        ("data not a map", pack({"endpoint": "get_action", "data": [1, 2]})),
        ("no observation", pack({"endpoint": "get_action", "data": {"options": None}})),
        ("unexpected argument", pack({"endpoint": "get_action", "data": {"observation": obs, "foo": 1}})),
        ("options not a map", pack({"endpoint": "reset", "data": {"options": "fast"}})),
        ("observation a string", req("obs")),
        ("missing modality", req({"video": obs["video"], "state": obs["state"]})),
        ("missing camera", req({**obs, "video": {}})),
        ("video float32", mutated(("video", cam), v.astype(np.float32))),
        ("video int64", mutated(("video", cam), v.astype(np.int64))),
        ("video 4-D", mutated(("video", cam), v[:, 0])),
        ("video RGBA", mutated(("video", cam), np.zeros(v.shape[:-1] + (4,), np.uint8))),
        ("video extra frame", mutated(("video", cam), np.concatenate([v, v], axis=1))),
        ("video batch 0", mutated(("video", cam), v[:0])),
        ("state float64", mutated(("state", skey), s.astype(np.float64))),
        ("state wrong D", mutated(("state", skey), np.zeros(s.shape[:-1] + (s.shape[-1] + 1,), np.float32))),
        ("state NaN", mutated(("state", skey), np.full(s.shape, np.nan, np.float32))),
        ("state inf", mutated(("state", skey), np.full(s.shape, np.inf, np.float32))),
        ("batch mismatch", mutated(("state", skey), np.concatenate([s, s], axis=0))),
        ("language flat list", mutated(("language", lkey), ["pick"] * B)),
        ("language two strings", mutated(("language", lkey), [["a", "b"]] * B)),
        ("language bytes", mutated(("language", lkey), [[b"pick"]] * B)),
        ("language numpy", mutated(("language", lkey), np.array([["pick"]] * B))),
        ("language wrong batch", mutated(("language", lkey), [["pick"]] * (B + 1))),
        ("language not UTF-8",
         mutated(("language", lkey), [["@@NOT-UTF8@@"]] * B).replace(b"@@NOT-UTF8@@", b"\xff\xfe" * 6)),
        ("npy bad magic", mutated(("state", skey), npy_wrap(b"NUMPY" + b"\x00" * 64))),
        ("npy version 4", mutated(("state", skey), npy_wrap(b"\x93NUMPY\x04\x00" + b"\x00" * 64))),
        ("npy header missing shape",
         mutated(("state", skey), npy_wrap(b"\x93NUMPY\x01\x00\x30\x00" + b"{'descr': '<f4', 'fortran_order': False}".ljust(47) + b"\n"))),
        ("npy fortran_order garbage",
         mutated(("state", skey), npy_wrap(npy_header("<f4", s.shape).replace(b"False", b"Maybe") + s.tobytes()))),
        ("npy structured dtype",
         mutated(("state", skey), npy_wrap(npy_header("<f4", s.shape).replace(b"'<f4'", b"[('a', '<f4')]") + s.tobytes()))),
        ("npy string dtype", mutated(("state", skey), np.array([[["abc"]]] * B))),
        ("npy object dtype (pickle)", mutated(("state", skey), npy_wrap(npy_header("|O", (B, 1, 1)) + b"\x80\x04N."))),
        ("npy huge shape", mutated(("state", skey), npy_wrap(npy_header("<f4", (10**9, 10**9, 10**6)) + s.tobytes()))),
        ("npy header past end", mutated(("state", skey), npy_wrap(b"\x93NUMPY\x02\x00\xff\xff\xff\x0f{"))),
        ("npy shape short of data", mutated(("state", skey), npy_wrap(npy_header("<f4", (1,)) + s.tobytes()))),
        ("as_npy a string", mutated(("state", skey), {"__ndarray_class__": True, "as_npy": "abc"})),
        ("map of 2^32-1 entries", b"\x81\xa8endpoint\xdf\xff\xff\xff\xff"),
        ("array of 2^32-1 items", b"\xdd\xff\xff\xff\xff" + b"\xc0" * 16),
        ("str of 4 GiB", b"\x81\xa8endpoint\xdb\xff\xff\xff\xff" + b"a" * 16),
        ("deep nesting", b"\x91" * 100000 + b"\xc0"),
        ("duplicate keys", b"\x82\xa8endpoint\xa4ping\xa8endpoint\xa4kill"),
        ("integer map key", b"\x81\x01\xa4ping"),
        ("too many batch items", mutated(("video", cam), np.zeros((100000, 1, 1, 1, 3), np.uint8))),
    ]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--state-dims", default="")
    ap.add_argument("--out")
    ap.add_argument("--max-request-bytes", type=int, default=1 << 20)
    ap.add_argument("--kill", action="store_true")
    ap.add_argument("--token-mode")
    args = ap.parse_args()

    if args.token_mode:
        for token, name in ((None, "missing token"), ("wrong-" + args.token_mode, "wrong token"),
                            (args.token_mode[:-1], "token prefix")):
            c = PolicyClient(port=args.port, timeout_ms=20000, api_token=token)
            try:
                c.call("ping", requires_input=False)
                fail(f"{name}: ping accepted")
            except ServerError as e:
                if "Unauthorized" not in str(e):
                    fail(f"{name}: {e}")
            try:
                c.kill_server()
                fail(f"{name}: kill accepted")
            except ServerError:
                pass
            c.close()
            ok(f"refused: {name}")
        c = PolicyClient(port=args.port, timeout_ms=20000, api_token=args.token_mode)
        if not c.ping():
            fail("the right token was refused")
        ok("accepted: right token")
        c.kill_server()
        ok("kill with token")
        return

    dims = dict((k, int(v)) for k, v in (kv.split("=") for kv in args.state_dims.split(",") if kv))
    c = PolicyClient(port=args.port, timeout_ms=60000)
    if not c.ping():
        fail("no ping reply")
    ok("ping")
    mod = c.get_modality_config()
    # Upstream's client rebuilds each as ModalityConfig(**as_json) (gr00t/data/types.py): exactly
    # these fields, action_configs by enum NAME (ActionRepresentation[...] etc.).
    fields = {"delta_indices", "modality_keys", "sin_cos_embedding_keys", "mean_std_embedding_keys", "action_configs"}
    names = {"rep": {"RELATIVE", "DELTA", "ABSOLUTE"}, "type": {"EEF", "NON_EEF"},
             "format": {"DEFAULT", "XYZ_ROT6D", "XYZ_ROTVEC"}}
    for m in ("video", "state", "action", "language"):
        if m not in mod or not set(mod[m]) <= fields or not {"delta_indices", "modality_keys"} <= set(mod[m]):
            fail(f"get_modality_config: {m} is not a ModalityConfig: {mod.get(m)}")
        for ac in mod[m].get("action_configs") or []:
            if any(ac.get(k) not in v for k, v in names.items()) or not set(ac) <= set(names) | {"state_key"}:
                fail(f"get_modality_config: action config {ac} is not upstream's ActionConfig")
    if len(mod["action"].get("action_configs") or []) not in (0, len(mod["action"]["modality_keys"])):
        fail("get_modality_config: one action config per action key expected")
    ok("get_modality_config")

    obs = random_observation(mod, batch=2, height=48, width=64, state_dims=dims, seed=7)
    request = pack({"endpoint": "get_action", "data": {"observation": obs, "options": None}})
    reply = c.send_raw(request)
    response = unpack(reply)
    if not isinstance(response, list) or len(response) != 2:
        fail(f"get_action: expected [action, info], got {response!r:.300}")
    action, info = response
    horizon = len(mod["action"]["delta_indices"])
    if set(action) != set(mod["action"]["modality_keys"]) or info != {}:
        fail(f"get_action: keys {sorted(action)} info {info}")
    for k, a in action.items():
        if a.dtype != np.float32 or a.ndim != 3 or a.shape[:2] != (2, horizon) or not np.all(np.isfinite(a)):
            fail(f"get_action: action {k} is {a.dtype} {a.shape}")
    with open(os.path.join(args.out, "request.msgpack"), "wb") as f:
        f.write(request)
    with open(os.path.join(args.out, "reply.msgpack"), "wb") as f:
        f.write(reply)
    ok("get_action shapes " + " ".join(f"{k}{list(a.shape)}" for k, a in sorted(action.items())))

    # Upstream's call pattern (PolicyClient.get_action) with the library API, batch 1.
    a1, _ = c.get_action(random_observation(mod, 1, 32, 32, dims, seed=1))
    ok("get_action batch 1 " + " ".join(f"{k}{list(a.shape)}" for k, a in sorted(a1.items())))

    hostile = hostile_requests(obs, mod)
    for name, msg in hostile:
        try:
            r = unpack(c.send_raw(msg))
        except TimeoutError:
            fail(f"hostile '{name}': no reply")
        if not isinstance(r, dict) or not isinstance(r.get("error"), str) or not r["error"]:
            fail(f"hostile '{name}': reply {r!r:.200} is not an error")
        if not c.ping():
            fail(f"hostile '{name}': no ping reply afterwards")
        print(f"   {name}: {r['error'][:150]}")
    ok(f"hostile requests: {len(hostile)} error replies, ping answered after each")

    # Over the size limit: libzmq drops the connection before buffering; no reply, no allocation.
    if args.pid:
        before = vm_hwm_kb(args.pid)
        big = PolicyClient(port=args.port, timeout_ms=1500)
        size = 64 * args.max_request_bytes
        try:
            big.send_raw(b"\xc6" + size.to_bytes(4, "big") + b"\x00" * size)
            fail("oversize request got a reply")
        except TimeoutError:
            pass
        big.close()
        if not c.ping():
            fail("no ping after the oversize request")
        after = vm_hwm_kb(args.pid)
        if after - before > size // 1024 // 4:
            fail(f"oversize request: server peak RSS grew {after - before} kB for a {size // 1024} kB request")
        ok(f"oversize request ({size >> 20} MiB, limit {args.max_request_bytes >> 10} KiB) dropped; peak RSS +{after - before} kB")

    # Two clients in turn.
    a, b = PolicyClient(port=args.port, timeout_ms=60000), PolicyClient(port=args.port, timeout_ms=60000)
    for i in range(2):
        ra, _ = a.get_action(obs)
        if not b.ping():
            fail("client b: no ping")
        rb, _ = b.get_action(obs)
        if set(ra) != set(rb):
            fail("two clients: different keys")
    a.close()
    b.close()
    ok("two clients in turn")

    if c.reset() != {}:
        fail("reset did not return {}")
    ok("reset")
    if args.kill:
        if c.kill_server() is not None:
            fail("kill did not return nil")
        ok("kill")
    c.close()


if __name__ == "__main__":
    main()
