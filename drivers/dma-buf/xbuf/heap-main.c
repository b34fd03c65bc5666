// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf_heap: dma-buf heaps at /dev/dma_heap/xbuf, xbuf-contig and
 * xbuf-uncached, speaking the upstream dma-heap ABI.
 */

#include <linux/kernel.h>
#include <linux/module.h>

#include "compat.h"
#include "heap.h"

static struct xbuf_heap xbuf_heaps[] = {
	{ .name = "xbuf", .ops = &xbuf_sg_heap_ops },
	{ .name = "xbuf-contig", .ops = &xbuf_contig_heap_ops },
	{ .name = "xbuf-uncached", .ops = &xbuf_sg_heap_ops,
	  .write_combine = true },
};

static void xbuf_unregister_first(unsigned int count)
{
	while (count--)
		xbuf_heap_unregister(&xbuf_heaps[count]);
}

static int __init xbuf_heap_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(xbuf_heaps); i++) {
		ret = xbuf_heap_register(&xbuf_heaps[i]);
		if (ret) {
			pr_err("xbuf: cannot register heap %s: %d\n",
			       xbuf_heaps[i].name, ret);
			xbuf_unregister_first(i);
			return ret;
		}
	}
	xbuf_debugfs_init(xbuf_heaps, ARRAY_SIZE(xbuf_heaps));
	return 0;
}

static void __exit xbuf_heap_exit(void)
{
	xbuf_debugfs_exit();
	xbuf_unregister_first(ARRAY_SIZE(xbuf_heaps));
}

module_init(xbuf_heap_init);
module_exit(xbuf_heap_exit);

MODULE_DESCRIPTION("xbuf dma-buf heaps: scatter-gather, contiguous and write-combine");
MODULE_LICENSE("GPL");
XBUF_IMPORT_DMA_BUF_NS();
