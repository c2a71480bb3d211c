#!/usr/bin/env bash
# The sync benchmark of issue 4: TENANTS tenants x ITEMS items through the jsonfile folder
# adapter, `mahnwerk sync --all` with proposals (approval auto) and write-back into the outbox
# folders, then a second, unchanged run (incremental: every inbox digest equals its cursor).
# Reports wall time, items/s and peak RSS of each run. Use a Release build.
# Usage: sync_bench.sh BUILD_DIR [TENANTS] [ITEMS] [WORK_DIR]
set -euo pipefail
build=${1:?usage: sync_bench.sh BUILD_DIR [TENANTS] [ITEMS] [WORK_DIR]}
tenants=${2:-500}
items=${3:-2000}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${4:-$(mktemp -d)}
[ -n "${4:-}" ] || trap 'rm -rf "$work"' EXIT
mahnwerk="$build/connector/cli/mahnwerk"
total=$((tenants * items))

"$build/tests/bench/generate_office" "$work/office" "$tenants" "$items" "$root/config/policies/standard.json"
echo "input: $(du -sm "$work/office" | cut -f1) MB of inbox JSON"
rm -rf "$work/state"
for run in first second; do
  /usr/bin/time -f "%e %M %U %S" -o "$work/time.$run" \
    "$mahnwerk" sync --all --config "$work/office/office.json" --state "$work/state" --as-of 2025-06-30 \
    > "$work/sync.$run.out" 2> "$work/sync.$run.err" || { tail -5 "$work/sync.$run.err"; exit 1; }
  read -r wall rss user sys < "$work/time.$run"
  rate=$(awk -v n="$total" -v s="$wall" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  # CPU time too: on a loaded machine the wall time includes waiting for a core.
  echo "$run run: $total items, $wall s wall ($cpu s CPU), $rate items/s, peak RSS $((rss / 1024)) MB"
done
lines=$(cat "$work"/office/t*/outbox/writebacks.jsonl 2>/dev/null | wc -l)
echo "write-backs: $lines lines in the outbox folders; state: $(du -m "$work/state/mahnwerk.db" | cut -f1) MB"
first=$(cut -d' ' -f1 "$work/time.first"); second=$(cut -d' ' -f1 "$work/time.second")
awk -v a="$first" -v b="$second" 'BEGIN { printf "second run is %.1fx faster\n", (b > 0 ? a / b : 0) }'
