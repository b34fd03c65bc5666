// SPDX-License-Identifier: GPL-2.0
/*
 * Page allocator of the scatter-gather heaps ("xbuf", "xbuf-uncached").
 *
 * A buffer is built from the largest chunks available, so that a device
 * behind an IOMMU can use large IOMMU pages and the scatter-gather table
 * stays short. For each order the page pool's zeroed chunks come first,
 * then the buddy allocator, without reclaim above order 0. Freed chunks go
 * back to the pool.
 */

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>

#include "compat.h"
#include "heap.h"

/* With 4 KiB pages: 2 MiB, 64 KiB and 4 KiB, common IOMMU and TLB sizes. */
const unsigned int xbuf_sg_orders[XBUF_SG_ORDERS] = { 9, 4, 0 };

/*
 * A high-order attempt fails fast instead of reclaiming or compacting: a
 * smaller order is always there to fall back on. __GFP_COMP makes a chunk
 * one refcounted unit, which vm_insert_pages() on its tail pages relies on.
 */
#define XBUF_HIGH_ORDER_GFP						\
	((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY |	\
	  __GFP_COMP) & ~__GFP_RECLAIM)
#define XBUF_ORDER0_GFP		(GFP_HIGHUSER | __GFP_ZERO)

/*
 * Allocate the largest chunk that fits in @remaining, starting at order
 * index *@first. An order the page allocator failed is not tried again for
 * this buffer. The pool comes first; it hands out only chunks charged as
 * a new one would be (page-pool.c).
 */
static struct page *xbuf_sg_alloc_chunk(size_t remaining, unsigned int *first,
					gfp_t extra)
{
	unsigned int i;

	for (i = *first; i < XBUF_SG_ORDERS; i++) {
		unsigned int order = xbuf_sg_orders[i];
		gfp_t gfp = order ? XBUF_HIGH_ORDER_GFP : XBUF_ORDER0_GFP;
		struct page *page;

		if (order > XBUF_MAX_PAGE_ORDER ||
		    (PAGE_SIZE << order) > remaining)
			continue;
		page = xbuf_pool_get(order, extra);
		if (!page)
			page = alloc_pages(gfp | extra, order);
		if (page) {
			*first = i;
			return page;
		}
	}
	return NULL;
}

static void xbuf_sg_free_list(struct list_head *chunks)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, chunks, lru) {
		list_del(&page->lru);
		xbuf_pool_put(page);
	}
}

static int xbuf_sg_alloc(struct xbuf_heap *heap, struct sg_table *table,
			 size_t len)
{
	gfp_t extra = xbuf_heap_gfp_extra();
	unsigned int first = 0, nents = 0;
	bool in_cgroup, retried = false;
	struct scatterlist *sg;
	struct page *page, *tmp;
	size_t remaining = len;
	LIST_HEAD(chunks);
	int ret;

	/*
	 * In a memory cgroup, without the cgroup's OOM killer: a buffer
	 * past the limit is refused with -ENOMEM rather than costing the
	 * cgroup a task, the caller most likely.
	 */
	in_cgroup = xbuf_pool_charges_cgroup(extra);
	if (in_cgroup)
		extra |= __GFP_RETRY_MAYFAIL;

	while (remaining) {
		/* A large buffer takes a while: let a killed caller go. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free;
		}
		page = xbuf_sg_alloc_chunk(remaining, &first, extra);
		if (!page && !retried && in_cgroup) {
			/*
			 * The cgroup is at its limit. Its idle chunks in the
			 * pool count against it where its own reclaim cannot
			 * reach: free them, then try once more.
			 */
			retried = true;
			if (xbuf_pool_release_charged(extra))
				continue;
		}
		if (!page) {
			ret = -ENOMEM;
			goto err_free;
		}
		list_add_tail(&page->lru, &chunks);
		remaining -= page_size(page);
		nents++;
	}

	ret = sg_alloc_table(table, nents, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;

	sg = table->sgl;
	list_for_each_entry_safe(page, tmp, &chunks, lru) {
		list_del(&page->lru);
		sg_set_page(sg, page, page_size(page), 0);
		sg = sg_next(sg);
	}
	return 0;

err_free:
	xbuf_sg_free_list(&chunks);
	return ret;
}

static void xbuf_sg_free(struct xbuf_heap *heap, struct sg_table *table)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(table, sg, i)
		xbuf_pool_put(sg_page(sg));
	sg_free_table(table);
}

/*
 * All of RAM, computed in 64 bits: on a 32-bit kernel with more than 4 GiB
 * (LPAE) the shift would overflow size_t, and a buffer cannot be larger
 * than size_t holds, page aligned, anyway.
 */
static size_t xbuf_sg_max_len(struct xbuf_heap *heap)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	return min_t(u64, ram, SIZE_MAX & PAGE_MASK);
}

const struct xbuf_heap_ops xbuf_sg_heap_ops = {
	.alloc = xbuf_sg_alloc,
	.free = xbuf_sg_free,
	.max_len = xbuf_sg_max_len,
	.contiguous = false,
};
