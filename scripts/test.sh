#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the Debian packages, builds with warnings as
# errors, runs every test, then builds and runs the tests again under ASan + UBSan, then fuzzes
# the DATEV readers for a bounded time (tests/fuzz/run_fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh  # apt-get update, then apt-get install -y of every package the build needs

jobs=$(nproc)
for preset in ci asan; do
  echo "== ${preset}: configure, build, test"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}" -j "${jobs}"
  ctest --preset "${preset}" --output-on-failure --no-tests=error -j "${jobs}"
done

# The DATEV readers' libFuzzer targets (clang, libFuzzer + ASan + UBSan): only the datev library,
# its dependencies and the two targets are built (build/fuzz); each runs FUZZ_SECONDS (default 60).
echo "== fuzz: DATEV readers, ${FUZZ_SECONDS:-60} s per target"
tests/fuzz/run_fuzz.sh "${FUZZ_SECONDS:-60}"
