#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the Debian packages, builds with warnings as
# errors, runs every test, then builds and runs the tests again under ASan + UBSan.
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
