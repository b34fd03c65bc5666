// SPDX-License-Identifier: GPL-2.0
/*
 * Page allocator of the "xbuf-contig" heap: one physically contiguous
 * segment, for devices that have neither an IOMMU nor scatter-gather.
 *
 * Up to the buddy allocator's largest block, 2^XBUF_MAX_PAGE_ORDER pages
 * (4 MiB on x86-64), a buffer comes from the page allocator and is
 * charged to the caller's memory cgroup like any other. A larger one comes
 * from the kernel's default CMA area, through dma_alloc_pages() on the
 * heap's own device, which serves sizes above a page from CMA when the
 * kernel has an area. CMA memory is a boot-time reservation, not charged
 * to a cgroup. Without CMA, or with too little of it free, a larger
 * buffer fails with -ENOMEM.
 */

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>

#include "compat.h"
#include "heap.h"

/*
 * Contiguous memory is worth some reclaim and compaction effort, but not an
 * OOM kill or a warning: the caller gets -ENOMEM and can retry smaller.
 */
#define XBUF_CONTIG_GFP \
	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)
/* dma_alloc_pages() zeroes, and refuses zone modifiers such as highmem. */
#define XBUF_CMA_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

static bool xbuf_contig_from_cma(size_t len)
{
	return get_order(len) > XBUF_MAX_PAGE_ORDER;
}

static void xbuf_contig_free_range(struct page *page, unsigned long first,
				   unsigned long last)
{
	unsigned long i;

	for (i = first; i < last; i++)
		__free_page(page + i);
}

static struct page *xbuf_contig_alloc_buddy(size_t len)
{
	unsigned long npages = len >> PAGE_SHIFT;
	unsigned int order = get_order(len);
	struct page *page;

	page = alloc_pages(XBUF_CONTIG_GFP | xbuf_heap_gfp_extra(), order);
	if (!page)
		return NULL;
	/* Keep exactly the pages asked for; the rest of the block goes back. */
	split_page(page, order);
	xbuf_contig_free_range(page, npages, 1UL << order);
	return page;
}

/*
 * The heap's device never does DMA to these pages; importers map them for
 * their own devices. The direction given to dma_alloc_pages() is only seen
 * by DMA-API debug, which would take any other than DMA_TO_DEVICE for a
 * device that writes, and report the importers' mappings of the same
 * pages as overlapping it.
 */
#define XBUF_CMA_DIR	DMA_TO_DEVICE

/*
 * The DMA address dma_alloc_pages() returns is needed to free the pages;
 * the table of a buffer's pages is never DMA-mapped itself (attachments
 * map copies of it), so its one entry keeps the address.
 */
static int xbuf_contig_alloc(struct xbuf_heap *heap, struct sg_table *table,
			     size_t len)
{
	dma_addr_t addr = DMA_MAPPING_ERROR;
	struct page *page;
	int ret;

	if (xbuf_contig_from_cma(len)) {
		page = dma_alloc_pages(heap->dma_dev, len, &addr,
				       XBUF_CMA_DIR, XBUF_CMA_GFP);
		/* DMA-API debug wants the address checked, as any mapping. */
		if (page && dma_mapping_error(heap->dma_dev, addr)) {
			dma_free_pages(heap->dma_dev, len, page, addr,
				       XBUF_CMA_DIR);
			page = NULL;
		}
	} else {
		page = xbuf_contig_alloc_buddy(len);
	}
	if (!page)
		return -ENOMEM;

	ret = sg_alloc_table(table, 1, GFP_KERNEL_ACCOUNT);
	if (ret) {
		if (xbuf_contig_from_cma(len))
			dma_free_pages(heap->dma_dev, len, page, addr,
				       XBUF_CMA_DIR);
		else
			xbuf_contig_free_range(page, 0, len >> PAGE_SHIFT);
		return ret;
	}
	sg_set_page(table->sgl, page, len, 0);
	sg_dma_address(table->sgl) = addr;
	return 0;
}

static void xbuf_contig_free(struct xbuf_heap *heap, struct sg_table *table)
{
	struct scatterlist *sg = table->sgl;

	if (xbuf_contig_from_cma(sg->length))
		dma_free_pages(heap->dma_dev, sg->length, sg_page(sg),
			       sg_dma_address(sg), XBUF_CMA_DIR);
	else
		xbuf_contig_free_range(sg_page(sg), 0,
				       sg->length >> PAGE_SHIFT);
	sg_free_table(table);
}

/*
 * What CMA could give at most: all of RAM, in 64 bits as for the
 * scatter-gather heaps. Whether the kernel has a CMA area, and how much of
 * it is free, shows only when the allocation is tried.
 */
static size_t xbuf_contig_max_len(struct xbuf_heap *heap)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	return min_t(u64, ram, SIZE_MAX & PAGE_MASK);
}

const struct xbuf_heap_ops xbuf_contig_heap_ops = {
	.alloc = xbuf_contig_alloc,
	.free = xbuf_contig_free,
	.max_len = xbuf_contig_max_len,
	.contiguous = true,
};
