#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Keep what one `make bench` boot measured, in OUT_DIR: the tables
# (bench.txt), every figure (bench.csv, heap_bench.csv), the pool under
# memory pressure, and alloc_free.png, the allocation latency against the
# size for each heap (gnuplot). Prints the tables.
#
# usage: bench-report.sh RESULTS_DIR OUT_DIR
set -eu
results=$1
out=$2
log=$results/output.log

grep -q '^xbuf-bench-done rc=0$' "$log" || {
	echo "xbuf: the benchmark did not finish; see $log" >&2
	exit 1
}
mkdir -p "$out"
# Between two marker lines of the log, the markers left out.
between() {
	sed -n "/^$1\$/,/^$2\$/p" "$log" | sed '1d;$d'
}
sed -n '/^xbuf-bench: ratios/,/^xbuf-bench-csv-begin$/p' "$log" |
	sed '$d' >"$out/bench.txt"
{
	sed -n '1,/^xbuf-bench: ratios/p' "$log" | grep '^xbuf: '
	grep '^xbuf-pool ' "$log" || true
} >>"$out/bench.txt"
between xbuf-bench-csv-begin xbuf-bench-csv-end >"$out/bench.csv"
between xbuf-bench-loop-csv-begin xbuf-bench-loop-csv-end \
	>"$out/heap_bench.csv"
cp "$log" "$out/output.log"

# One data file per exporter: bytes and median of alloc_free.
plot=$out/plot
mkdir -p "$plot"
awk -F, -v dir="$plot" '$1 == "alloc_free" && $4 > 0 {
	print $3, $4 / 1000 >dir "/" $2 ".dat"
}' "$out/bench.csv"
lines=""
for f in "$plot"/*.dat; do
	name=$(basename "$f" .dat)
	[ "$name" = guest ] && name="guest memset"
	lines="$lines${lines:+, }'$f' using 1:2 with linespoints title '$name'"
done
gnuplot <<GNUPLOT
set terminal png size 900,600
set output '$out/alloc_free.png'
set title 'allocate + close a dma-buf, median of runs ($(sed -n 's/^xbuf: \([^ ,]*\),.*/\1/p' "$out/bench.txt" | head -n 1), QEMU TCG)'
set logscale xy
set xlabel 'buffer size (bytes)'
set ylabel 'latency (microseconds)'
set key top left
set grid
plot $lines
GNUPLOT
rm -r "$plot"
cat "$out/bench.txt"
echo "xbuf: benchmark results in $out (bench.txt, bench.csv, heap_bench.csv, alloc_free.png)"
