#!/usr/bin/env bash
# The main job on the bundled DATEV example Mandant "Holzwerk Berger GmbH" (config/examples/datev/:
# 300 debtors, 3,000 invoices of 2025 H1 as DATEV EXTF files, office.json): installs the Debian
# packages, builds mahnwerk, then as of 2025-06-30
#   1. imports the DATEV exports of the tenant's inbox through the DATEV folder adapter,
#   2. computes the Mahnvorschlag under the standard policy,
#   3. writes one letter per notice (HTML and text) to out/datev/letters/,
#   4. writes the fees and interest back as an EXTF Buchungsstapel to out/datev/outbox/ for DATEV,
# and prints a summary. A second write-back shows that nothing is ever posted twice.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh  # apt-get update, then apt-get install -y of every package the build needs

cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target mahnwerk
mahnwerk=./build/release/connector/cli/mahnwerk
office=config/examples/datev/office.json
tenant=holzwerk-berger
as_of=2025-06-30
policy=config/policies/standard.json
out=out/datev
rm -rf "$out"  # a fresh run; the tenant's outbox and archive live there (office.json)
mkdir -p "$out"

echo "== 1. Import: DATEV exports (EXTF Buchungsstapel + Debitoren/Kreditoren) through the folder adapter"
"$mahnwerk" datev import --config "$office" --tenant "$tenant" \
  --history config/examples/datev/history.json --out "$out/state.json"
echo
echo "== 2. Mahnvorschlag as of $as_of (the whole proposal: $out/proposal.txt)"
"$mahnwerk" propose --input "$out/state.json" --policy "$policy" --as-of "$as_of" >"$out/proposal.txt"
head -n 1 "$out/proposal.txt"
sed -n '2,12p' "$out/proposal.txt"
echo "  ..."
echo
echo "== 3. Letters"
"$mahnwerk" letters --input "$out/state.json" --policy "$policy" --as-of "$as_of" --out "$out/letters" \
  | tail -n 1
echo
echo "== 4. EXTF write-back of the fees (Sachverhalt 40) and interest (Sachverhalt 31) for DATEV"
"$mahnwerk" datev writeback --config "$office" --tenant "$tenant" --input "$out/state.json" --as-of "$as_of"
echo
echo "== The same write-back once more: every posting is in the outbox already, nothing is written twice"
"$mahnwerk" datev writeback --config "$office" --tenant "$tenant" --input "$out/state.json" --as-of "$as_of" \
  | sed -n '1,2p'
echo
echo "== Summary"
extf=$(ls "$out"/outbox/EXTF_*.csv)
echo "  DATEV import file: $extf ($(($(wc -l <"$extf") - 2)) postings, Windows-1252, CRLF)"
echo "  letters:           $out/letters/ ($(ls "$out/letters" | grep -c '\.html$') HTML + text)"
echo "  proposal:          $out/proposal.txt"
echo "  inbox archive:     $out/archive/ ($(ls "$out/archive" | wc -l) files)"
