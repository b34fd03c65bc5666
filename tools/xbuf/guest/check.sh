# SPDX-License-Identifier: GPL-2.0
# Guest job of `make check`: load xbuf and the third-party importers, run
# every kselftest binary, and mark where each begins and ends.

modprobe xbuf_heap || exit 1
modprobe vgem || echo "xbuf: vgem not available"
# Two vivid instances with only a capture node each: vivid-000 allocates
# with vmalloc (vmaps imported buffers), vivid-001 with dma-contig.
modprobe vivid n_devs=2 allocators=0,1 node_types=0x1,0x1 ||
	echo "xbuf: vivid not available"

for t in /xbuf/tests/*_test; do
	name=${t##*/}
	echo "xbuf-test-begin $name"
	"$t"
	echo "xbuf-test-end $name rc=$?"
done
# The heap module test runs last, but runs in the loop above in name order:
# xbuf_module_test sorts after the others.
