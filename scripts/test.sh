#!/usr/bin/env bash
# The whole test suite from zero: install packages, build, run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD=${GROOT_BUILD_DIR:-build}
cd "$BUILD"
ctest --output-on-failure -j "${GROOT_TEST_JOBS:-2}" --timeout 1500
