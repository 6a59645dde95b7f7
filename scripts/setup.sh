#!/usr/bin/env bash
# Installs the Debian 12 packages groot.cpp needs (idempotent; apt-get only). Safe to re-run:
# it only calls apt-get when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev                      # LibTorch 1.13 (CPU) for CI / CPU builds
  libhdf5-dev                       # Isaac Lab HDF5 input
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libdav1d-dev   # video (optional)
  nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev   # policy server (optional)
  libcairo2-dev                     # groot eval trajectory PNG plots (optional)
  python3-zmq python3-msgpack python3-numpy   # tools/groot_client.py (the serve tests use it)
  libsnappy-dev libzstd-dev zlib1g-dev libdeflate-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} Debian packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
