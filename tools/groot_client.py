#!/usr/bin/env python3
"""Client for `groot serve` (and any server speaking Isaac-GR00T's policy protocol).

Protocol (docs/reference/groot_n16_reference.md section 8.2): ZeroMQ REQ/REP over TCP, msgpack
messages. A request is {"endpoint": name, "data": {kwargs}, "api_token": token}; numpy arrays
travel as {"__ndarray_class__": True, "as_npy": <np.save bytes>}; modality configs come back as
{"__ModalityConfig_class__": True, "as_json": {...}}; failures as {"error": message}.

Unlike upstream's client, the receive timeout is applied: a server that does not answer (or that
dropped a request over its size limit) raises TimeoutError instead of hanging, and the socket is
rebuilt so the client stays usable.

Library use (Debian: python3-zmq, python3-msgpack, python3-numpy):

    from groot_client import PolicyClient
    policy = PolicyClient(host="127.0.0.1", port=5555, api_token=None)
    policy.ping()
    action, info = policy.get_action({"video": {...}, "state": {...}, "language": {...}})

Command line:

    python3 tools/groot_client.py [--host H] [--port P] [--api-token T | --api-token-file F] ping
    python3 tools/groot_client.py ... modality        # prints get_modality_config as JSON
    python3 tools/groot_client.py ... act --batch 2 --height 224 --width 224 [--seed 0]
                                                      # a random observation shaped from the
                                                      # modality config; prints the action shapes
    python3 tools/groot_client.py ... reset | kill
"""
import argparse
import io
import json
import sys

import msgpack
import numpy as np
import zmq


class ServerError(RuntimeError):
    """The server answered {"error": message}."""


def _encode(obj):
    if isinstance(obj, np.ndarray):
        buf = io.BytesIO()
        np.save(buf, obj, allow_pickle=False)
        return {"__ndarray_class__": True, "as_npy": buf.getvalue()}
    raise TypeError(f"cannot send a {type(obj).__name__}")


def _decode(obj):
    if "__ndarray_class__" in obj:
        return np.load(io.BytesIO(obj["as_npy"]), allow_pickle=False)
    if "__ModalityConfig_class__" in obj:
        return obj["as_json"]
    return obj


def pack(obj) -> bytes:
    return msgpack.packb(obj, default=_encode, use_bin_type=True)


def unpack(data: bytes):
    return msgpack.unpackb(data, object_hook=_decode, raw=False)


class PolicyClient:
    def __init__(self, host="127.0.0.1", port=5555, timeout_ms=15000, api_token=None):
        self.host, self.port, self.timeout_ms, self.api_token = host, port, timeout_ms, api_token
        self.context = zmq.Context.instance()
        self.socket = None
        self._connect()

    def _connect(self):
        if self.socket is not None:
            self.socket.close(linger=0)
        self.socket = self.context.socket(zmq.REQ)
        self.socket.setsockopt(zmq.RCVTIMEO, self.timeout_ms)
        self.socket.setsockopt(zmq.SNDTIMEO, self.timeout_ms)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(f"tcp://{self.host}:{self.port}")

    def send_raw(self, message: bytes) -> bytes:
        """Sends bytes as they are and returns the reply bytes (TimeoutError when none comes)."""
        try:
            self.socket.send(message)
            return self.socket.recv()
        except zmq.Again:
            self._connect()  # a REQ socket that missed its reply cannot send again
            raise TimeoutError(f"no reply from tcp://{self.host}:{self.port} within {self.timeout_ms} ms")

    def call(self, endpoint, data=None, requires_input=True):
        request = {"endpoint": endpoint}
        if requires_input:
            request["data"] = data
        if self.api_token:
            request["api_token"] = self.api_token
        reply = self.send_raw(pack(request))
        if reply == b"ERROR":
            raise ServerError("server error")
        response = unpack(reply)
        if isinstance(response, dict) and "error" in response:
            raise ServerError(response["error"])
        return response

    def ping(self) -> bool:
        try:
            self.call("ping", requires_input=False)
            return True
        except (TimeoutError, zmq.ZMQError):
            return False

    def get_action(self, observation, options=None):
        action, info = self.call("get_action", {"observation": observation, "options": options})
        return action, info

    def reset(self, options=None):
        return self.call("reset", {"options": options})

    def get_modality_config(self):
        return self.call("get_modality_config", requires_input=False)

    def kill_server(self):
        return self.call("kill", requires_input=False)

    def close(self):
        if self.socket is not None:
            self.socket.close(linger=0)
            self.socket = None


def random_observation(modality, batch, height, width, state_dims=None, seed=0, instruction="pick up the cube"):
    """An observation shaped from get_modality_config's reply (state D from state_dims, default 8)."""
    rng = np.random.default_rng(seed)
    video_t = len(modality["video"]["delta_indices"])
    state_t = len(modality["state"]["delta_indices"])
    obs = {"video": {}, "state": {}, "language": {}}
    for cam in modality["video"]["modality_keys"]:
        obs["video"][cam] = rng.integers(0, 256, size=(batch, video_t, height, width, 3), dtype=np.uint8)
    for key in modality["state"]["modality_keys"]:
        d = (state_dims or {}).get(key, 8)
        obs["state"][key] = rng.uniform(-1, 1, size=(batch, state_t, d)).astype(np.float32)
    (lang_key,) = modality["language"]["modality_keys"]
    obs["language"][lang_key] = [[instruction] for _ in range(batch)]
    return obs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5555)
    ap.add_argument("--timeout-ms", type=int, default=15000)
    tok = ap.add_mutually_exclusive_group()
    tok.add_argument("--api-token")
    tok.add_argument("--api-token-file")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("ping")
    sub.add_parser("modality")
    sub.add_parser("reset")
    sub.add_parser("kill")
    act = sub.add_parser("act")
    act.add_argument("--batch", type=int, default=1)
    act.add_argument("--height", type=int, default=224)
    act.add_argument("--width", type=int, default=224)
    act.add_argument("--state-dims", default="", help="key=D,key=D (default 8 each)")
    act.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    token = args.api_token
    if args.api_token_file:
        with open(args.api_token_file) as f:
            token = f.read().strip()
    client = PolicyClient(args.host, args.port, args.timeout_ms, token)
    try:
        if args.cmd == "ping":
            ok = client.ping()
            print("ok" if ok else "no reply")
            return 0 if ok else 1
        if args.cmd == "modality":
            print(json.dumps(client.get_modality_config(), indent=2))
        elif args.cmd == "reset":
            print(json.dumps(client.reset()))
        elif args.cmd == "kill":
            client.kill_server()
            print("killed")
        elif args.cmd == "act":
            dims = dict((k, int(v)) for k, v in (kv.split("=") for kv in args.state_dims.split(",") if kv))
            obs = random_observation(client.get_modality_config(), args.batch, args.height, args.width, dims, args.seed)
            action, _ = client.get_action(obs)
            for k, v in action.items():
                print(f"{k}: {v.dtype} {list(v.shape)} min {v.min():.4g} max {v.max():.4g}")
        return 0
    except (ServerError, TimeoutError) as e:
        print(f"groot_client: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
