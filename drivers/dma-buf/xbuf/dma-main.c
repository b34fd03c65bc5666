// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf_dma: an importer that attaches dma-buf buffers to a DMA engine and
 * runs streaming DMA on them, for userspace, at /dev/xbuf_dma.
 *
 * The engine is chosen at load time by the "engine" parameter; "auto"
 * takes real hardware first: a bound edu device, then a dmaengine memcpy
 * channel, then the loopback software engine.
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "compat.h"
#include "dma.h"

static char *engine = "auto";
module_param(engine, charp, 0444);
MODULE_PARM_DESC(engine, "DMA engine: auto (default), edu, dmaengine or loopback");

static struct xbuf_engine *xbuf_engine_auto(void)
{
	struct xbuf_engine *e;

	e = xbuf_edu_create();
	if (!IS_ERR(e) || PTR_ERR(e) != -ENODEV)
		return e;
	e = xbuf_dmaengine_create();
	if (!IS_ERR(e) || PTR_ERR(e) != -ENODEV)
		return e;
	return xbuf_loopback_create();
}

static struct xbuf_engine *xbuf_engine_select(const char *name)
{
	if (!strcmp(name, "auto"))
		return xbuf_engine_auto();
	if (!strcmp(name, "edu"))
		return xbuf_edu_create();
	if (!strcmp(name, "dmaengine"))
		return xbuf_dmaengine_create();
	if (!strcmp(name, "loopback"))
		return xbuf_loopback_create();
	return ERR_PTR(-EINVAL);
}

static int __init xbuf_dma_init(void)
{
	struct xbuf_engine *e;
	int ret;

	ret = xbuf_edu_register();
	if (ret)
		return ret;

	e = xbuf_engine_select(engine);
	if (IS_ERR(e)) {
		ret = PTR_ERR(e);
		pr_err("xbuf_dma: engine \"%s\" is not available: %d%s\n",
		       engine, ret, ret == -ENODEV ? " (no such device)" : "");
		goto err_edu;
	}
	pr_info("xbuf_dma: engine %s on %s, align %u (engine=%s)\n", e->name,
		dev_name(e->dev), e->align, engine);

	ret = xbuf_dma_dev_register(e);
	if (ret)
		goto err_engine;
	xbuf_dma_debugfs_init(e);
	return 0;

err_engine:
	xbuf_engine_destroy(e);
err_edu:
	xbuf_edu_unregister();
	return ret;
}

static void __exit xbuf_dma_exit(void)
{
	xbuf_dma_debugfs_exit();
	xbuf_engine_destroy(xbuf_dma_dev_unregister());
	xbuf_edu_unregister();
	/* Fences were freed with kfree_rcu(): let that finish first. */
	rcu_barrier();
}

module_init(xbuf_dma_init);
module_exit(xbuf_dma_exit);

MODULE_DESCRIPTION("xbuf dma-buf importer: streaming DMA on dma-buf buffers");
MODULE_LICENSE("GPL");
XBUF_IMPORT_DMA_BUF_NS();
