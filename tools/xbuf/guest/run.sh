# SPDX-License-Identifier: GPL-2.0
# Guest job of `make run`: the demo of the main job. Its exit status is
# the demo's.

modprobe xbuf_heap || exit 1
echo "xbuf: loaded xbuf_heap; heap nodes:"
ls -l /dev/dma_heap/
/xbuf/tests/xbuf-demo
