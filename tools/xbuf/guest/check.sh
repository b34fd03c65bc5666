# SPDX-License-Identifier: GPL-2.0
# Guest job of `make check`: load xbuf and the third-party importers, run
# every kselftest binary (marking where each begins and ends), and report
# the DMA engine and what it moved during the tests.

modprobe xbuf_heap || exit 1
modprobe xbuf_dma || exit 1
modprobe vgem || echo "xbuf: vgem not available"
# Two vivid instances with only a capture node each: vivid-000 allocates
# with vmalloc (vmaps imported buffers), vivid-001 with dma-contig.
modprobe vivid n_devs=2 allocators=0,1 node_types=0x1,0x1 ||
	echo "xbuf: vivid not available"

stats=/sys/kernel/debug/xbuf_dma/engine
sed 's/^/xbuf: /' "$stats"

# xbuf_module_test reloads the modules: it runs last, after the engine's
# figures are taken.
for t in xbuf_heap_test xbuf_import_test xbuf_dma_test xbuf_module_test; do
	[ "$t" = xbuf_module_test ] && cp "$stats" /tmp/engine-stats
	echo "xbuf-test-begin $t"
	"/xbuf/tests/$t"
	echo "xbuf-test-end $t rc=$?"
done

awk '/^(engine|jobs|errors|bytes|busy_ns):/ { v[$1] = $2 }
     END { printf "xbuf-engine %s: %d jobs (%d failed), %d bytes in %.3f s busy",
		  v["engine:"], v["jobs:"], v["errors:"], v["bytes:"],
		  v["busy_ns:"] / 1e9
	   if (v["busy_ns:"] > 0)
		printf ", %.2f MB/s", v["bytes:"] * 1e3 / v["busy_ns:"]
	   printf "\n" }' /tmp/engine-stats
