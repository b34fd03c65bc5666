// SPDX-License-Identifier: GPL-2.0
/*
 * The page pool of the scatter-gather heaps: chunks of a freed buffer are
 * zeroed by a worker, off the path of whoever freed or allocates, and kept
 * per order for the next buffer, so that an allocation served from the
 * pool costs no zeroing at all.
 *
 * A chunk is "pending" from its free until the worker has zeroed it, and
 * "zeroed" after that; only zeroed chunks are ever handed out, so a buffer
 * never shows what an earlier one held. When allocations outrun the worker
 * and no zeroed chunk is left, an allocation takes a pending chunk and
 * zeroes it itself: the zeroing it would pay for a new chunk anyway,
 * without the page allocator, and work the worker then need not do.
 * Pending and zeroed chunks together never exceed pool_max_bytes (and
 * never a quarter of RAM): beyond that a freed chunk goes straight back to
 * the page allocator. The shrinker gives chunks back under memory
 * pressure, pending ones first since nobody has spent time zeroing them
 * yet. The pool keeps the orders the scatter-gather allocator uses, and
 * nothing else.
 *
 * Memory cgroups: a chunk stays charged to the cgroup of the task that
 * allocated it, in the pool as in a buffer; a module cannot move a charge.
 * So chunks charged to no cgroup are kept apart from charged ones, and a
 * buffer takes only chunks charged as a new chunk would be: to nobody, or
 * to its own cgroup. Either way every buffer's pages are charged to its
 * owner. The shrinker is not cgroup-aware, so a cgroup's own reclaim does
 * not reach its idle chunks: they are kept only while the cgroup uses at
 * most half its limit, at most XBUF_POOL_CHARGED_TTL, long enough for a
 * stream of buffers to reuse them, and an allocation that fails in the
 * cgroup gives them back at once (xbuf_pool_release_charged()).
 */

#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "heap.h"

static unsigned long pool_max_bytes = SZ_256M;

/* How long a chunk charged to a cgroup waits in the pool for reuse. */
#define XBUF_POOL_CHARGED_TTL	HZ

/* How many charged chunks a buffer looks through for one of its cgroup's. */
#define XBUF_POOL_OWNER_SCAN	8

static struct {
	spinlock_t lock; /* everything below but the work items */
	struct list_head zeroed[XBUF_SG_ORDERS];	/* charged to nobody */
	struct list_head charged[XBUF_SG_ORDERS];	/* oldest first */
	struct list_head pending;
	unsigned long zeroed_pages;	/* including charged_pages */
	unsigned long charged_pages;
	unsigned long pending_pages;	/* including the one being zeroed */
	unsigned long hits, misses, shrunk_pages, expired_pages;
	unsigned long pending_taken;	/* chunks an allocation zeroed */
	struct delayed_work zero_work;
	struct delayed_work expire_work;
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

/*
 * The memory cgroup a page allocated now with @gfp is charged to: NULL for
 * none (no __GFP_ACCOUNT, the root cgroup, no kernel memory accounting).
 * Called under the RCU read lock; the result is compared, never followed.
 */
static struct mem_cgroup *xbuf_charge_target(gfp_t gfp)
{
	struct mem_cgroup *memcg;

	if (!(gfp & __GFP_ACCOUNT) || !xbuf_memcg_kmem_on())
		return NULL;
	memcg = mem_cgroup_from_task(current);
	return memcg && !xbuf_memcg_is_root(memcg) ? memcg : NULL;
}

/* The cgroup @page is charged to, NULL for none. Under the RCU read lock. */
static struct mem_cgroup *xbuf_chunk_owner(struct page *page)
{
	return folio_memcg(page_folio(page));
}

/**
 * xbuf_pool_charges_cgroup() - whether pages allocated with @gfp now are
 *	charged to a memory cgroup other than the root
 * @gfp: the allocation's flags
 *
 * Return: true if they are.
 */
bool xbuf_pool_charges_cgroup(gfp_t gfp)
{
	bool charged;

	rcu_read_lock();
	charged = xbuf_charge_target(gfp);
	rcu_read_unlock();
	return charged;
}

/*
 * A chunk of @list charged to @owner, among the few freed last: the list is
 * oldest first, and a cgroup reuses what it just freed. Under the locks.
 */
static struct page *xbuf_pool_find_owned(struct list_head *list,
					 struct mem_cgroup *owner)
{
	unsigned int scanned = 0;
	struct page *page;

