#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Keep what a `make bench` boot measured: the tables (bench.txt), every
# figure (bench.csv) and the pool under memory pressure, in a directory
# named after the time of the run; print the tables and where they are.
#
# usage: bench-report.sh RESULTS_DIR OUT_DIR
set -eu
results=$1
out=$2/$(date +%Y%m%d-%H%M%S)
log=$results/output.log

grep -q '^xbuf-bench-done rc=0$' "$log" || {
	echo "xbuf: the benchmark did not finish; see $log" >&2
	exit 1
}
mkdir -p "$out"
sed -n '/^xbuf-bench: ratios/,/^xbuf-bench-csv-begin$/p' "$log" |
	sed '$d' >"$out/bench.txt"
{
	sed -n '1,/^xbuf-bench: ratios/p' "$log" | grep '^xbuf: '
	grep '^xbuf-pool ' "$log" || true
} >>"$out/bench.txt"
sed -n '/^xbuf-bench-csv-begin$/,/^xbuf-bench-csv-end$/p' "$log" |
	sed '1d;$d' >"$out/bench.csv"
cp "$log" "$out/output.log"
cat "$out/bench.txt"
echo "xbuf: benchmark results in $out (bench.txt, bench.csv)"
