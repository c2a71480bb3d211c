#!/usr/bin/env bash
# Reproduces the DATEV reading figures of the README: generates a Buchungsstapel of SIZE_MB MiB
# (default 1024; not committed), then measures in one run, each pass in its own process under
# /usr/bin/time (wall time, peak RSS):
#   1. the machine's limit for the file: one pass that only counts line ends (read() + count);
#   2. mahnwerk's reader: every record parsed, open items derived (adapters/datev read_files);
#   3. pandas read_csv (Debian python3-pandas; sep=';', encoding='cp1252', decimal=','), in chunks
#      of 200,000 rows so its memory stays bounded too (the parsing work is the same);
#   4. the reader again on a quarter of the file: its memory must not grow with the file size.
# The page cache is warmed first (the file is read once); the machine's load is printed with the
# figures, because the machine may be shared.
# usage: tests/bench/datev_read_bench.sh   (env: SIZE_MB, BUILD=build/release, DATA_DIR=$BUILD/bench-data)
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mb=${SIZE_MB:-1024}
build=${BUILD:-build/release}
data=${DATA_DIR:-$build/bench-data}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target generate_datev_stapel datev_read_bench >/dev/null
gen="$build/tests/bench/generate_datev_stapel"
bench="$build/tests/bench/datev_read_bench"
mkdir -p "$data"
file="$data/EXTF_Buchungsstapel_${size_mb}MB.csv"
small="$data/EXTF_Buchungsstapel_$((size_mb / 4))MB.csv"
[ -f "$file" ] || "$gen" "$file" "$size_mb"
[ -f "$small" ] || "$gen" "$small" "$((size_mb / 4))"

cat "$file" >/dev/null  # warm the page cache: every pass reads from memory
timed() {  # prints "<seconds> <peak RSS MB>" of the command, its own output to stderr
  local t
  t=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$t" "$@" >&2
  awk '{printf "%s %.0f\n", $1, $2 / 1024}' "$t"
  rm -f "$t"
}
pandas_script=$(mktemp --suffix=.py)
trap 'rm -f "$pandas_script"' EXIT
cat >"$pandas_script" <<'EOF'
import sys, time
import pandas as pd
start = time.time()
rows = 0
for chunk in pd.read_csv(sys.argv[1], sep=';', encoding='cp1252', decimal=',', skiprows=1, header=0,
                         chunksize=200000, low_memory=False):
    rows += len(chunk)
print(f"pandas {rows} rows {time.time() - start:.3f} s")
EOF

bytes=$(stat -c %s "$file")
echo "file: $file ($bytes bytes), load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
read -r lines_s lines_mb < <(timed "$bench" lines "$file")
read -r read_s read_mb < <(timed "$bench" read "$file")
read -r small_s small_mb < <(timed "$bench" read "$small")
read -r pandas_s pandas_mb < <(timed /usr/bin/python3 "$pandas_script" "$file")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v b="$bytes" -v ls="$lines_s" -v lm="$lines_mb" -v rs="$read_s" -v rm="$read_mb" -v ps="$pandas_s" \
    -v pm="$pandas_mb" -v ss="$small_s" -v sm="$small_mb" 'BEGIN {
  printf "line-count pass : %7.2f s  %6.0f MB/s  peak %5d MB\n", ls, b / 1e6 / ls, lm
  printf "mahnwerk reader : %7.2f s  %6.0f MB/s  peak %5d MB  (%.0f %% of the line-count pass)\n", rs, b / 1e6 / rs, rm, 100 * ls / rs
  printf "pandas read_csv : %7.2f s  %6.0f MB/s  peak %5d MB  (reader is %.1fx faster)\n", ps, b / 1e6 / ps, pm, ps / rs
  printf "reader, 1/4 file: %7.2f s  peak %5d MB (memory grows with the open items, not the file)\n", ss, sm
}'
