// SPDX-License-Identifier: GPL-2.0
/*
 * What every xbuf_dma engine shares: setup and teardown, and the three
 * operations built on the engine's one primitive, a copy between two DMA
 * addresses. COPY walks the DMA segments of both mappings; FILL and
 * CHECKSUM pass through a coherent scratch buffer, so the device really
 * writes the pattern and really reads what is checksummed.
 */

#include <linux/crc32.h>
#include <linux/dma-mapping.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "dma.h"

#define XBUF_SCRATCH_LEN	SZ_64K

/**
 * xbuf_engine_init() - set up the parts every engine shares
 * @engine: zeroed engine
 * @name: engine name, a string constant
 * @dev: device that maps buffers, its DMA mask already set
 * @ops: the engine's operations
 * @max_copy: longest single copy the engine performs
 *
 * Return: 0 or -ENOMEM.
 */
int xbuf_engine_init(struct xbuf_engine *engine, const char *name,
		     struct device *dev, const struct xbuf_engine_ops *ops,
		     size_t max_copy)
{
	engine->name = name;
	engine->dev = dev;
	engine->ops = ops;
	engine->max_copy = max_copy;
	engine->align = 1;
	engine->scratch_len = XBUF_SCRATCH_LEN;
	engine->scratch = dma_alloc_coherent(dev, engine->scratch_len,
					     &engine->scratch_dma, GFP_KERNEL);
	if (!engine->scratch)
		return -ENOMEM;

	/*
	 * Job fences can be waited for from reclaim (a shrinker of another
	 * driver holding our buffers): the queue must make progress there.
	 */
	engine->wq = alloc_ordered_workqueue("xbuf_dma_%s", WQ_MEM_RECLAIM,
					     name);
	if (!engine->wq) {
		dma_free_coherent(dev, engine->scratch_len, engine->scratch,
				  engine->scratch_dma);
		return -ENOMEM;
	}
	spin_lock_init(&engine->fence_lock);
	mutex_init(&engine->map_lock);
	hash_init(engine->mapped);
	return 0;
}

/**
 * xbuf_engine_set_align() - declare what the engine's copies must align to
 * @engine: an engine set up by xbuf_engine_init(), no buffer mapped yet
 * @align: a power of two, at most the scratch buffer's size
 *
 * Copies are cut at @max_copy: it is rounded down so that every piece but
 * the last of a job stays aligned.
 */
void xbuf_engine_set_align(struct xbuf_engine *engine, u32 align)
{
	engine->align = align;
	engine->max_copy = round_down(engine->max_copy, align);
}

/**
 * xbuf_engine_destroy() - undo xbuf_engine_init() and the engine's setup
 * @engine: an engine with no job left
 */
void xbuf_engine_destroy(struct xbuf_engine *engine)
{
	destroy_workqueue(engine->wq);
	mutex_destroy(&engine->map_lock);
	dma_free_coherent(engine->dev, engine->scratch_len, engine->scratch,
			  engine->scratch_dma);
	engine->ops->destroy(engine);
}

/* A position in the DMA segments of a mapped table. */
struct xbuf_dma_cursor {
	struct scatterlist *sg;
	unsigned int left;	/* segments after sg */
	u64 off;		/* offset within sg */
};

static void xbuf_cursor_init(struct xbuf_dma_cursor *c, struct sg_table *sgt,
			     u64 offset)
{
	c->sg = sgt->sgl;
	c->left = sgt->nents - 1;
	while (offset >= sg_dma_len(c->sg) && c->left) {
		offset -= sg_dma_len(c->sg);
		c->sg = sg_next(c->sg);
		c->left--;
	}
	c->off = offset;
}

static dma_addr_t xbuf_cursor_addr(const struct xbuf_dma_cursor *c)
{
	return sg_dma_address(c->sg) + c->off;
}

/* Bytes from the cursor to the end of its segment. */
static u64 xbuf_cursor_span(const struct xbuf_dma_cursor *c)
{
	return sg_dma_len(c->sg) - c->off;
}

static void xbuf_cursor_advance(struct xbuf_dma_cursor *c, u64 n)
{
	c->off += n;
	if (c->off == sg_dma_len(c->sg) && c->left) {
		c->sg = sg_next(c->sg);
		c->left--;
		c->off = 0;
	}
}

