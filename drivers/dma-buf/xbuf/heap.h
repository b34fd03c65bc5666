/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xbuf_heap internals shared between its source files.
 */
#ifndef _XBUF_HEAP_H
#define _XBUF_HEAP_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct dma_buf;
struct device;
struct kobject;
struct page;
struct seq_file;
struct vm_area_struct;
struct xbuf_heap;

/**
 * struct xbuf_heap_ops - how a heap obtains and returns its pages
 * @alloc: fill @table with zeroed pages covering @len bytes (page aligned)
 * @free: give back every page @alloc put in @table
 * @max_len: the largest single buffer the heap can ever provide
 * @contiguous: every buffer is one physically contiguous range
 */
struct xbuf_heap_ops {
	int (*alloc)(struct xbuf_heap *heap, struct sg_table *table,
		     size_t len);
	void (*free)(struct xbuf_heap *heap, struct sg_table *table);
	size_t (*max_len)(struct xbuf_heap *heap);
	bool contiguous;
};

/**
 * struct xbuf_heap - one allocator exposed as /dev/dma_heap/<name>
 * @name: heap name, also the dma-buf exporter name
 * @ops: page allocator
 * @write_combine: CPU mappings are write-combined and device mappings skip
 *	cache maintenance
 * @dma_dev: device through which caches of write-combine buffers are
 *	cleaned
 * @misc: the character device userspace allocates through, unless the
 *	dma-heap framework provides it
 * @nodename: "dma_heap/<name>", the devtmpfs path of @misc
 * @buffers: live buffers
 * @bytes: bytes held by live buffers
 * @kobj: /sys/kernel/xbuf/heaps/<name>, the heap's properties
 */
struct xbuf_heap {
	const char *name;
	const struct xbuf_heap_ops *ops;
	bool write_combine;
	struct device *dma_dev;
	struct miscdevice misc;
	char nodename[32];
	atomic_t buffers;
	atomic64_t bytes;
	struct kobject *kobj;
};

/**
 * struct xbuf_buffer - the memory behind one exported dma-buf
 * @heap: the heap it came from
 * @len: size in bytes, page aligned
 * @pages: the pages, one entry per physically contiguous chunk
 * @lock: protects @attachments, @vmap_count and @vaddr
 * @attachments: every &struct xbuf_attachment of this buffer
 * @vmap_count: users of @vaddr
 * @vaddr: kernel mapping while @vmap_count is non-zero
 * @mmap_hint_lock: protects @mmap_hint_sg and @mmap_hint_pgoff
 * @mmap_hint_sg: the chunk where the last mapping fault began its fill
 * @mmap_hint_pgoff: the buffer page offset of @mmap_hint_sg's first page
 */
struct xbuf_buffer {
	struct xbuf_heap *heap;
	size_t len;
	struct sg_table pages;
	struct mutex lock; /* attachments, vmap_count, vaddr */
	struct list_head attachments;
	unsigned int vmap_count;
	void *vaddr;
	spinlock_t mmap_hint_lock; /* mmap_hint_sg, mmap_hint_pgoff */
	struct scatterlist *mmap_hint_sg;
	unsigned long mmap_hint_pgoff;
};

extern const struct xbuf_heap_ops xbuf_sg_heap_ops;
extern const struct xbuf_heap_ops xbuf_contig_heap_ops;
extern const struct dma_buf_ops xbuf_dma_buf_ops;

gfp_t xbuf_heap_gfp_extra(void);
size_t xbuf_heap_max_buffer(struct xbuf_heap *heap);
unsigned long xbuf_heap_max_bytes(void);
size_t xbuf_max_segment(struct device *dev);
int xbuf_sgt_dup(struct sg_table *dst, const struct sg_table *src,
		 size_t max_seg);
struct dma_buf *xbuf_buffer_export(struct xbuf_heap *heap, u64 len,
				   u32 fd_flags);
void xbuf_buffer_free(struct xbuf_buffer *buf);
int xbuf_buffer_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma);

/* The chunk orders of the scatter-gather heaps, largest first. */
#define XBUF_SG_ORDERS	3
extern const unsigned int xbuf_sg_orders[XBUF_SG_ORDERS];

int xbuf_pool_init(void);
void xbuf_pool_exit(void);
bool xbuf_pool_charges_cgroup(gfp_t gfp);
struct page *xbuf_pool_get(unsigned int order, gfp_t gfp);
unsigned long xbuf_pool_release_charged(gfp_t gfp);
void xbuf_pool_put(struct page *page);
void xbuf_pool_show(struct seq_file *s);

const char *xbuf_heap_registration(void);
bool xbuf_heap_removable(void);
int xbuf_heap_register(struct xbuf_heap *heap);
void xbuf_heap_unregister(struct xbuf_heap *heap);

int xbuf_sysfs_init(struct xbuf_heap *heaps, unsigned int count);
void xbuf_sysfs_exit(struct xbuf_heap *heaps, unsigned int count);

void xbuf_debugfs_init(struct xbuf_heap *heaps, unsigned int count);
void xbuf_debugfs_exit(void);

#endif /* _XBUF_HEAP_H */
