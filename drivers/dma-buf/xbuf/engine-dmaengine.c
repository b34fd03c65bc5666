// SPDX-License-Identifier: GPL-2.0
/*
 * The dmaengine engine: any channel of the Linux dmaengine framework with
 * the DMA_MEMCPY capability (pl330, bcm2835, sf-pdma, ioat, ...), the path
 * on a real board. Buffers are mapped for the DMA controller itself, as
 * dmaengine clients must.
 */

#include <linux/completion.h>
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "dma.h"

/* A memcpy of one segment that has not completed in this time has hung. */
#define XBUF_DMAENGINE_TIMEOUT	(5 * HZ)

/* The largest alignment the 64 KiB scratch buffer's chunks keep. */
#define XBUF_DMAENGINE_MAX_ALIGN	4096

static unsigned int dmaengine_align;
module_param(dmaengine_align, uint, 0444);
MODULE_PARM_DESC(dmaengine_align,
		 "Bytes that dmaengine copies must align to, a power of two up to 4096, for a controller whose driver does not declare it (QEMU's bcm2835 model needs 4); 0 or 1: only what the driver declares");

struct xbuf_dmaengine {
	struct xbuf_engine engine;
	struct dma_chan *chan;
};

static void xbuf_dmaengine_done(void *arg)
{
	complete(arg);
}

static int xbuf_dmaengine_copy(struct xbuf_engine *engine, dma_addr_t dst,
			       dma_addr_t src, size_t len)
{
	struct xbuf_dmaengine *de = container_of(engine, struct xbuf_dmaengine,
						 engine);
	DECLARE_COMPLETION_ONSTACK(done);
	struct dma_async_tx_descriptor *tx;
	dma_cookie_t cookie;

	tx = dmaengine_prep_dma_memcpy(de->chan, dst, src, len,
				       DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
	if (!tx)
		return -EIO;
	tx->callback = xbuf_dmaengine_done;
	tx->callback_param = &done;
	cookie = dmaengine_submit(tx);
	if (dma_submit_error(cookie))
		return -EIO;
	dma_async_issue_pending(de->chan);

	if (!wait_for_completion_timeout(&done, XBUF_DMAENGINE_TIMEOUT)) {
		dmaengine_terminate_sync(de->chan);
		return -ETIMEDOUT;
	}
	if (dma_async_is_tx_complete(de->chan, cookie, NULL, NULL) !=
	    DMA_COMPLETE)
		return -EIO;
	return 0;
}

static void xbuf_dmaengine_destroy(struct xbuf_engine *engine)
{
	struct xbuf_dmaengine *de = container_of(engine, struct xbuf_dmaengine,
						 engine);

	dma_release_channel(de->chan);
	kfree(de);
}

static const struct xbuf_engine_ops xbuf_dmaengine_ops = {
	.copy = xbuf_dmaengine_copy,
	.destroy = xbuf_dmaengine_destroy,
};

/*
 * The larger of what the channel's driver declares (dmaengine's
 * copy_align, see is_dma_copy_aligned()) and what the administrator
 * does, for a controller whose driver leaves a constraint out.
 */
static int xbuf_dmaengine_align(struct dma_chan *chan, u32 *align)
{
	u32 declared = 1U << chan->device->copy_align;

	if (dmaengine_align > XBUF_DMAENGINE_MAX_ALIGN ||
	    (dmaengine_align && !is_power_of_2(dmaengine_align)))
		return -EINVAL;
	*align = max(declared, dmaengine_align);
	return *align > XBUF_DMAENGINE_MAX_ALIGN ? -EINVAL : 0;
}

/**
 * xbuf_dmaengine_create() - take a DMA_MEMCPY channel for an engine
 *
 * Return: the engine, or an ERR_PTR: -ENODEV when no channel can copy,
 * -EINVAL when dmaengine_align is not a power of two up to 4096.
 */
struct xbuf_engine *xbuf_dmaengine_create(void)
{
	struct xbuf_dmaengine *de;
	struct device *dev;
	dma_cap_mask_t mask;
	u32 align;
	int ret;

	de = kzalloc(sizeof(*de), GFP_KERNEL);
	if (!de)
		return ERR_PTR(-ENOMEM);

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	/*
	 * -EPROBE_DEFER means no DMA controller is registered yet: there is
	 * no probe to defer at module load, so it is -ENODEV here too.
	 */
	de->chan = dma_request_chan_by_mask(&mask);
	if (IS_ERR(de->chan)) {
		kfree(de);
		return ERR_PTR(-ENODEV);
	}

	ret = xbuf_dmaengine_align(de->chan, &align);
	if (ret)
		goto err_chan;
	dev = dmaengine_get_dma_device(de->chan);
	ret = xbuf_engine_init(&de->engine, "dmaengine", dev,
			       &xbuf_dmaengine_ops, dma_get_max_seg_size(dev));
	if (ret)
		goto err_chan;
	xbuf_engine_set_align(&de->engine, align);
	return &de->engine;

err_chan:
	dma_release_channel(de->chan);
	kfree(de);
	return ERR_PTR(ret);
}
