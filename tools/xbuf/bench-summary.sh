#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The targets of the performance work, boot by boot, from what
# bench-report.sh kept of each `make bench` boot (OUT_DIR/boot-N):
# figures and ratios, with "met" or "not met" against each target.
# Written to OUT_DIR/targets.txt and printed.
#
# usage: bench-summary.sh OUT_DIR
set -eu
out=$1

for boot in "$out"/boot-*; do
	echo "== $(basename "$boot")"
	awk -F, '
	FNR == 1 { file++; next }
	file == 1 { med[$1, $2, $3] = $4; p99[$1, $2, $3] = $5 }
	file == 2 { lp50[$1, $2] = $5; lp99[$1, $2] = $6; two[$1, $2] = $7 }
	function verdict(ok) { return ok ? "met" : "NOT met" }
	function ratio(a, b) { return (a > 0 && b > 0) ? a / b : -1 }
	END {
		M = 1048576
		for (i = 1; i <= 2; i++) {
			sz = i == 1 ? 64 * M : 256 * M
			r = ratio(med["mmap_life", "system", sz],
				  med["mmap_life", "xbuf", sz])
			q = ratio(p99["mmap_life", "system", sz],
				  p99["mmap_life", "xbuf", sz])
			printf "mmap+touch+munmap %3d MiB: %.2fx faster than system (p99 %.2fx), target 2x: %s\n",
			       sz / M, r, q, verdict(r >= 2)
		}
		sz = 256 * M
		r = ratio(med["mmap_only", "xbuf", sz], med["mmap_only", "system", sz])
		q = ratio(p99["mmap_only", "xbuf", sz], p99["mmap_only", "system", sz])
		printf "mmap untouched    256 MiB: %.4f of system (p99 %.4f), target 0.05: %s\n",
		       r, q, verdict(r >= 0 && r <= 0.05)
		sz = 64 * M
		r = ratio(med["copy", "guest", sz], med["copy", "xbuf", sz])
		q = ratio(p99["copy", "guest", sz], p99["copy", "xbuf", sz])
		printf "loopback copy      64 MiB: %.2fx the guest memcpy bandwidth (p99 %.2fx), target 0.8x: %s\n",
		       r, q, verdict(r >= 0.8)
		split("4096 1048576 67108864", lsz, " ")
		for (i = 1; i <= 3; i++) {
			sz = lsz[i]
			label = sz >= M ? (sz / M) " MiB" : (sz / 1024) " KiB"
			r = ratio(p99["alloc_free", "xbuf", sz],
				  med["alloc_free", "xbuf", sz])
			printf "alloc_free xbuf %7s, warm pool: p99 %.2fx p50, target 3x: %s\n",
			       label, r, verdict(r >= 0 && r <= 3)
			r = ratio(lp99["xbuf", sz], lp50["xbuf", sz])
			printf "heap_bench xbuf %7s, back to back: p99 %.2fx p50 (system %.2fx), target 3x: %s\n",
			       label, r, ratio(lp99["system", sz], lp50["system", sz]),
			       verdict(r >= 0 && r <= 3)
			printf "heap_bench xbuf %7s: two threads %.2fx one (system %.2fx), target 1.6x: %s\n",
			       label, two["xbuf", sz], two["system", sz],
			       verdict(two["xbuf", sz] >= 1.6)
		}
	}' "$boot/bench.csv" "$boot/heap_bench.csv"
done | tee "$out/targets.txt"
