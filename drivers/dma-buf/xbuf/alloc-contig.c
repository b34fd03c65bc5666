// SPDX-License-Identifier: GPL-2.0
/*
 * Page allocator of the "xbuf-contig" heap: one physically contiguous
 * segment, for devices that have neither an IOMMU nor scatter-gather.
 *
 * The buddy allocator gives at most 2^XBUF_MAX_PAGE_ORDER pages in one
 * block (4 MiB on x86-64); a larger buffer fails with -ENOMEM at once.
 */

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

static void xbuf_contig_free_range(struct page *page, unsigned long first,
				   unsigned long last)
{
	unsigned long i;

	for (i = first; i < last; i++)
		__free_page(page + i);
}

static int xbuf_contig_alloc(struct xbuf_heap *heap, struct sg_table *table,
			     size_t len)
{
	unsigned long npages = len >> PAGE_SHIFT;
	unsigned int order = get_order(len);
	struct page *page;
	int ret;

	if (order > XBUF_MAX_PAGE_ORDER)
		return -ENOMEM;

	page = alloc_pages(XBUF_CONTIG_GFP | xbuf_heap_gfp_extra(), order);
	if (!page)
		return -ENOMEM;

	/* Keep exactly the pages asked for; the rest of the block goes back. */
	split_page(page, order);
	xbuf_contig_free_range(page, npages, 1UL << order);

	ret = sg_alloc_table(table, 1, GFP_KERNEL_ACCOUNT);
	if (ret) {
		xbuf_contig_free_range(page, 0, npages);
		return ret;
	}
	sg_set_page(table->sgl, page, len, 0);
	return 0;
}

static void xbuf_contig_free(struct xbuf_heap *heap, struct sg_table *table)
{
	struct scatterlist *sg = table->sgl;

	xbuf_contig_free_range(sg_page(sg), 0, sg->length >> PAGE_SHIFT);
	sg_free_table(table);
}

static size_t xbuf_contig_max_len(struct xbuf_heap *heap)
{
	return PAGE_SIZE << XBUF_MAX_PAGE_ORDER;
}

const struct xbuf_heap_ops xbuf_contig_heap_ops = {
	.alloc = xbuf_contig_alloc,
	.free = xbuf_contig_free,
	.max_len = xbuf_contig_max_len,
};