	list_for_each_entry_reverse(page, list, lru) {
		if (xbuf_chunk_owner(page) == owner)
			return page;
		if (++scanned == XBUF_POOL_OWNER_SCAN)
			break;
	}
	return NULL;
}

/*
 * A pending chunk of @order charged to @owner, among the few freed last
 * (the worker takes the oldest). Under the locks.
 */
static struct page *xbuf_pool_find_pending(unsigned int order,
					   struct mem_cgroup *owner)
{
	unsigned int scanned = 0;
	struct page *page;

	list_for_each_entry_reverse(page, &xbuf_pool.pending, lru) {
		if (compound_order(page) == order &&
		    xbuf_chunk_owner(page) == owner)
			return page;
		if (++scanned == XBUF_POOL_OWNER_SCAN)
			break;
	}
	return NULL;
}

static void xbuf_pool_zero_chunk(struct page *page, unsigned int order)
{
	unsigned int i;

	for (i = 0; i < (1U << order); i++) {
		clear_highpage(page + i);
		cond_resched();
	}
}

/**
 * xbuf_pool_get() - take a zeroed chunk of @order from the pool
 * @order: the chunk's order
 * @gfp: the flags a new chunk would be allocated with: with __GFP_ACCOUNT,
 *	only a chunk charged to the current task's memory cgroup will do
 *
 * Without a zeroed chunk, a pending one is taken and zeroed here.
 *
 * Return: the chunk, or NULL when the pool has none of that order for
 * this task.
 */
struct page *xbuf_pool_get(unsigned int order, gfp_t gfp)
{
	int i = xbuf_pool_index(order);
	struct mem_cgroup *owner;
	struct page *page;
	bool pending = false;

	if (i < 0)
		return NULL;
	rcu_read_lock();
	spin_lock(&xbuf_pool.lock);
	owner = xbuf_charge_target(gfp);
	if (owner)
		page = xbuf_pool_find_owned(&xbuf_pool.charged[i], owner);
	else
		page = list_first_entry_or_null(&xbuf_pool.zeroed[i],
						struct page, lru);
	if (page) {
		list_del(&page->lru);
		xbuf_pool.zeroed_pages -= 1UL << order;
		if (owner)
			xbuf_pool.charged_pages -= 1UL << order;
		xbuf_pool.hits++;
	} else {
		page = xbuf_pool_find_pending(order, owner);
		pending = page;
		if (page) {
			list_del(&page->lru);
			xbuf_pool.pending_pages -= 1UL << order;
			xbuf_pool.pending_taken++;
		} else {
			xbuf_pool.misses++;
		}
	}
	spin_unlock(&xbuf_pool.lock);
	rcu_read_unlock();

