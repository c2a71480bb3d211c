#!/usr/bin/env bash
# Builds the libFuzzer targets of the DATEV readers with clang (libFuzzer + ASan + UBSan) and runs
# each for SECONDS (default 30) through CTest: no crash, no leak, no input over the memory limit.
# usage: tests/fuzz/run_fuzz.sh [SECONDS]   (build folder: $FUZZ_BUILD_DIR, default build/fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
build=${FUZZ_BUILD_DIR:-build/fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMAHNWERK_BUILD_FUZZ=ON -DMAHNWERK_BUILD_BENCH=OFF -DMAHNWERK_FUZZ_SECONDS="$seconds" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
cmake --build "$build" --target fuzz_extf_reader fuzz_xml_reader -j "$(nproc)"
ctest --test-dir "$build" -R '^fuzz\.' --output-on-failure --no-tests=error