/*
 * One engine copy, unless fault injection fails it. Jobs span up to the
 * whole buffer, gigabytes maybe: give the CPU away between copies.
 *
 * Job offsets and lengths were checked against the engine's alignment,
 * but an exporter's DMA segments may still start or end off it: such a
 * piece must never reach a controller that cannot take it (QEMU's
 * bcm2835 model, given a length that is not a multiple of 4, copies
 * until it wraps around the address space).
 */
static int xbuf_engine_copy_one(struct xbuf_engine *engine, dma_addr_t dst,
				dma_addr_t src, size_t len)
{
	cond_resched();
	if (!IS_ALIGNED(dst | src | len, engine->align))
		return -EINVAL;
	if (IS_ENABLED(CONFIG_FAULT_INJECTION) && xbuf_engine_should_fail())
		return -EIO;
	return engine->ops->copy(engine, dst, src, len);
}

/**
 * xbuf_engine_copy() - copy between two mapped tables
 * @engine: the engine
 * @dst: table the engine writes, mapped for its device
 * @dst_offset: byte offset in @dst
 * @src: table the engine reads, mapped for its device
 * @src_offset: byte offset in @src
 * @len: bytes; both ranges were checked to lie within their tables
 *
 * Return: 0 or the engine's error.
 */
int xbuf_engine_copy(struct xbuf_engine *engine, struct sg_table *dst,
		     u64 dst_offset, struct sg_table *src, u64 src_offset,
		     u64 len)
{
	struct xbuf_dma_cursor d, s;

	xbuf_cursor_init(&d, dst, dst_offset);
	xbuf_cursor_init(&s, src, src_offset);
	while (len) {
		u64 n = min3(len, xbuf_cursor_span(&d), xbuf_cursor_span(&s));
		int ret;

		n = min_t(u64, n, engine->max_copy);
		ret = xbuf_engine_copy_one(engine, xbuf_cursor_addr(&d),
					   xbuf_cursor_addr(&s), n);
		if (ret)
			return ret;
		xbuf_cursor_advance(&d, n);
		xbuf_cursor_advance(&s, n);
		len -= n;
	}
	return 0;
}

static size_t xbuf_scratch_chunk(struct xbuf_engine *engine)
{
	return min(engine->scratch_len, engine->max_copy);
}

/**
 * xbuf_engine_fill() - have the engine write a byte pattern
 * @engine: the engine
 * @dst: table the engine writes, mapped for its device
 * @offset: byte offset in @dst
 * @len: bytes, checked to lie within @dst
 * @pattern: the byte
 *
 * Return: 0 or the engine's error.
 */
int xbuf_engine_fill(struct xbuf_engine *engine, struct sg_table *dst,
		     u64 offset, u64 len, u8 pattern)
{
	struct xbuf_dma_cursor d;

	memset(engine->scratch, pattern, engine->scratch_len);
	xbuf_cursor_init(&d, dst, offset);
	while (len) {
		u64 n = min3(len, xbuf_cursor_span(&d),
			     (u64)xbuf_scratch_chunk(engine));
		int ret;

		ret = xbuf_engine_copy_one(engine, xbuf_cursor_addr(&d),
					   engine->scratch_dma, n);
		if (ret)
			return ret;
		xbuf_cursor_advance(&d, n);
		len -= n;
	}
	return 0;
}

/**
 * xbuf_engine_checksum() - CRC-32 of what the engine reads
 * @engine: the engine
 * @src: table the engine reads, mapped for its device
 * @offset: byte offset in @src
 * @len: bytes, checked to lie within @src
 * @crc: out: CRC-32 as zlib's crc32() computes it
 *
 * Return: 0 or the engine's error.
 */
int xbuf_engine_checksum(struct xbuf_engine *engine, struct sg_table *src,
			 u64 offset, u64 len, u32 *crc)
{
	struct xbuf_dma_cursor s;
	u32 sum = ~0U;

	xbuf_cursor_init(&s, src, offset);
	while (len) {
		u64 n = min3(len, xbuf_cursor_span(&s),
			     (u64)xbuf_scratch_chunk(engine));
		int ret;

		ret = xbuf_engine_copy_one(engine, engine->scratch_dma,
					   xbuf_cursor_addr(&s), n);
		if (ret)
			return ret;
		sum = crc32_le(sum, engine->scratch, n);
		xbuf_cursor_advance(&s, n);
		len -= n;
	}
	*crc = ~sum;
	return 0;
}
