// SPDX-License-Identifier: GPL-2.0
/*
 * <debugfs>/xbuf_dma/fail_copy/: a fault_attr (see
 * Documentation/fault-injection/) that fails engine copies with -EIO, to
 * exercise the error paths of the driver and of its users. Built only into
 * kernels with CONFIG_FAULT_INJECTION; callers test IS_ENABLED() first, so
 * elsewhere nothing refers to it.
 */

#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "dma.h"

static DECLARE_FAULT_ATTR(xbuf_fail_copy);

/**
 * xbuf_engine_should_fail() - whether fault injection fails this copy
 *
 * Return: true when <debugfs>/xbuf_dma/fail_copy says so.
 */
bool xbuf_engine_should_fail(void)
{
	return should_fail(&xbuf_fail_copy, 1);
}

/**
 * xbuf_dma_fault_debugfs_init() - create fail_copy/
 * @root: <debugfs>/xbuf_dma
 */
void xbuf_dma_fault_debugfs_init(struct dentry *root)
{
	/* Failures are asked for: a stack trace each would read as a bug. */
	xbuf_fail_copy.verbose = 0;
	fault_create_debugfs_attr("fail_copy", root, &xbuf_fail_copy);
}
