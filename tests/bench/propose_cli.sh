#!/usr/bin/env bash
# Measures the whole `mahnwerk propose` (read 1,000,000 items of JSON, compute, write the
# proposal JSON) for wall time and peak memory. Usage: propose_cli.sh BUILD_DIR [ITEMS]
set -euo pipefail
build=${1:?usage: propose_cli.sh BUILD_DIR [ITEMS]}
items=${2:-1000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/tests/bench/generate_state" "$items" > "$work/state.json"
echo "input: $items items, $(du -m "$work/state.json" | cut -f1) MB of JSON"
# Other work on the machine slows the wall time: the load average goes with the figures, and
# user + sys CPU seconds show what the command itself needed.
for run in 1 2 3; do
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "run $run: %e s wall, %U s user, %S s sys, %M KB peak RSS" \
    "$build/connector/cli/mahnwerk" propose --input "$work/state.json" \
    --policy "$root/config/policies/standard.json" --as-of 2025-06-30 --json > "$work/proposal.json"
done
echo "output: $(du -m "$work/proposal.json" | cut -f1) MB of proposal JSON"
