#!/usr/bin/env bash
# Configures and builds groot into ${GROOT_BUILD_DIR:-build} (Release, Ninja, ccache).
# Extra CMake arguments pass through, e.g. scripts/build.sh -DGROOT_DEPS_PREFIX=/opt/debs
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${GROOT_BUILD_DIR:-build}
JOBS=${GROOT_JOBS:-$(nproc)}
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
elif [ $# -gt 0 ]; then
  cmake "$BUILD" "$@"
fi
cmake --build "$BUILD" -j "$JOBS"
