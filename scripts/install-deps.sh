#!/usr/bin/env bash
# Installs every Debian 12 package mahnwerk needs to build, test and run.
# Used by both README commands and by .ci/run; safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libssl-dev rapidjson-dev libpugixml-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev libpq-dev libcli11-dev
  libzip-dev libxml2-utils  # DATEV XML write-back: ZIP packing; xmllint validates against the XSDs in tests
  libhowardhinnant-date-dev tzdata
  time
  clang libclang-rt-14-dev llvm-14  # DATEV fuzz targets (tests/fuzz/run_fuzz.sh); llvm-14: llvm-symbolizer
  python3-pandas  # the DATEV reading benchmark compares with pandas read_csv
)

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
