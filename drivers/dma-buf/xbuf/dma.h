/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xbuf_dma internals shared between its source files.
 */
#ifndef _XBUF_DMA_H
#define _XBUF_DMA_H

#include <linux/atomic.h>
#include <linux/dma-direction.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct dentry;
struct device;
struct dma_buf;
struct dma_buf_attachment;
struct dma_fence;
struct sg_table;
struct workqueue_struct;
struct xbuf_engine;

/**
 * struct xbuf_engine_ops - what an engine must provide
 * @copy: move @len bytes from DMA address @src to DMA address @dst, both in
 *	the engine device's address space; may sleep; 0 or a negative errno
 * @destroy: release what the engine's constructor set up
 */
struct xbuf_engine_ops {
	int (*copy)(struct xbuf_engine *engine, dma_addr_t dst, dma_addr_t src,
		    size_t len);
	void (*destroy)(struct xbuf_engine *engine);
};

/**
 * struct xbuf_engine - a DMA engine jobs run on
 * @name: "loopback", "edu" or "dmaengine"
 * @dev: the device buffers are attached to and mapped for
 * @ops: the engine's operations
 * @priv: engine private data
 * @max_copy: longest single @ops->copy, in bytes, a multiple of @align
 * @align: what the addresses and lengths of every @ops->copy, and so the
 *	offsets and lengths of jobs, must be multiples of: a power of two
 * @scratch: coherent buffer through which FILL and CHECKSUM pass
 * @scratch_dma: DMA address of @scratch
 * @scratch_len: size of @scratch
 * @wq: ordered queue the jobs run on once their dependencies signalled
 * @fence_lock: lock of every fence of the engine
 * @map_lock: protects @mapped
 * @mapped: mapped handles of every open file, by dma-buf
 * @attachments: handles alive, over every open file
 * @nr_mapped: handles mapped, over every open file
 * @inflight: jobs submitted and not yet completed, over every open file
 * @jobs: jobs completed
 * @errors: jobs that failed
 * @bytes: bytes the engine moved for completed jobs
 * @busy_ns: time spent running jobs, waits for dependencies excluded
 */
struct xbuf_engine {
	const char *name;
	struct device *dev;
	const struct xbuf_engine_ops *ops;
	void *priv;
	size_t max_copy;
	u32 align;

	void *scratch;
	dma_addr_t scratch_dma;
	size_t scratch_len;

	struct workqueue_struct *wq;
	spinlock_t fence_lock; /* dma_fence.lock of every job fence */

	struct mutex map_lock; /* mapped */
	DECLARE_HASHTABLE(mapped, 8);

	atomic_t attachments;
	atomic_t nr_mapped;
	atomic_t inflight;
	atomic64_t jobs;
	atomic64_t errors;
	atomic64_t bytes;
	atomic64_t busy_ns;
};

/**
 * struct xbuf_dma_file - one open file of /dev/xbuf_dma
 * @ref: the open file and every job in flight hold one
 * @engine: the engine jobs of this file run on
 * @lock: serialises attach, detach, map, unmap and job submission
 * @handles: &struct xbuf_dma_handle by handle number
 * @mapped_bytes: bytes of the buffers this file has mapped
 * @jobs: jobs submitted and not yet completed
 * @idle: woken when a job lets go of its handles
 * @fence_context: the file's timeline: its jobs complete in order
 * @fence_seqno: last sequence number handed out on it
 * @last_fence: fence of the file's latest job, or NULL
 */
struct xbuf_dma_file {
	struct kref ref;
	struct xbuf_engine *engine;
	struct mutex lock; /* handle map state, job submission */
	struct xarray handles;
	atomic64_t mapped_bytes;
	atomic_t jobs;
	wait_queue_head_t idle;
	u64 fence_context;
	u64 fence_seqno;
	struct dma_fence *last_fence;
};

/**
 * struct xbuf_dma_handle - a dma-buf attached to the engine's device
 * @ref: the handle table and every job using it hold one
 * @file: the open file the handle belongs to
 * @engine: the engine whose device the buffer is attached to
 * @dmabuf: the buffer
 * @attach: its attachment to the engine's device
 * @fmode: FMODE_READ and FMODE_WRITE of the dma-buf's file
 * @sgt: the DMA mapping, or NULL while unmapped
 * @dir: direction userspace mapped it for; jobs are checked against it
 * @dma_len: bytes covered by the DMA segments of @sgt
 * @mapped_node: entry in &xbuf_engine.mapped while @sgt is set
 * @jobs: jobs in flight that use @sgt; unmap waits for none
 */
struct xbuf_dma_handle {
	struct kref ref;
	struct xbuf_dma_file *file;
	struct xbuf_engine *engine;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	fmode_t fmode;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	u64 dma_len;
	struct hlist_node mapped_node;
	atomic_t jobs;
};

int xbuf_engine_init(struct xbuf_engine *engine, const char *name,
		     struct device *dev, const struct xbuf_engine_ops *ops,
		     size_t max_copy);
void xbuf_engine_set_align(struct xbuf_engine *engine, u32 align);
void xbuf_engine_destroy(struct xbuf_engine *engine);
int xbuf_engine_copy(struct xbuf_engine *engine, struct sg_table *dst,
		     u64 dst_offset, struct sg_table *src, u64 src_offset,
		     u64 len);
int xbuf_engine_fill(struct xbuf_engine *engine, struct sg_table *dst,
		     u64 offset, u64 len, u8 pattern);
int xbuf_engine_checksum(struct xbuf_engine *engine, struct sg_table *src,
			 u64 offset, u64 len, u32 *crc);

struct xbuf_engine *xbuf_loopback_create(void);
int xbuf_edu_register(void);
void xbuf_edu_unregister(void);
struct xbuf_engine *xbuf_edu_create(void);
struct xbuf_engine *xbuf_dmaengine_create(void);

void xbuf_dma_handle_put(struct xbuf_dma_handle *handle);
void xbuf_dma_file_put(struct xbuf_dma_file *file);
long xbuf_dma_job_ioctl(struct xbuf_dma_file *file, void __user *arg);

int xbuf_dma_dev_register(struct xbuf_engine *engine);
struct xbuf_engine *xbuf_dma_dev_unregister(void);

/* dma-fault.c: only with CONFIG_FAULT_INJECTION, behind IS_ENABLED(). */
bool xbuf_engine_should_fail(void);
void xbuf_dma_fault_debugfs_init(struct dentry *root);
void xbuf_dma_debugfs_init(struct xbuf_engine *engine);
void xbuf_dma_debugfs_exit(void);

#endif /* _XBUF_DMA_H */
