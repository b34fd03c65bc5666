#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Judge one VM boot from its results directory: the guest job finished
# (which on a debug kernel includes no kmemleak report and no DMA-API
# error), each KTAP program exited with pass (0) or skip (4) and reported
# its totals, each plain program exited 0, and the kernel log has no line
# matching splat-patterns. Writes RESULTS/summary
# as "pass fail skip" (a finished, clean boot is one more pass; anything
# else one more failure) and exits non-zero on any failure.
#
# usage: check.sh RESULTS_DIR
set -u
results=$1
out=$results/output.log
log=$results/console.log
bad=0

pass=0 fail=0 skip=0
# The KTAP totals of xbuf's programs: between their begin and end marks
# (a plain program, judged by its exit status, may print KTAP too).
sed -n '/^xbuf-test-begin /,/^xbuf-test-end /p' "$out" >"$results/.ktap"
for f in $(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) xfail:[0-9]* xpass:[0-9]* skip:\([0-9]*\) error:\([0-9]*\).*/\1,\2,\3,\4/p' "$results/.ktap"); do
	IFS=, read -r p fl s e <<-END
	$f
	END
	pass=$((pass + p)) fail=$((fail + fl + e)) skip=$((skip + s))
done

begun=$(grep -c '^xbuf-test-begin ' "$out")
ended=$(grep -c '^xbuf-test-end ' "$out")
totals=$(grep -c '^# Totals: ' "$results/.ktap")
rm -f "$results/.ktap"
if [ "$begun" != "$ended" ] || [ "$begun" != "$totals" ]; then
	echo "xbuf: $results: $begun programs started, $ended ended, $totals reported totals"
	bad=1
fi
# Programs without KTAP output count as one test, judged by exit status.
prog_begun=$(grep -c '^xbuf-prog-begin ' "$out")
prog_pass=$(grep -c '^xbuf-prog-end .* rc=0$' "$out")
prog_fail=$(grep '^xbuf-prog-end ' "$out" | grep -vc ' rc=0$')
pass=$((pass + prog_pass)) fail=$((fail + prog_fail))
if [ "$prog_fail" != 0 ] || [ "$prog_begun" != $((prog_pass + prog_fail)) ]; then
	grep '^xbuf-prog-end ' "$out" | grep -v ' rc=0$' | sed 's/^/xbuf: failed: /'
	bad=1
fi
if grep '^xbuf-test-end ' "$out" | grep -qv ' rc=[04]$'; then
	grep '^xbuf-test-end ' "$out" | grep -v ' rc=[04]$' | sed 's/^/xbuf: failed: /'
	bad=1
fi
if ! grep -q '^xbuf-guest-done rc=0$' "$out"; then
	echo "xbuf: $results: guest job did not finish cleanly: $(grep '^xbuf-guest-done' "$out" || echo 'no exit status (crash or timeout)')"
	bad=1
fi
if grep -Ev '^(#|$)' "$(dirname "$0")/splat-patterns" >"$results/.patterns" &&
   grep -Ef "$results/.patterns" "$log" >"$results/splats.log"; then
	echo "xbuf: $results: kernel splats:"
	head -n 20 "$results/splats.log"
	bad=1
fi
rm -f "$results/.patterns"
[ -s "$results/splats.log" ] || rm -f "$results/splats.log"

if [ "$bad" = 0 ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
fi
echo "$pass $fail $skip" >"$results/summary"
grep '^not ok ' "$out" | sed 's/^/xbuf: /'
echo "xbuf: $results: $pass passed, $fail failed, $skip skipped"
exit "$bad"
