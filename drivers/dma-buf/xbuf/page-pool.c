// SPDX-License-Identifier: GPL-2.0
/*
 * The page pool of the scatter-gather heaps: chunks of a freed buffer are
 * zeroed by a worker, off the path of whoever freed or allocates, and kept
 * per order for the next buffer, so that an allocation served from the
 * pool costs no zeroing at all.
 *
 * A chunk is "pending" from its free until the worker has zeroed it, and
 * "zeroed" after that; only zeroed chunks are ever handed out, so a buffer
 * never shows what an earlier one held. Pending and zeroed chunks together
 * never exceed pool_max_bytes (and never a quarter of RAM): beyond that a
 * freed chunk goes straight back to the page allocator. The shrinker gives
 * chunks back under memory pressure, pending ones first since nobody has
 * spent time zeroing them yet. The pool keeps the orders the scatter-gather
 * allocator uses, and nothing else.
 */

#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "heap.h"

static unsigned long pool_max_bytes = SZ_256M;

static struct {
	spinlock_t lock; /* everything below but the work item */
	struct list_head zeroed[XBUF_SG_ORDERS];
	struct list_head pending;
	unsigned long zeroed_pages;
	unsigned long pending_pages;	/* including the one being zeroed */
	unsigned long hits, misses, shrunk_pages;
	struct delayed_work zero_work;
	struct shrinker *shrinker;
	bool ready;	/* initialised: a parameter write may trim it */
} xbuf_pool;

static int xbuf_pool_index(unsigned int order)
{
	int i;

	for (i = 0; i < XBUF_SG_ORDERS; i++)
		if (xbuf_sg_orders[i] == order)
			return i;
	return -1;
}

static unsigned long xbuf_pool_max_pages(void)
{
	return min(READ_ONCE(pool_max_bytes) >> PAGE_SHIFT,
		   totalram_pages() / 4);
}

/**
 * xbuf_pool_get() - take a zeroed chunk of @order from the pool
 * @order: the chunk's order
 *
 * Return: the chunk, or NULL when the pool has none of that order.
 */
struct page *xbuf_pool_get(unsigned int order)
{
	int i = xbuf_pool_index(order);
	struct page *page;

	if (i < 0)
		return NULL;
	spin_lock(&xbuf_pool.lock);
	page = list_first_entry_or_null(&xbuf_pool.zeroed[i], struct page, lru);
	if (page) {
		list_del(&page->lru);
		xbuf_pool.zeroed_pages -= 1UL << order;
		xbuf_pool.hits++;
	} else {
		xbuf_pool.misses++;
	}
	spin_unlock(&xbuf_pool.lock);
	return page;
}

/**
 * xbuf_pool_put() - give a chunk of a freed buffer to the pool
 * @page: the chunk, a compound page unless of order 0
 *
 * The chunk is kept for zeroing if the pool takes chunks of its order and
 * has room, else freed at once. Chunks charged to a memory cgroup are
 * always freed: reusing one would leave the charge with its first owner.
 * So are chunks someone else still holds a reference to, a pipe that got
 * them through vmsplice() from a mapping, say: only the last reference
 * frees those, and no later buffer may share them with the holder.
 */
void xbuf_pool_put(struct page *page)
{
	unsigned int order = compound_order(page);
	bool keep;

	if (xbuf_pool_index(order) < 0 || PageMemcgKmem(page) ||
	    page_count(page) != 1) {
		__free_pages(page, order);
		return;
	}
	spin_lock(&xbuf_pool.lock);
	keep = xbuf_pool.zeroed_pages + xbuf_pool.pending_pages +
	       (1UL << order) <= xbuf_pool_max_pages();
	if (keep) {
		list_add_tail(&page->lru, &xbuf_pool.pending);
		xbuf_pool.pending_pages += 1UL << order;
	}
	spin_unlock(&xbuf_pool.lock);

	/*
	 * Start the worker through a timer a jiffy from now rather than
	 * waking it here: a wake-up costs an IPI to an idle CPU, as much as
	 * zeroing a small chunk, on the path of whoever frees a buffer.
	 */
	if (keep)
		queue_delayed_work(system_unbound_wq, &xbuf_pool.zero_work, 1);
	else
		__free_pages(page, order);
}

static void xbuf_pool_zero_chunk(struct page *page, unsigned int order)
{
	unsigned int i;

	for (i = 0; i < (1U << order); i++) {
		clear_highpage(page + i);
		cond_resched();
	}
}

/* Zero pending chunks one at a time until none is left. */
static void xbuf_pool_zero_work(struct work_struct *work)
{
	for (;;) {
		struct page *page;
		unsigned int order;

		spin_lock(&xbuf_pool.lock);
		page = list_first_entry_or_null(&xbuf_pool.pending,
						struct page, lru);
		if (page)
			list_del(&page->lru);
		spin_unlock(&xbuf_pool.lock);
		if (!page)
			return;

		order = compound_order(page);
		xbuf_pool_zero_chunk(page, order);

		spin_lock(&xbuf_pool.lock);
		list_add(&page->lru, &xbuf_pool.zeroed[xbuf_pool_index(order)]);
		xbuf_pool.pending_pages -= 1UL << order;
		xbuf_pool.zeroed_pages += 1UL << order;
		spin_unlock(&xbuf_pool.lock);
	}
}

/* Unlink up to @nr_pages of chunks onto @out: pending first, large first. */
static unsigned long xbuf_pool_take(unsigned long nr_pages,
				    struct list_head *out)
{
	unsigned long taken = 0;
	struct page *page, *tmp;
	int i;

