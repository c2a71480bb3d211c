#!/usr/bin/env bash
# The main job on the bundled example: installs the Debian packages, builds mahnwerk and
# computes every example item's claim under German law as of 2025-06-30.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target mahnwerk
./build/release/connector/cli/mahnwerk claim --input config/examples/claims.json --as-of 2025-06-30
