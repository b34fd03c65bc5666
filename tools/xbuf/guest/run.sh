# SPDX-License-Identifier: GPL-2.0
# Guest job of `make run`: the demo of the main job, with xbufctl, the
# board user's command. Its exit status is non-zero when any step failed,
# a DMA job's data included.

xbufctl=/xbuf/tests/xbufctl
status=0

# Run xbufctl, show the command and its output, note a failure.
step() {
	echo
	echo "# xbufctl $*"
	"$xbufctl" "$@"
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "xbuf: xbufctl $* failed (exit status $rc)"
		status=1
	fi
}

modprobe xbuf_heap || exit 1
modprobe xbuf_dma || exit 1
modprobe vgem || echo "xbuf: vgem not available"
echo "xbuf: loaded xbuf_heap and xbuf_dma; device nodes:"
ls -l /dev/dma_heap/ /dev/xbuf_dma

step heaps
step alloc --heap xbuf --fill 0x5a --hold 0 4M
step alloc --heap xbuf-contig --fill 0xa5 --hold 0 1M

# A buffer held by another process while the figures are read; SIGTERM
# ends its hold.
echo
echo "# xbufctl alloc --heap xbuf-uncached --fill 0x3c 8M &"
"$xbufctl" alloc --heap xbuf-uncached --fill 0x3c 8M >/tmp/alloc.out 2>&1 &
pid=$!
n=0
while ! grep -q '^hold:' /tmp/alloc.out && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
cat /tmp/alloc.out
step stats
echo
echo "# kill -TERM $pid"
kill -TERM "$pid"
wait "$pid"
rc=$?
sed '1,/^hold:/d' /tmp/alloc.out
[ "$rc" = 0 ] || { echo "xbuf: the held allocation failed ($rc)"; status=1; }

step dma-test --op all --src heap:xbuf --dst heap:xbuf-contig
if [ -e /dev/dma_heap/system ]; then
	step dma-test --op all --src heap:system --dst heap:xbuf
else
	echo
	echo "xbuf: no system heap in this kernel: no system -> xbuf test"
fi
if [ -d /sys/module/vgem ]; then
	step dma-test --op all --src vgem --dst heap:xbuf
else
	echo
	echo "xbuf: vgem not loaded: no vgem -> xbuf test"
fi
step stats

echo
if [ "$status" = 0 ]; then
	echo "xbuf demo: heaps, allocations and every DMA job verified"
else
	echo "xbuf demo: FAILED"
fi
exit "$status"