	if (pending)
		xbuf_pool_zero_chunk(page, order);
	if (page)
		set_page_private(page, 0);
	return page;
}

/**
 * xbuf_pool_put() - give a chunk of a freed buffer to the pool
 * @page: the chunk, a compound page unless of order 0
 *
 * The chunk is kept for zeroing if the pool takes chunks of its order and
 * has room, else freed at once. So is a chunk charged to a cgroup that
 * (or one above it) uses more than half its limit: kept, its charge could
 * push the cgroup against the limit, where memory anyone else in the
 * cgroup asks for would call the OOM killer. So are chunks someone else
 * still holds a
 * reference to, a pipe that got them through vmsplice() from a mapping,
 * say: only the last reference frees those, and no later buffer may share
 * them with the holder.
 */
void xbuf_pool_put(struct page *page)
{
	unsigned int order = compound_order(page);
	struct mem_cgroup *owner;
	bool keep;

	rcu_read_lock();
	owner = xbuf_chunk_owner(page);
	keep = !owner || xbuf_memcg_half_free(owner);
	rcu_read_unlock();
	if (!keep || xbuf_pool_index(order) < 0 || page_count(page) != 1) {
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

/*
 * File a zeroed chunk by its charge. A charged chunk goes to the tail of
 * its list, stamped with the time, and the expiry work is started.
 */
static void xbuf_pool_add_zeroed(struct page *page, unsigned int order)
{
	int i = xbuf_pool_index(order);
	bool charged;

	rcu_read_lock();
	charged = xbuf_chunk_owner(page);
	rcu_read_unlock();

	spin_lock(&xbuf_pool.lock);
	if (charged) {
		set_page_private(page, jiffies);
		list_add_tail(&page->lru, &xbuf_pool.charged[i]);
		xbuf_pool.charged_pages += 1UL << order;
	} else {
		list_add(&page->lru, &xbuf_pool.zeroed[i]);
	}
	xbuf_pool.pending_pages -= 1UL << order;
	xbuf_pool.zeroed_pages += 1UL << order;
	spin_unlock(&xbuf_pool.lock);

	if (charged)
		queue_delayed_work(system_unbound_wq, &xbuf_pool.expire_work,
				   XBUF_POOL_CHARGED_TTL);
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
		xbuf_pool_add_zeroed(page, order);
	}
}

/*
 * Unlink chunks of @list onto @out until @nr_pages or more are. Under the
 * lock; returns the pages unlinked.
 */
static unsigned long xbuf_pool_take_list(struct list_head *list,
					 unsigned long nr_pages,
					 struct list_head *out)
{
	unsigned long taken = 0;
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, list, lru) {
		if (taken >= nr_pages)
			break;
		list_move(&page->lru, out);
		taken += 1UL << compound_order(page);
	}
	return taken;
}

/*
 * Unlink up to @nr_pages of chunks onto @out: pending first, then charged,
 * then the rest, large first.
 */
static unsigned long xbuf_pool_take(unsigned long nr_pages,
				    struct list_head *out)
{
	unsigned long taken, n;
	int i;

	spin_lock(&xbuf_pool.lock);
	taken = xbuf_pool_take_list(&xbuf_pool.pending, nr_pages, out);
	xbuf_pool.pending_pages -= taken;
	for (i = 0; i < XBUF_SG_ORDERS; i++) {
		n = xbuf_pool_take_list(&xbuf_pool.charged[i],
					nr_pages - min(nr_pages, taken), out);
		xbuf_pool.charged_pages -= n;
		xbuf_pool.zeroed_pages -= n;
		taken += n;
	}
	for (i = 0; i < XBUF_SG_ORDERS; i++) {
		n = xbuf_pool_take_list(&xbuf_pool.zeroed[i],
					nr_pages - min(nr_pages, taken), out);
		xbuf_pool.zeroed_pages -= n;
		taken += n;
	}
	spin_unlock(&xbuf_pool.lock);
	return taken;
}

static void xbuf_pool_free_list(struct list_head *chunks)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, chunks, lru) {
		list_del(&page->lru);
		set_page_private(page, 0);
		__free_pages(page, compound_order(page));
	}
}

/* Move the chunks of @list charged to @owner onto @out; pages moved. */
static unsigned long xbuf_pool_take_owned(struct list_head *list,
					  struct mem_cgroup *owner,
					  struct list_head *out)
{
	unsigned long taken = 0;
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, list, lru) {
		if (xbuf_chunk_owner(page) != owner)
			continue;
		list_move(&page->lru, out);
		taken += 1UL << compound_order(page);
	}
	return taken;
}

/**
 * xbuf_pool_release_charged() - free the idle chunks charged to the
 *	memory cgroup that @gfp charges now
 * @gfp: the flags of the allocation that failed
 *
 * Those chunks count against the cgroup's limit, and the cgroup's own
 * reclaim cannot reach them: an allocation that failed there calls this
 * before it tries again.
 *
 * Return: the number of pages freed.
 */