	spin_lock(&xbuf_pool.lock);
	list_for_each_entry_safe(page, tmp, &xbuf_pool.pending, lru) {
		if (taken >= nr_pages)
			break;
		list_move(&page->lru, out);
		xbuf_pool.pending_pages -= 1UL << compound_order(page);
		taken += 1UL << compound_order(page);
	}
	for (i = 0; i < XBUF_SG_ORDERS; i++) {
		list_for_each_entry_safe(page, tmp, &xbuf_pool.zeroed[i], lru) {
			if (taken >= nr_pages)
				break;
			list_move(&page->lru, out);
			xbuf_pool.zeroed_pages -= 1UL << xbuf_sg_orders[i];
			taken += 1UL << xbuf_sg_orders[i];
		}
	}
	spin_unlock(&xbuf_pool.lock);
	return taken;
}

static void xbuf_pool_free_list(struct list_head *chunks)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, chunks, lru) {
		list_del(&page->lru);
		__free_pages(page, compound_order(page));
	}
}

static unsigned long xbuf_pool_count(struct shrinker *shrinker,
				     struct shrink_control *sc)
{
	unsigned long pages = READ_ONCE(xbuf_pool.zeroed_pages) +
			      READ_ONCE(xbuf_pool.pending_pages);

	return pages ?: SHRINK_EMPTY;
}

static unsigned long xbuf_pool_scan(struct shrinker *shrinker,
				    struct shrink_control *sc)
{
	unsigned long freed;
	LIST_HEAD(chunks);

	freed = xbuf_pool_take(sc->nr_to_scan, &chunks);
	xbuf_pool_free_list(&chunks);
	spin_lock(&xbuf_pool.lock);
	xbuf_pool.shrunk_pages += freed;
	spin_unlock(&xbuf_pool.lock);
	return freed ?: SHRINK_STOP;
}

/* A lowered cap takes effect at once: free what is above it. */
static int xbuf_pool_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned long held, max;
	LIST_HEAD(chunks);
	int ret;

	ret = param_set_ulong(val, kp);
	if (ret || !READ_ONCE(xbuf_pool.ready))
		return ret;
	spin_lock(&xbuf_pool.lock);
	held = xbuf_pool.zeroed_pages + xbuf_pool.pending_pages;
	max = xbuf_pool_max_pages();
	spin_unlock(&xbuf_pool.lock);
	if (held > max) {
		xbuf_pool_take(held - max, &chunks);
		xbuf_pool_free_list(&chunks);
	}
	return 0;
}

static const struct kernel_param_ops xbuf_pool_max_ops = {
	.set = xbuf_pool_max_set,
	.get = param_get_ulong,
};
module_param_cb(pool_max_bytes, &xbuf_pool_max_ops, &pool_max_bytes, 0644);
MODULE_PARM_DESC(pool_max_bytes,
		 "Most bytes the page pool keeps for reuse, capped at a quarter of RAM (0: no pool)");

/**
 * xbuf_pool_show() - the pool's state, for debugfs
 * @s: the file
 */
void xbuf_pool_show(struct seq_file *s)
{
	unsigned long zeroed, pending, hits, misses, shrunk;

	spin_lock(&xbuf_pool.lock);
	zeroed = xbuf_pool.zeroed_pages;
	pending = xbuf_pool.pending_pages;
	hits = xbuf_pool.hits;
	misses = xbuf_pool.misses;
	shrunk = xbuf_pool.shrunk_pages;
	spin_unlock(&xbuf_pool.lock);

	seq_printf(s, "max_bytes: %lu\n", xbuf_pool_max_pages() << PAGE_SHIFT);
	seq_printf(s, "zeroed_bytes: %lu\n", zeroed << PAGE_SHIFT);
	seq_printf(s, "pending_bytes: %lu\n", pending << PAGE_SHIFT);
	seq_printf(s, "hits: %lu\nmisses: %lu\n", hits, misses);
	seq_printf(s, "shrunk_bytes: %lu\n", shrunk << PAGE_SHIFT);
}

/**
 * xbuf_pool_init() - set up the pool and register its shrinker
 *
 * Return: 0 or -ENOMEM.
 */
int xbuf_pool_init(void)
{
	int i;

	spin_lock_init(&xbuf_pool.lock);
	for (i = 0; i < XBUF_SG_ORDERS; i++)
		INIT_LIST_HEAD(&xbuf_pool.zeroed[i]);
	INIT_LIST_HEAD(&xbuf_pool.pending);
	INIT_DELAYED_WORK(&xbuf_pool.zero_work, xbuf_pool_zero_work);
	xbuf_pool.shrinker = xbuf_shrinker_create("xbuf-pool", xbuf_pool_count,
						  xbuf_pool_scan);
	if (!xbuf_pool.shrinker)
		return -ENOMEM;
	WRITE_ONCE(xbuf_pool.ready, true);
	return 0;
}

/**
 * xbuf_pool_exit() - free every chunk
 *
 * No buffer is alive (each pins the module), so no chunk can arrive after
 * the worker is cancelled.
 */
void xbuf_pool_exit(void)
{
	LIST_HEAD(chunks);

	WRITE_ONCE(xbuf_pool.ready, false);
	xbuf_shrinker_free(xbuf_pool.shrinker);
	cancel_delayed_work_sync(&xbuf_pool.zero_work);
	xbuf_pool_take(ULONG_MAX, &chunks);
	xbuf_pool_free_list(&chunks);
}
