#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Add up the summaries of every boot under RESULTS and print the closing
# line. Exits non-zero if any boot failed or none ran.
#
# usage: summary.sh RESULTS
set -u
pass=0 fail=0 skip=0 boots=0
for s in "$1"/*/summary; do
	[ -f "$s" ] || continue
	read -r p f k <"$s"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	boots=$((boots + 1))
done
[ "$boots" -gt 0 ] || fail=$((fail + 1))
echo "boots: $boots"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
