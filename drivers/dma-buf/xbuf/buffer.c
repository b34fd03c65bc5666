// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer lifetime: size checks, per-heap accounting, allocation through the
 * heap's page allocator, export as a dma-buf and the final free.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "compat.h"
#include "heap.h"

static unsigned long max_buffer_bytes;
module_param(max_buffer_bytes, ulong, 0644);
MODULE_PARM_DESC(max_buffer_bytes,
		 "Largest single buffer in bytes; larger requests fail with EFBIG (0: no limit but the heap's)");

static unsigned long max_heap_bytes;
module_param(max_heap_bytes, ulong, 0644);
MODULE_PARM_DESC(max_heap_bytes,
		 "Bytes each heap may hold in live buffers; beyond it allocations fail with ENOSPC (0: no limit)");

static bool memcg_account = true;
module_param(memcg_account, bool, 0644);
MODULE_PARM_DESC(memcg_account,
		 "Charge buffer pages to the allocating task's memory cgroup (default on)");

/**
 * xbuf_heap_gfp_extra() - GFP flags every page allocation of a buffer adds
 *
 * Return: __GFP_ACCOUNT when memcg accounting is enabled, else 0.
 */
gfp_t xbuf_heap_gfp_extra(void)
{
	return READ_ONCE(memcg_account) ? __GFP_ACCOUNT : 0;
}

/**
 * xbuf_heap_max_buffer() - largest buffer @heap can provide right now
 * @heap: the heap
 *
 * Return: the smaller of what the heap's allocator can ever give and the
 * max_buffer_bytes limit, in bytes.
 */
size_t xbuf_heap_max_buffer(struct xbuf_heap *heap)
{
	size_t limit = heap->ops->max_len(heap);
	unsigned long cap = READ_ONCE(max_buffer_bytes);

	return cap ? min_t(size_t, limit, rounddown(cap, PAGE_SIZE)) : limit;
}

/**
 * xbuf_heap_max_bytes() - the max_heap_bytes limit
 *
 * Return: the bytes each heap may hold in live buffers, 0 for no limit.
 */
unsigned long xbuf_heap_max_bytes(void)
{
	return READ_ONCE(max_heap_bytes);
}

/*
 * The page-aligned size for a request of @len bytes, in *@size; 0 or an
 * errno. The request is a u64 from userspace and size_t may be 32 bits:
 * everything is compared before anything is narrowed.
 */
static int xbuf_buffer_size(struct xbuf_heap *heap, u64 len, size_t *size)
{
	unsigned long cap = READ_ONCE(max_buffer_bytes);

	if (!len)
		return -EINVAL;
	/* max_len is page aligned: PAGE_ALIGN() below cannot overflow. */
	if (len > heap->ops->max_len(heap))
		return -ENOMEM;
	len = PAGE_ALIGN(len);
	if (cap && len > cap)
		return -EFBIG;
	*size = len;
	return 0;
}

static int xbuf_heap_charge(struct xbuf_heap *heap, size_t len)
{
	unsigned long cap = READ_ONCE(max_heap_bytes);
	s64 total = atomic64_add_return(len, &heap->bytes);

	if (cap && total > cap) {
		atomic64_sub(len, &heap->bytes);
		return -ENOSPC;
	}
	atomic_inc(&heap->buffers);
	return 0;
}

static void xbuf_heap_uncharge(struct xbuf_heap *heap, size_t len)
{
	atomic_dec(&heap->buffers);
	atomic64_sub(len, &heap->bytes);
}

/**
 * xbuf_max_segment() - longest scatterlist entry @dev can map
 * @dev: device that will map the entries
 *
 * Return: the smaller of the DMA layer's mapping limit (a swiotlb slot run,
 * say) and the device's own segment limit, in bytes.
 */
size_t xbuf_max_segment(struct device *dev)
{
	return min_t(size_t, dma_max_mapping_size(dev),
		     dma_get_max_seg_size(dev));
}

/**
 * xbuf_sgt_dup() - copy a page table, splitting entries that are too long
 * @dst: table to fill; free it with sg_free_table()
 * @src: table of pages
 * @max_seg: longest entry allowed in @dst; rounded down to whole pages
 *
 * Return: 0 or -ENOMEM.
 */
