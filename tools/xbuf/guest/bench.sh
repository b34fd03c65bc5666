# SPDX-License-Identifier: GPL-2.0
# Guest job of `make bench` on the perf kernel: the benchmark, then the
# page pool under memory pressure.

pool=/sys/kernel/debug/xbuf/pool

show_pool() {
	echo "xbuf-pool $1: $(tr '\n' ' ' <"$pool")"
}

[ -d /sys/module/xbuf_heap ] || modprobe xbuf_heap || exit 1
# The loopback device reaches all memory: no bounce buffers in the way.
modprobe xbuf_dma engine=loopback loopback_dma_bits=64 || exit 1
echo "xbuf: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs," \
	"$(sed -n 's/^MemTotal: *//p' /proc/meminfo) memory"
ls /dev/dma_heap

# QEMU backs guest memory on first touch, which makes whoever first uses a
# page pay for the host's page fault. Touch (nearly) all of it once, so
# that no exporter gets the cost, then give it back.
total_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
mount -o remount,size=100% /tmp
dd if=/dev/zero of=/tmp/prefault bs=1M count=$((total_kb * 8 / 10 / 1024)) \
	2>/dev/null
rm -f /tmp/prefault

/xbuf/tests/xbuf-bench
rc=$?
echo "xbuf-bench-done rc=$rc"
[ "$rc" = 0 ] || exit "$rc"
[ -r "$pool" ] || exit 0

# Fill the pool with one large buffer, then let tmpfs take all free memory
# but 8 MiB, below the low watermark: reclaim has nothing to take but what
# the shrinkers give, the pool's among them.
/xbuf/tests/xbuf-bench --fill-pool || exit 1
sleep 1
show_pool "before memory pressure"
free_kb=$(sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo)
dd if=/dev/zero of=/tmp/pressure bs=1M count=$((free_kb / 1024 - 8)) \
	2>/dev/null
show_pool "under memory pressure"
rm -f /tmp/pressure
