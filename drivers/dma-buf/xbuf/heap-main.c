// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf_heap: dma-buf heaps at /dev/dma_heap/xbuf, xbuf-contig and
 * xbuf-uncached, speaking the upstream dma-heap ABI.
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include "compat.h"
#include "heap.h"

static struct xbuf_heap xbuf_heaps[] = {
	{ .name = "xbuf", .ops = &xbuf_sg_heap_ops },
	{ .name = "xbuf-contig", .ops = &xbuf_contig_heap_ops },
	{ .name = "xbuf-uncached", .ops = &xbuf_sg_heap_ops,
	  .write_combine = true },
};

/* A DMA-capable device of the module's own, for cache maintenance. */
static struct platform_device *xbuf_heap_pdev;

static int xbuf_heap_dma_dev_create(void)
{
	struct device *dev;
	int ret;

	xbuf_heap_pdev = platform_device_register_simple("xbuf-heap",
							 PLATFORM_DEVID_NONE,
							 NULL, 0);
	if (IS_ERR(xbuf_heap_pdev))
		return PTR_ERR(xbuf_heap_pdev);
	dev = &xbuf_heap_pdev->dev;
	ret = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (!ret)
		ret = xbuf_dma_set_max_seg_size(dev, UINT_MAX);
	if (ret)
		platform_device_unregister(xbuf_heap_pdev);
	return ret;
}

static void xbuf_unregister_first(unsigned int count)
{
	while (count--)
		xbuf_heap_unregister(&xbuf_heaps[count]);
}

static void xbuf_heap_teardown(void)
{
	platform_device_unregister(xbuf_heap_pdev);
	xbuf_pool_exit();
}

/*
 * Register every heap. Device nodes of our own are undone on the first
 * failure. Heaps added to the dma-heap framework can never be removed, so
 * once one is in, the state behind it must stay: a later failure only
 * leaves that heap out.
 */
static int xbuf_heap_register_all(void)
{
	unsigned int i, registered = 0;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(xbuf_heaps); i++) {
		xbuf_heaps[i].dma_dev = &xbuf_heap_pdev->dev;
		ret = xbuf_heap_register(&xbuf_heaps[i]);
		if (!ret) {
			registered++;
			continue;
		}
		pr_err("xbuf: cannot register heap %s: %d\n",
		       xbuf_heaps[i].name, ret);
		if (xbuf_heap_removable()) {
			xbuf_unregister_first(i);
			return ret;
		}
	}
	return registered ? 0 : ret;
}

static int __init xbuf_heap_init(void)
{
	int ret;

	ret = xbuf_pool_init();
	if (ret)
		return ret;
	ret = xbuf_heap_dma_dev_create();
	if (ret) {
		xbuf_pool_exit();
		return ret;
	}
	/* Before the nodes: a heap the framework has can never be removed. */
	ret = xbuf_sysfs_init(xbuf_heaps, ARRAY_SIZE(xbuf_heaps));
	if (ret) {
		xbuf_heap_teardown();
		return ret;
	}
	ret = xbuf_heap_register_all();
	if (ret) {
		xbuf_sysfs_exit(xbuf_heaps, ARRAY_SIZE(xbuf_heaps));
		xbuf_heap_teardown();
		return ret;
	}
	pr_info("xbuf: heaps registered (%s nodes)\n", xbuf_heap_registration());
	xbuf_debugfs_init(xbuf_heaps, ARRAY_SIZE(xbuf_heaps));
	return 0;
}

static void __exit xbuf_heap_exit(void)
{
	xbuf_debugfs_exit();
	xbuf_unregister_first(ARRAY_SIZE(xbuf_heaps));
	xbuf_sysfs_exit(xbuf_heaps, ARRAY_SIZE(xbuf_heaps));
	xbuf_heap_teardown();
}

module_init(xbuf_heap_init);
module_exit(xbuf_heap_exit);

MODULE_DESCRIPTION("xbuf dma-buf heaps: scatter-gather, contiguous and write-combine");
MODULE_LICENSE("GPL");
XBUF_IMPORT_DMA_BUF_NS();
