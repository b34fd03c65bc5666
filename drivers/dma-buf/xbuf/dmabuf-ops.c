// SPDX-License-Identifier: GPL-2.0
/*
 * The dma_buf_ops of every xbuf heap: device attachments and their
 * mappings, CPU access brackets and the kernel mapping.
 *
 * Locking: the dma-buf core may call map, unmap, vmap and vunmap with the
 * buffer's dma_resv lock held, so nothing here takes that lock. Only the
 * buffer's own mutex is taken, always inside the resv lock and never
 * around a call back into the dma-buf core.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "heap.h"

/**
 * struct xbuf_attachment - one device's view of a buffer
 * @dev: the importing device
 * @table: private copy of the buffer's pages, split to what @dev can map
 * @node: entry in &xbuf_buffer.attachments
 * @dir: direction @table is DMA-mapped with (see xbuf_map_dir())
 * @mapped: @table is DMA-mapped for @dev
 */
struct xbuf_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head node;
	enum dma_data_direction dir;
	bool mapped;
};

static int xbuf_attach(struct dma_buf *dmabuf,
		       struct dma_buf_attachment *attach)
{
	struct xbuf_buffer *buf = dmabuf->priv;
	struct xbuf_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	/* Sized for the device, so no mapping fails for a too-long entry. */
	ret = xbuf_sgt_dup(&a->table, &buf->pages,
			   xbuf_max_segment(attach->dev));
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	attach->priv = a;

	mutex_lock(&buf->lock);
	list_add(&a->node, &buf->attachments);
	mutex_unlock(&buf->lock);
	return 0;
}

static void xbuf_detach(struct dma_buf *dmabuf,
			struct dma_buf_attachment *attach)
{
	struct xbuf_buffer *buf = dmabuf->priv;
	struct xbuf_attachment *a = attach->priv;

	mutex_lock(&buf->lock);
	list_del(&a->node);
	mutex_unlock(&buf->lock);

	sg_free_table(&a->table);
	kfree(a);
}

/*
 * Write-combined memory is never in a CPU cache: mapping it needs no cache
 * maintenance. Unmapping keeps its sync all the same: behind a bounce
 * buffer (swiotlb) that is where the device's writes come back.
 */
static unsigned long xbuf_map_attrs(struct xbuf_buffer *buf)
{
	return buf->heap->write_combine ? DMA_ATTR_SKIP_CPU_SYNC : 0;
}

/*
 * A mapping the device may write is made bidirectional. The CPU access
 * brackets sync it in its own direction, as the DMA API requires, and
 * syncing a DMA_FROM_DEVICE mapping for the device copies nothing into a
 * bounce buffer: the CPU's writes would stay out of the device's view,
 * and the next sync for the CPU, or the unmap, would copy the stale
 * bounce buffer back over them.
 */
static enum dma_data_direction xbuf_map_dir(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;
}

static struct sg_table *xbuf_map_dma_buf(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct xbuf_buffer *buf = attach->dmabuf->priv;
	struct xbuf_attachment *a = attach->priv;
	int ret;

	mutex_lock(&buf->lock);
	if (a->mapped) {
		/* One table per attachment: it cannot be mapped twice. */
		ret = -EBUSY;
	} else {
		a->dir = xbuf_map_dir(dir);
		ret = dma_map_sgtable(a->dev, &a->table, a->dir,
				      xbuf_map_attrs(buf));
		a->mapped = !ret;
	}
	mutex_unlock(&buf->lock);

	return ret ? ERR_PTR(ret) : &a->table;
}

static void xbuf_unmap_dma_buf(struct dma_buf_attachment *attach,
			       struct sg_table *table,
			       enum dma_data_direction dir)
{
	struct xbuf_buffer *buf = attach->dmabuf->priv;
	struct xbuf_attachment *a = attach->priv;

	mutex_lock(&buf->lock);
	a->mapped = false;
	dma_unmap_sgtable(a->dev, table, a->dir, 0);
	mutex_unlock(&buf->lock);
}

/*
 * CPU access brackets sync every mapped attachment. The sync direction is
 * the one the attachment was mapped with, as the DMA API requires: what the
 * CPU is about to do is already implied by which bracket this is.
 */
static int xbuf_begin_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	bool write = dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
	struct xbuf_buffer *buf = dmabuf->priv;
	struct xbuf_attachment *a;
	long ret;

	/*
	 * The core waits for the buffer's fences only after this returns:
	 * syncing for the CPU before a device finished writing would copy
	 * stale bounce buffers back. Wait first; no lock is needed for it.
	 */
	ret = dma_resv_wait_timeout(dmabuf->resv, dma_resv_usage_rw(write),
				    true, MAX_SCHEDULE_TIMEOUT);
	if (ret < 0)
		return ret;

	mutex_lock(&buf->lock);
	if (buf->vmap_count)
		invalidate_kernel_vmap_range(buf->vaddr, buf->len);
	list_for_each_entry(a, &buf->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->table, a->dir);
	mutex_unlock(&buf->lock);
	return 0;
}

static int xbuf_end_cpu_access(struct dma_buf *dmabuf,
			       enum dma_data_direction dir)
{
	struct xbuf_buffer *buf = dmabuf->priv;
	struct xbuf_attachment *a;

	mutex_lock(&buf->lock);
	if (buf->vmap_count)
		flush_kernel_vmap_range(buf->vaddr, buf->len);
	list_for_each_entry(a, &buf->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->table, a->dir);
	mutex_unlock(&buf->lock);
	return 0;
}

static void *xbuf_vmap_pages(struct xbuf_buffer *buf)
{
	unsigned long npages = buf->len >> PAGE_SHIFT, n = 0;
	pgprot_t prot = PAGE_KERNEL;
	struct sg_page_iter iter;
	struct page **pages;
	void *vaddr;

	if (buf->heap->write_combine)
		prot = pgprot_writecombine(prot);

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for_each_sgtable_page(&buf->pages, &iter, 0)
		pages[n++] = sg_page_iter_page(&iter);

	vaddr = vmap(pages, npages, VM_MAP, prot);
	kvfree(pages);
	return vaddr;
}

static int xbuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct xbuf_buffer *buf = dmabuf->priv;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (!buf->vmap_count) {
		buf->vaddr = xbuf_vmap_pages(buf);
		if (!buf->vaddr)
			ret = -ENOMEM;
	}
	if (!ret) {
		buf->vmap_count++;
		iosys_map_set_vaddr(map, buf->vaddr);
	}
	mutex_unlock(&buf->lock);
	return ret;
}

static void xbuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct xbuf_buffer *buf = dmabuf->priv;

	mutex_lock(&buf->lock);
	if (!--buf->vmap_count) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
	iosys_map_clear(map);
}

static void xbuf_release(struct dma_buf *dmabuf)
{
	xbuf_buffer_free(dmabuf->priv);
}

const struct dma_buf_ops xbuf_dma_buf_ops = {
	.attach = xbuf_attach,
	.detach = xbuf_detach,
	.map_dma_buf = xbuf_map_dma_buf,
	.unmap_dma_buf = xbuf_unmap_dma_buf,
	.begin_cpu_access = xbuf_begin_cpu_access,
	.end_cpu_access = xbuf_end_cpu_access,
	.mmap = xbuf_buffer_mmap,
	.vmap = xbuf_vmap,
	.vunmap = xbuf_vunmap,
	.release = xbuf_release,
};
