# SPDX-License-Identifier: GPL-2.0
# Guest job of `make run`: the demo of the main job. Its exit status is
# the demo's.

modprobe xbuf_heap || exit 1
modprobe xbuf_dma || exit 1
echo "xbuf: loaded xbuf_heap and xbuf_dma; device nodes:"
ls -l /dev/dma_heap/ /dev/xbuf_dma
/xbuf/tests/xbuf-demo
