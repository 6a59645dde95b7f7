#!/usr/bin/env bash
# Builds groot with CUDA on a machine that has PyTorch (LibTorch 2.x + CUDA) but few Debian -dev
# packages and no network (e.g. the GPU machine). The missing small libraries travel as .deb files
# downloaded on a connected Debian 12 machine:
#
#   mkdir -p .debs && (cd .debs && apt-get download libsnappy-dev libsnappy1v5 libyaml-cpp-dev \
#       libyaml-cpp0.7 libzmq3-dev libzmq5 cppzmq-dev libmsgpack-cxx-dev libsodium23 libpgm-5.3-0 \
#       libnorm1 libbsd0 libmd0 libdeflate-dev libdeflate0)
#
# and are unpacked here with `dpkg -x` into a private prefix (never into /). FFmpeg is not carried
# (its library closure is ~55 MB): this build has no video support and says so.
# Usage: scripts/gpu_build.sh [DEBS_DIR] [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
DEBS=${1:-.debs}
shift || true
PREFIX=${GROOT_DEPS_PREFIX:-/tmp/groot-deps}
mkdir -p "$PREFIX"
for f in "$DEBS"/*.deb; do dpkg -x "$f" "$PREFIX"; done
export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
BUILD=${GROOT_BUILD_DIR:-build-cuda}
# Architecture list for any CUDA sources compiled by Torch's CMake helpers (Hopper by default).
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGROOT_DEPS_PREFIX="$PREFIX" \
  -DCMAKE_BUILD_RPATH="$PREFIX/usr/lib/x86_64-linux-gnu" "$@"
cmake --build "$BUILD" -j "$(nproc)"
echo "built: $BUILD/groot   (run with LD_LIBRARY_PATH=$PREFIX/usr/lib/x86_64-linux-gnu)"
