// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: <debugfs>/xbuf/heaps, one line per heap with its live buffers,
 * the bytes they hold and the largest buffer it can currently provide;
 * <debugfs>/xbuf/registration, "misc" or "dma-heap": who provides the
 * device nodes and their ioctl; <debugfs>/xbuf/pool, the page pool's
 * bytes (zeroed, pending zeroing), hits and misses.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "heap.h"

static struct dentry *xbuf_debugfs_root;
static struct xbuf_heap *xbuf_debugfs_heaps;
static unsigned int xbuf_debugfs_count;

static int xbuf_heaps_show(struct seq_file *s, void *unused)
{
	unsigned int i;

	seq_printf(s, "%-16s %10s %16s %16s\n",
		   "heap", "buffers", "bytes", "max_buffer");
	for (i = 0; i < xbuf_debugfs_count; i++) {
		struct xbuf_heap *heap = &xbuf_debugfs_heaps[i];

		seq_printf(s, "%-16s %10d %16lld %16zu\n", heap->name,
			   atomic_read(&heap->buffers),
			   (long long)atomic64_read(&heap->bytes),
			   xbuf_heap_max_buffer(heap));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbuf_heaps);

static int xbuf_registration_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "%s\n", xbuf_heap_registration());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbuf_registration);

static int xbuf_pool_stats_show(struct seq_file *s, void *unused)
{
	xbuf_pool_show(s);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbuf_pool_stats);

/**
 * xbuf_debugfs_init() - create the debugfs files of the heaps
 * @heaps: the heaps, alive until xbuf_debugfs_exit()
 * @count: number of @heaps
 *
 * debugfs is optional: failures are not reported.
 */
void xbuf_debugfs_init(struct xbuf_heap *heaps, unsigned int count)
{
	xbuf_debugfs_heaps = heaps;
	xbuf_debugfs_count = count;
	xbuf_debugfs_root = debugfs_create_dir("xbuf", NULL);
	debugfs_create_file("heaps", 0444, xbuf_debugfs_root, NULL,
			    &xbuf_heaps_fops);
	debugfs_create_file("registration", 0444, xbuf_debugfs_root, NULL,
			    &xbuf_registration_fops);
	debugfs_create_file("pool", 0444, xbuf_debugfs_root, NULL,
			    &xbuf_pool_stats_fops);
}

/**
 * xbuf_debugfs_exit() - remove what xbuf_debugfs_init() created
 */
void xbuf_debugfs_exit(void)
{
	debugfs_remove_recursive(xbuf_debugfs_root);
}
