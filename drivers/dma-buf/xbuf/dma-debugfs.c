// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: <debugfs>/xbuf_dma/engine, the engine in use and what it did,
 * and, where the kernel has fault injection, fail_copy/ (dma-fault.c).
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/seq_file.h>

#include "dma.h"

static struct dentry *xbuf_dma_debugfs_root;

static int xbuf_dma_engine_show(struct seq_file *s, void *unused)
{
	struct xbuf_engine *engine = s->private;

	seq_printf(s, "engine:   %s\n", engine->name);
	seq_printf(s, "device:   %s\n", dev_name(engine->dev));
	seq_printf(s, "dma_mask: %#llx\n", dma_get_mask(engine->dev));
	seq_printf(s, "align:    %u\n", engine->align);
	seq_printf(s, "iommu:    %s\n",
		   device_iommu_mapped(engine->dev) ? "yes" : "no");
	seq_printf(s, "attached: %d\n", atomic_read(&engine->attachments));
	seq_printf(s, "mapped:   %d\n", atomic_read(&engine->nr_mapped));
	seq_printf(s, "inflight: %d\n", atomic_read(&engine->inflight));
	seq_printf(s, "jobs:     %lld\n",
		   (long long)atomic64_read(&engine->jobs));
	seq_printf(s, "errors:   %lld\n",
		   (long long)atomic64_read(&engine->errors));
	seq_printf(s, "bytes:    %lld\n",
		   (long long)atomic64_read(&engine->bytes));
	seq_printf(s, "busy_ns:  %lld\n",
		   (long long)atomic64_read(&engine->busy_ns));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xbuf_dma_engine);

/**
 * xbuf_dma_debugfs_init() - create <debugfs>/xbuf_dma/
 * @engine: the engine, alive until xbuf_dma_debugfs_exit()
 *
 * debugfs is optional: failures are not reported.
 */
void xbuf_dma_debugfs_init(struct xbuf_engine *engine)
{
	xbuf_dma_debugfs_root = debugfs_create_dir("xbuf_dma", NULL);
	debugfs_create_file("engine", 0444, xbuf_dma_debugfs_root, engine,
			    &xbuf_dma_engine_fops);
	if (IS_ENABLED(CONFIG_FAULT_INJECTION))
		xbuf_dma_fault_debugfs_init(xbuf_dma_debugfs_root);
}

/**
 * xbuf_dma_debugfs_exit() - remove what xbuf_dma_debugfs_init() created
 */
void xbuf_dma_debugfs_exit(void)
{
	debugfs_remove_recursive(xbuf_dma_debugfs_root);
}
