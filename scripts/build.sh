#!/usr/bin/env bash
# Configures and builds groot into ${GROOT_BUILD_DIR:-build} (Release, Ninja, ccache).
# Usage: scripts/build.sh [TARGET...] [CMAKE_ARG...]
#   no TARGET: everything (binary, tests, benchmarks); e.g. `scripts/build.sh groot` builds only the binary.
#   arguments starting with '-' pass through to CMake, e.g. scripts/build.sh -DGROOT_DEPS_PREFIX=/opt/debs
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${GROOT_BUILD_DIR:-build}
JOBS=${GROOT_JOBS:-$(nproc)}
TARGETS=()
CMAKE_ARGS=()
for a in "$@"; do
  case "$a" in
    -*) CMAKE_ARGS+=("$a") ;;
    *) TARGETS+=("$a") ;;
  esac
done
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "${CMAKE_ARGS[@]}"
elif [ ${#CMAKE_ARGS[@]} -gt 0 ]; then
  cmake "$BUILD" "${CMAKE_ARGS[@]}"
fi
if [ ${#TARGETS[@]} -gt 0 ]; then
  cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"
else
  cmake --build "$BUILD" -j "$JOBS"
fi
