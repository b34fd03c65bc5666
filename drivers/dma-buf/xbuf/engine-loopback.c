// SPDX-License-Identifier: GPL-2.0
/*
 * The loopback engine: a software bus master for machines without a DMA
 * engine. It is a platform device with a DMA mask of its own, so buffers
 * are attached and mapped for it like for real hardware, and it performs
 * each transfer by accessing the memory its DMA addresses designate.
 *
 * That treats DMA addresses as physical addresses, which only holds under
 * direct mapping without bus offsets: behind an IOMMU, or with a DMA range
 * map, the engine refuses to start. Under swiotlb the addresses designate
 * the bounce buffers, so a missing dma_sync_*() shows up as wrong data,
 * as it would on hardware.
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include "compat.h"
#include "dma.h"

static unsigned int loopback_dma_bits = 32;
module_param(loopback_dma_bits, uint, 0444);
MODULE_PARM_DESC(loopback_dma_bits,
		 "DMA mask width of the loopback engine's device (12-64, default 32)");

/*
 * Pages whose virtual page numbers agree in these bits share a set of a
 * TLB indexed by them. The chunks of the scatter-gather heaps are 2 MiB
 * aligned, so page k of one buffer and page k of another always agree:
 * in QEMU TCG's software TLB, direct-mapped with 64 entries or more, a
 * copy between them evicted one page for the other on every access and
 * ran three times slower, in spells that lasted as long as the TLB kept
 * its size.
 */
#define XBUF_LOOPBACK_ALIAS_MASK	63UL

struct xbuf_loopback {
	struct xbuf_engine engine;
	struct platform_device *pdev;
};

static bool xbuf_loopback_alias(const void *a, const void *b)
{
	return !((((unsigned long)a ^ (unsigned long)b) >> PAGE_SHIFT) &
		 XBUF_LOOPBACK_ALIAS_MASK);
}

/*
 * Copy 64 bytes as eight loads into registers, then eight stores: named
 * variables, since the compiler bounces an array through the stack.
 */
static void xbuf_loopback_copy64(void *d, const void *s)
{
	u64 w0, w1, w2, w3, w4, w5, w6, w7;

	memcpy(&w0, s, 8);
	memcpy(&w1, s + 8, 8);
	memcpy(&w2, s + 16, 8);
	memcpy(&w3, s + 24, 8);
	memcpy(&w4, s + 32, 8);
	memcpy(&w5, s + 40, 8);
	memcpy(&w6, s + 48, 8);
	memcpy(&w7, s + 56, 8);
	memcpy(d, &w0, 8);
	memcpy(d + 8, &w1, 8);
	memcpy(d + 16, &w2, 8);
	memcpy(d + 24, &w3, 8);
	memcpy(d + 32, &w4, 8);
	memcpy(d + 40, &w5, 8);
	memcpy(d + 48, &w6, 8);
	memcpy(d + 56, &w7, 8);
}

/*
 * Copy @len bytes within one page of each side. Between aliasing pages,
 * 64 bytes of loads, then 64 bytes of stores, so that the two pages take
 * turns in their TLB set once per 64 bytes rather than on every access
 * (memcpy() alternates loads and stores).
 */
static void xbuf_loopback_memcpy(void *d, const void *s, size_t len)
{
	if (xbuf_loopback_alias(d, s)) {
		for (; len >= 64; len -= 64, d += 64, s += 64)
			xbuf_loopback_copy64(d, s);
	}
	memcpy(d, s, len);
}

/* Copy within one page of each side through temporary kernel mappings. */
static int xbuf_loopback_copy_page(phys_addr_t dst, phys_addr_t src,
				   size_t len)
{
	void *d, *s;

	if (!pfn_valid(PHYS_PFN(dst)) || !pfn_valid(PHYS_PFN(src)))
		return -EFAULT;
	d = kmap_local_page(pfn_to_page(PHYS_PFN(dst)));
	s = kmap_local_page(pfn_to_page(PHYS_PFN(src)));
	xbuf_loopback_memcpy(d + offset_in_page(dst), s + offset_in_page(src),
			     len);
	kunmap_local(s);
	kunmap_local(d);
	return 0;
}

static int xbuf_loopback_copy(struct xbuf_engine *engine, dma_addr_t dst,
			      dma_addr_t src, size_t len)
{
	while (len) {
		size_t n = min3(len, PAGE_SIZE - offset_in_page(dst),
				PAGE_SIZE - offset_in_page(src));
		int ret;

		ret = xbuf_loopback_copy_page(dst, src, n);
		if (ret)
			return ret;
		dst += n;
		src += n;
		len -= n;
	}
	return 0;
}

static void xbuf_loopback_destroy(struct xbuf_engine *engine)
{
	struct xbuf_loopback *lb = container_of(engine, struct xbuf_loopback,
						engine);

	platform_device_unregister(lb->pdev);
	kfree(lb);
}

static const struct xbuf_engine_ops xbuf_loopback_ops = {
	.copy = xbuf_loopback_copy,
	.destroy = xbuf_loopback_destroy,
};

/* DMA addresses must be physical addresses for the engine to work. */
static int xbuf_loopback_check_direct(struct device *dev)
{
	if (device_iommu_mapped(dev)) {
		dev_err(dev, "behind an IOMMU: DMA addresses are not physical, loopback cannot run\n");
		return -ENODEV;
	}
	if (dev->dma_range_map) {
		dev_err(dev, "DMA addresses are offset from physical ones, loopback cannot run\n");
		return -ENODEV;
	}
	return 0;
}

/**
 * xbuf_loopback_create() - create the loopback engine and its device
 *
 * Return: the engine, or an ERR_PTR: -EINVAL for a bad loopback_dma_bits,
 * -ENODEV when DMA addresses are not physical addresses, -ENOMEM.
 */
struct xbuf_engine *xbuf_loopback_create(void)
{
	struct xbuf_loopback *lb;
	struct device *dev;
	int ret;

	if (loopback_dma_bits < 12 || loopback_dma_bits > 64) {
		pr_err("xbuf_dma: loopback_dma_bits=%u is outside 12..64\n",
		       loopback_dma_bits);
		return ERR_PTR(-EINVAL);
	}

	lb = kzalloc(sizeof(*lb), GFP_KERNEL);
	if (!lb)
		return ERR_PTR(-ENOMEM);
	lb->pdev = platform_device_register_simple("xbuf-loopback",
						   PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(lb->pdev)) {
		ret = PTR_ERR(lb->pdev);
		goto err_free;
	}
	dev = &lb->pdev->dev;
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(loopback_dma_bits));
	/* A CPU copy has no segment limit: do not inherit the 64 KiB default. */
	if (!ret)
		ret = xbuf_dma_set_max_seg_size(dev, UINT_MAX);
	if (!ret)
		ret = xbuf_loopback_check_direct(dev);
	if (!ret)
		ret = xbuf_engine_init(&lb->engine, "loopback", dev,
				       &xbuf_loopback_ops, SZ_1G);
	if (ret)
		goto err_unregister;
	return &lb->engine;

err_unregister:
	platform_device_unregister(lb->pdev);
err_free:
	kfree(lb);
	return ERR_PTR(ret);
}