unsigned long xbuf_pool_release_charged(gfp_t gfp)
{
	unsigned long pending = 0, charged = 0;
	struct mem_cgroup *owner;
	LIST_HEAD(chunks);
	int i;

	rcu_read_lock();
	owner = xbuf_charge_target(gfp);
	if (owner) {
		spin_lock(&xbuf_pool.lock);
		pending = xbuf_pool_take_owned(&xbuf_pool.pending, owner,
					       &chunks);
		for (i = 0; i < XBUF_SG_ORDERS; i++)
			charged += xbuf_pool_take_owned(&xbuf_pool.charged[i],
							owner, &chunks);
		xbuf_pool.pending_pages -= pending;
		xbuf_pool.charged_pages -= charged;
		xbuf_pool.zeroed_pages -= charged;
		xbuf_pool.shrunk_pages += pending + charged;
		spin_unlock(&xbuf_pool.lock);
	}
	rcu_read_unlock();
	xbuf_pool_free_list(&chunks);
	return pending + charged;
}

/*
 * Free the charged chunks that waited XBUF_POOL_CHARGED_TTL, oldest first
 * in each list, and come back for the rest when the oldest is due.
 */
static void xbuf_pool_expire_work(struct work_struct *work)
{
	unsigned long now = jiffies, next = 0, expired = 0;
	struct page *page, *tmp;
	LIST_HEAD(chunks);
	int i;

	spin_lock(&xbuf_pool.lock);
	for (i = 0; i < XBUF_SG_ORDERS; i++) {
		list_for_each_entry_safe(page, tmp, &xbuf_pool.charged[i], lru) {
			unsigned long due = page_private(page) +
					    XBUF_POOL_CHARGED_TTL;

			if (time_before(now, due)) {
				if (!next || time_before(due, next))
					next = due;
				break;
			}
			list_move(&page->lru, &chunks);
			expired += 1UL << xbuf_sg_orders[i];
		}
	}
	xbuf_pool.charged_pages -= expired;
	xbuf_pool.zeroed_pages -= expired;
	xbuf_pool.expired_pages += expired;
	spin_unlock(&xbuf_pool.lock);

	xbuf_pool_free_list(&chunks);
	if (next)
		queue_delayed_work(system_unbound_wq, &xbuf_pool.expire_work,
				   max(next - now, 1UL));
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
	unsigned long zeroed, charged, pending, hits, misses, shrunk, expired;
	unsigned long taken;

	spin_lock(&xbuf_pool.lock);
	zeroed = xbuf_pool.zeroed_pages;
	pending = xbuf_pool.pending_pages;
	hits = xbuf_pool.hits;
	misses = xbuf_pool.misses;
	shrunk = xbuf_pool.shrunk_pages;
	charged = xbuf_pool.charged_pages;
	expired = xbuf_pool.expired_pages;
	taken = xbuf_pool.pending_taken;
	spin_unlock(&xbuf_pool.lock);

	seq_printf(s, "max_bytes: %lu\n", xbuf_pool_max_pages() << PAGE_SHIFT);
	seq_printf(s, "zeroed_bytes: %lu\n", zeroed << PAGE_SHIFT);
	seq_printf(s, "pending_bytes: %lu\n", pending << PAGE_SHIFT);
	seq_printf(s, "hits: %lu\nmisses: %lu\n", hits, misses);
	seq_printf(s, "shrunk_bytes: %lu\n", shrunk << PAGE_SHIFT);
	seq_printf(s, "charged_bytes: %lu\n", charged << PAGE_SHIFT);
	seq_printf(s, "expired_bytes: %lu\n", expired << PAGE_SHIFT);
	seq_printf(s, "pending_taken: %lu\n", taken);
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
	for (i = 0; i < XBUF_SG_ORDERS; i++) {
		INIT_LIST_HEAD(&xbuf_pool.zeroed[i]);
		INIT_LIST_HEAD(&xbuf_pool.charged[i]);
	}
	INIT_LIST_HEAD(&xbuf_pool.pending);
	INIT_DELAYED_WORK(&xbuf_pool.zero_work, xbuf_pool_zero_work);
	INIT_DELAYED_WORK(&xbuf_pool.expire_work, xbuf_pool_expire_work);
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
	cancel_delayed_work_sync(&xbuf_pool.expire_work);
	xbuf_pool_take(ULONG_MAX, &chunks);
	xbuf_pool_free_list(&chunks);
}