int xbuf_sgt_dup(struct sg_table *dst, const struct sg_table *src,
		 size_t max_seg)
{
	struct scatterlist *s, *d;
	unsigned int i, nents = 0;
	int ret;

	max_seg = max_t(size_t, rounddown(min_t(size_t, max_seg, SZ_1G),
					  PAGE_SIZE), PAGE_SIZE);
	for_each_sgtable_sg(src, s, i)
		nents += DIV_ROUND_UP(s->length, max_seg);

	ret = sg_alloc_table(dst, nents, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;

	d = dst->sgl;
	for_each_sgtable_sg(src, s, i) {
		unsigned int off, len;

		for (off = 0; off < s->length; off += len) {
			len = min_t(size_t, max_seg, s->length - off);
			sg_set_page(d, xbuf_nth_page(sg_page(s), off >> PAGE_SHIFT),
				    len, 0);
			d = sg_next(d);
		}
	}
	return 0;
}

/*
 * Pages of a write-combine buffer were zeroed through the cacheable kernel
 * mapping. Push those lines out to memory once, through the DMA API on the
 * module's own device, so that no stale cache line ever shadows the buffer.
 * One segment at a time: behind bounce buffers (swiotlb=force) a buffer
 * larger than all of them together must work too.
 */
static int xbuf_buffer_clean_cache(struct xbuf_buffer *buf)
{
	struct device *dev = buf->heap->dma_dev;
	struct scatterlist *sg;
	struct sg_table table;
	unsigned int i;
	int ret;

	ret = xbuf_sgt_dup(&table, &buf->pages, xbuf_max_segment(dev));
	if (ret)
		return ret;
	for_each_sgtable_sg(&table, sg, i) {
		dma_addr_t addr = dma_map_page(dev, sg_page(sg), 0, sg->length,
					       DMA_BIDIRECTIONAL);

		if (dma_mapping_error(dev, addr)) {
			ret = -ENOMEM;
			break;
		}
		dma_unmap_page(dev, addr, sg->length, DMA_BIDIRECTIONAL);
		cond_resched();
	}
	sg_free_table(&table);
	return ret;
}

static struct xbuf_buffer *xbuf_buffer_alloc(struct xbuf_heap *heap,
					     size_t len)
{
	struct xbuf_buffer *buf;
	int ret;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->heap = heap;
	buf->len = len;
	mutex_init(&buf->lock);
	INIT_LIST_HEAD(&buf->attachments);
	spin_lock_init(&buf->mmap_hint_lock);

	ret = heap->ops->alloc(heap, &buf->pages, len);
	if (ret)
		goto err_free;
	if (heap->write_combine) {
		ret = xbuf_buffer_clean_cache(buf);
		if (ret)
			goto err_pages;
	}
	return buf;

err_pages:
	heap->ops->free(heap, &buf->pages);
err_free:
	mutex_destroy(&buf->lock);
	kfree(buf);
	return ERR_PTR(ret);
}

/**
 * xbuf_buffer_free() - give a buffer's memory back to its heap
 * @buf: buffer without attachments or kernel mapping
 */
void xbuf_buffer_free(struct xbuf_buffer *buf)
{
	struct xbuf_heap *heap = buf->heap;
	size_t len = buf->len;

	heap->ops->free(heap, &buf->pages);
	mutex_destroy(&buf->lock);
	kfree(buf);
	xbuf_heap_uncharge(heap, len);
}

/**
 * xbuf_buffer_export() - allocate a zeroed buffer and export it
 * @heap: heap to allocate from
 * @len: requested size in bytes; rounded up to whole pages
 * @fd_flags: O_ACCMODE and O_CLOEXEC flags of the dma-buf file
 *
 * Return: the new dma-buf, or an ERR_PTR: -EINVAL for a zero @len, -EFBIG
 * above max_buffer_bytes, -ENOSPC above max_heap_bytes, -ENOMEM when the
 * memory cannot be had, -EINTR when the caller was killed meanwhile.
 */
struct dma_buf *xbuf_buffer_export(struct xbuf_heap *heap, u64 len,
				   u32 fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct xbuf_buffer *buf;
	struct dma_buf *dmabuf;
	size_t size;
	int ret;

	ret = xbuf_buffer_size(heap, len, &size);
	if (ret)
		return ERR_PTR(ret);
	ret = xbuf_heap_charge(heap, size);
	if (ret)
		return ERR_PTR(ret);

	buf = xbuf_buffer_alloc(heap, size);
	if (IS_ERR(buf)) {
		xbuf_heap_uncharge(heap, size);
		return ERR_CAST(buf);
	}

	exp_info.exp_name = heap->name;
	exp_info.ops = &xbuf_dma_buf_ops;
	exp_info.size = size;
	exp_info.flags = fd_flags;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf))
		xbuf_buffer_free(buf);
	return dmabuf;
}
