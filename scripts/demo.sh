#!/usr/bin/env bash
# The main job on the bundled example Mandant (config/examples/mandant.json): installs the
# Debian packages, builds mahnwerk, then as of 2025-06-30 prints the Mahnvorschlag under the
# standard policy and writes the letters (HTML and text) to out/letters/; first the claim
# table: what every debtor owes under German law on that day.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh  # apt-get update, then apt-get install -y of every package the build needs

cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target mahnwerk
mahnwerk=./build/release/connector/cli/mahnwerk
example=config/examples/mandant.json
policy=config/policies/standard.json

echo "== Claims under German law (Verzug, interest, € 40, payments, limitation)"
"$mahnwerk" claim --input "$example" --as-of 2025-06-30
echo
echo "== Mahnvorschlag"
"$mahnwerk" propose --input "$example" --policy "$policy" --as-of 2025-06-30
echo
echo "== Letters"
"$mahnwerk" letters --input "$example" --policy "$policy" --as-of 2025-06-30 --out out/letters
