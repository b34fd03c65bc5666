// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xbuf_dma: the misc device, its open files and the handles that name
 * dma-buf attachments within a file.
 *
 * A handle follows the importer rules of the dma-buf API: dma_buf_get(),
 * dma_buf_attach() to the engine's device, dma_buf_map_attachment_unlocked()
 * for one direction, and the reverse, in order, when it goes away. Closing
 * the file releases every handle; jobs still in flight keep theirs until
 * they complete.
 *
 * Locking order: file lock, then the engine's map lock, then the buffers'
 * dma_resv locks (inside the dma-buf core).
 */

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/lockdep.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xbuf.h>

#include "dma.h"

/* Attachments pin kernel memory: bound how many one file may hold. */
#define XBUF_DMA_MAX_HANDLES	4096

static unsigned short dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/xbuf_dma (default 0600)");

static unsigned long long max_mapped_bytes = 16ULL << 30;
module_param(max_mapped_bytes, ullong, 0644);
MODULE_PARM_DESC(max_mapped_bytes,
		 "Bytes of buffers one open file may have mapped at once; beyond it MAP fails with ENOSPC (default 16 GiB)");

static struct xbuf_engine *xbuf_dma_engine;

static bool xbuf_dma_dir_valid(u32 dir)
{
	return dir == XBUF_DMA_BIDIRECTIONAL || dir == XBUF_DMA_TO_DEVICE ||
	       dir == XBUF_DMA_FROM_DEVICE;
}

/*
 * The direction asked of the exporter. A device that writes a buffer
 * rarely writes all of it, and behind a bounce buffer only a
 * bidirectional mapping carries the CPU's writes between jobs to the
 * device's copy (sync_for_device of a DMA_FROM_DEVICE mapping copies
 * nothing): without it, unmapping would copy stale bytes back over them.
 */
static enum dma_data_direction xbuf_dma_exporter_dir(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;
}

/* Call only with no job using the mapping. */
static void xbuf_dma_handle_unmap(struct xbuf_dma_handle *handle)
{
	struct xbuf_engine *engine = handle->engine;

	dma_buf_unmap_attachment_unlocked(handle->attach, handle->sgt,
					  xbuf_dma_exporter_dir(handle->dir));
	handle->sgt = NULL;
	/* Unmapped first: no other handle may map the buffer before that. */
	mutex_lock(&engine->map_lock);
	hash_del(&handle->mapped_node);
	mutex_unlock(&engine->map_lock);
	atomic_dec(&engine->nr_mapped);
	atomic64_sub(handle->dmabuf->size, &handle->file->mapped_bytes);
}

static void xbuf_dma_handle_release(struct kref *ref)
{
	struct xbuf_dma_handle *handle = container_of(ref,
						      struct xbuf_dma_handle,
						      ref);

	if (handle->sgt)
		xbuf_dma_handle_unmap(handle);
	dma_buf_detach(handle->dmabuf, handle->attach);
	dma_buf_put(handle->dmabuf);
	atomic_dec(&handle->engine->attachments);
	kfree(handle);
}

/**
 * xbuf_dma_handle_put() - drop a reference to a handle
 * @handle: the handle; the last reference unmaps, detaches and puts it
 *
 * May sleep and take the buffer's reservation lock.
 */
void xbuf_dma_handle_put(struct xbuf_dma_handle *handle)
{
	kref_put(&handle->ref, xbuf_dma_handle_release);
}

/*
 * Drop the handle table's reference, as the last one: a job that has
 * completed may still hold its reference for a moment (it lets go after
 * signalling its fence). Waiting for that keeps detach synchronous:
 * once it returns, the buffer is unmapped and detached.
 */
static void xbuf_dma_handle_put_last(struct xbuf_dma_file *file,
				     struct xbuf_dma_handle *handle)
{
	wait_event(file->idle, kref_read(&handle->ref) == 1);
	xbuf_dma_handle_put(handle);
}

static void xbuf_dma_file_release_ref(struct kref *ref)
{
	struct xbuf_dma_file *file = container_of(ref, struct xbuf_dma_file,
						  ref);

	dma_fence_put(file->last_fence);
	xa_destroy(&file->handles);
	mutex_destroy(&file->lock);
	kfree(file);
}

/**
 * xbuf_dma_file_put() - drop a reference to an open file's state
 * @file: the state; freed with the last reference
 */
void xbuf_dma_file_put(struct xbuf_dma_file *file)
{
	kref_put(&file->ref, xbuf_dma_file_release_ref);
}

static int xbuf_dma_info(struct xbuf_dma_file *file, void __user *arg)
{
	struct xbuf_engine *engine = file->engine;
	struct xbuf_dma_info info = { };

	strscpy(info.engine, engine->name, sizeof(info.engine));
	strscpy(info.device, dev_name(engine->dev), sizeof(info.device));
	info.dma_mask = dma_get_mask(engine->dev);
	info.max_mapping = dma_max_mapping_size(engine->dev);
	info.align = engine->align;
	if (device_iommu_mapped(engine->dev))
		info.flags |= XBUF_DMA_INFO_IOMMU;
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static struct xbuf_dma_handle *xbuf_dma_handle_create(struct xbuf_dma_file *file,
						      int fd)
{
	struct xbuf_dma_handle *handle;
	int ret;

	handle = kzalloc(sizeof(*handle), GFP_KERNEL_ACCOUNT);
	if (!handle)
		return ERR_PTR(-ENOMEM);
	kref_init(&handle->ref);

	handle->dmabuf = dma_buf_get(fd);
	if (IS_ERR(handle->dmabuf)) {
		ret = PTR_ERR(handle->dmabuf);
		goto err_free;
	}
	/* A dma-buf has one file: the fd's access mode is its f_mode. */
	handle->fmode = handle->dmabuf->file->f_mode &
			(FMODE_READ | FMODE_WRITE);
	handle->attach = dma_buf_attach(handle->dmabuf, file->engine->dev);
	if (IS_ERR(handle->attach)) {
		ret = PTR_ERR(handle->attach);
		goto err_put;
	}
	handle->file = file;
	handle->engine = file->engine;
	atomic_inc(&handle->engine->attachments);
	return handle;

err_put:
	dma_buf_put(handle->dmabuf);
err_free:
	kfree(handle);
	return ERR_PTR(ret);
}

/*
 * The handle number is reserved first and the reply copied out next; only
 * then is the handle published, under the file lock. Until then no other
 * thread can find it, so a failed copy is undone without a race.
 */
static int xbuf_dma_attach(struct xbuf_dma_file *file, void __user *arg)
{
	struct xbuf_dma_attach req;
	struct xbuf_dma_handle *handle;
	u32 id;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.handle || req.size || req.reserved[0] || req.reserved[1])
		return -EINVAL;

	handle = xbuf_dma_handle_create(file, req.fd);
	if (IS_ERR(handle))
		return PTR_ERR(handle);

	ret = xa_alloc(&file->handles, &id, NULL,
		       XA_LIMIT(1, XBUF_DMA_MAX_HANDLES), GFP_KERNEL_ACCOUNT);
	if (ret) {
		xbuf_dma_handle_put(handle);
		return ret == -EBUSY ? -EMFILE : ret;
	}

	req.handle = id;
	req.size = handle->dmabuf->size;
	if (copy_to_user(arg, &req, sizeof(req))) {
		xa_erase(&file->handles, id);
		xbuf_dma_handle_put(handle);
		return -EFAULT;
	}

	/* Replacing the reserved entry allocates nothing; checked all the same. */
	mutex_lock(&file->lock);
	ret = xa_err(xa_store(&file->handles, id, handle, GFP_KERNEL));
	mutex_unlock(&file->lock);
	if (ret) {
		xa_erase(&file->handles, id);
		xbuf_dma_handle_put(handle);
	}
	return ret;
}

/*
 * The handle named in @arg for detach or unmap: it must exist (-ENOENT)
 * and no job may be using it (-EBUSY).
 */
static struct xbuf_dma_handle *
xbuf_dma_idle_handle(struct xbuf_dma_file *file,
		     const struct xbuf_dma_handle_arg *req)
{
	struct xbuf_dma_handle *handle;

	lockdep_assert_held(&file->lock);
	handle = xa_load(&file->handles, req->handle);
	if (!handle)
		return ERR_PTR(-ENOENT);
	if (atomic_read(&handle->jobs))
		return ERR_PTR(-EBUSY);
	return handle;
}

static int xbuf_dma_copy_handle(struct xbuf_dma_handle_arg *req,
				void __user *arg)
{
	if (copy_from_user(req, arg, sizeof(*req)))
		return -EFAULT;
	return req->reserved ? -EINVAL : 0;
}

static int xbuf_dma_detach(struct xbuf_dma_file *file, void __user *arg)
{
	struct xbuf_dma_handle_arg req;
	struct xbuf_dma_handle *handle;
	int ret;

	ret = xbuf_dma_copy_handle(&req, arg);
	if (ret)
		return ret;

	mutex_lock(&file->lock);
	handle = xbuf_dma_idle_handle(file, &req);
	if (!IS_ERR(handle))
		xa_erase(&file->handles, req.handle);
	mutex_unlock(&file->lock);

	if (IS_ERR(handle))
		return PTR_ERR(handle);
	xbuf_dma_handle_put_last(file, handle);
	return 0;
}

/* The buffer's fd must allow what the device will do with it. */
static int xbuf_dma_check_access(const struct xbuf_dma_handle *handle,
				 enum dma_data_direction dir)
{
	fmode_t need = 0;

	if (dir != DMA_FROM_DEVICE)
		need |= FMODE_READ;	/* the device reads the buffer */
	if (dir != DMA_TO_DEVICE)
		need |= FMODE_WRITE;	/* the device writes it */
	return (handle->fmode & need) == need ? 0 : -EACCES;
}

/*
 * Two mappings of one buffer for one device, either of which the device
 * may write through, are two views that cannot both be right (two bounce
 * buffers, say): the DMA API does not allow them. Mappings the device only
 * reads may coexist. Call with the engine's map lock held.
 */
static bool xbuf_dma_map_conflicts(struct xbuf_engine *engine,
				   const struct xbuf_dma_handle *handle,
				   enum dma_data_direction dir)
{
	struct xbuf_dma_handle *other;

	lockdep_assert_held(&engine->map_lock);
	hash_for_each_possible(engine->mapped, other, mapped_node,
			       (unsigned long)handle->dmabuf)
		if (other->dmabuf == handle->dmabuf &&
		    (dir != DMA_TO_DEVICE || other->dir != DMA_TO_DEVICE))
			return true;
	return false;
}

/* Map the handle and record the mapping engine-wide; 0 or an errno. */
static int xbuf_dma_handle_map(struct xbuf_dma_handle *handle,
			       enum dma_data_direction dir)
{
	struct xbuf_engine *engine = handle->engine;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;
	int ret = 0;

	mutex_lock(&engine->map_lock);
	if (xbuf_dma_map_conflicts(engine, handle, dir)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	sgt = dma_buf_map_attachment_unlocked(handle->attach,
					      xbuf_dma_exporter_dir(dir));
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto out_unlock;
	}
	handle->sgt = sgt;
	handle->dir = dir;
	handle->dma_len = 0;
	for_each_sgtable_dma_sg(sgt, sg, i)
		handle->dma_len += sg_dma_len(sg);
	hash_add(engine->mapped, &handle->mapped_node,
		 (unsigned long)handle->dmabuf);
	atomic_inc(&engine->nr_mapped);
out_unlock:
	mutex_unlock(&engine->map_lock);
	return ret;
}

/* Count the buffer against the file's max_mapped_bytes: 0 or -ENOSPC. */
static int xbuf_dma_charge_mapping(struct xbuf_dma_file *file, u64 size)
{
	u64 cap = READ_ONCE(max_mapped_bytes);

	if (atomic64_add_return(size, &file->mapped_bytes) > cap) {
		atomic64_sub(size, &file->mapped_bytes);
		return -ENOSPC;
	}
	return 0;
}

static int xbuf_dma_map(struct xbuf_dma_file *file, void __user *arg)
{
	struct xbuf_dma_handle *handle;
	struct xbuf_dma_map req;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (!xbuf_dma_dir_valid(req.dir) || req.flags || req.nents ||
	    req.dma_len || req.reserved[0] || req.reserved[1])
		return -EINVAL;

	mutex_lock(&file->lock);
	handle = xa_load(&file->handles, req.handle);
	if (!handle)
		ret = -ENOENT;
	else if (handle->sgt)
		ret = -EBUSY;
	else
		ret = xbuf_dma_check_access(handle, req.dir);
	if (ret)
		goto out_unlock;

	ret = xbuf_dma_charge_mapping(file, handle->dmabuf->size);
	if (ret)
		goto out_unlock;
	ret = xbuf_dma_handle_map(handle, req.dir);
	if (ret) {
		atomic64_sub(handle->dmabuf->size, &file->mapped_bytes);
		goto out_unlock;
	}

	req.nents = handle->sgt->nents;
	req.dma_len = handle->dma_len;
	if (copy_to_user(arg, &req, sizeof(req))) {
		xbuf_dma_handle_unmap(handle);
		ret = -EFAULT;
	}
out_unlock:
	mutex_unlock(&file->lock);
	return ret;
}

static int xbuf_dma_unmap(struct xbuf_dma_file *file, void __user *arg)
{
	struct xbuf_dma_handle_arg req;
	struct xbuf_dma_handle *handle;
	int ret;

	ret = xbuf_dma_copy_handle(&req, arg);
	if (ret)
		return ret;

	mutex_lock(&file->lock);
	handle = xbuf_dma_idle_handle(file, &req);
	if (IS_ERR(handle))
		ret = PTR_ERR(handle);
	else if (!handle->sgt)
		ret = -ENXIO;
	else
		xbuf_dma_handle_unmap(handle);
	mutex_unlock(&file->lock);
	return ret;
}

static long xbuf_dma_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	struct xbuf_dma_file *file = filp->private_data;
	void __user *uarg = (void __user *)arg;

	/* One layout for 32-bit and 64-bit callers: no implicit padding. */
	BUILD_BUG_ON(sizeof(struct xbuf_dma_info) != 88);
	BUILD_BUG_ON(sizeof(struct xbuf_dma_attach) != 32);
	BUILD_BUG_ON(sizeof(struct xbuf_dma_handle_arg) != 8);
	BUILD_BUG_ON(sizeof(struct xbuf_dma_map) != 40);
	BUILD_BUG_ON(sizeof(struct xbuf_dma_job) != 80);

	switch (cmd) {
	case XBUF_DMA_IOC_INFO:
		return xbuf_dma_info(file, uarg);
	case XBUF_DMA_IOC_ATTACH:
		return xbuf_dma_attach(file, uarg);
	case XBUF_DMA_IOC_DETACH:
		return xbuf_dma_detach(file, uarg);
	case XBUF_DMA_IOC_MAP:
		return xbuf_dma_map(file, uarg);
	case XBUF_DMA_IOC_UNMAP:
		return xbuf_dma_unmap(file, uarg);
	case XBUF_DMA_IOC_JOB:
		return xbuf_dma_job_ioctl(file, uarg);
	default:
		return -ENOTTY;
	}
}

static int xbuf_dma_open(struct inode *inode, struct file *filp)
{
	struct xbuf_dma_file *file;

	file = kzalloc(sizeof(*file), GFP_KERNEL_ACCOUNT);
	if (!file)
		return -ENOMEM;
	kref_init(&file->ref);
	file->engine = xbuf_dma_engine;
	mutex_init(&file->lock);
	xa_init_flags(&file->handles, XA_FLAGS_ALLOC1);
	init_waitqueue_head(&file->idle);
	file->fence_context = dma_fence_context_alloc(1);
	filp->private_data = file;
	return nonseekable_open(inode, filp);
}

static int xbuf_dma_release(struct inode *inode, struct file *filp)
{
	struct xbuf_dma_file *file = filp->private_data;
	struct xbuf_dma_handle *handle;
	unsigned long id;

	/*
	 * Nothing waits here for the file's jobs: each holds references to
	 * its handles and to the file, and the last reference unmaps and
	 * detaches once the job is done.
	 */
	xa_for_each(&file->handles, id, handle) {
		xa_erase(&file->handles, id);
		xbuf_dma_handle_put(handle);
	}
	xbuf_dma_file_put(file);
	return 0;
}

static const struct file_operations xbuf_dma_fops = {
	.owner = THIS_MODULE,
	.open = xbuf_dma_open,
	.release = xbuf_dma_release,
	.unlocked_ioctl = xbuf_dma_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice xbuf_dma_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xbuf_dma",
	.fops = &xbuf_dma_fops,
};

/**
 * xbuf_dma_dev_register() - create /dev/xbuf_dma for @engine
 * @engine: the engine every file's jobs run on
 *
 * Return: 0 or the error of misc_register().
 */
int xbuf_dma_dev_register(struct xbuf_engine *engine)
{
	xbuf_dma_engine = engine;
	xbuf_dma_misc.mode = dev_mode;
	return misc_register(&xbuf_dma_misc);
}

/**
 * xbuf_dma_dev_unregister() - remove /dev/xbuf_dma
 *
 * Open files pin the module, so none is left when this runs at unload.
 *
 * Return: the engine the device served, for its owner to destroy.
 */
struct xbuf_engine *xbuf_dma_dev_unregister(void)
{
	misc_deregister(&xbuf_dma_misc);
	return xbuf_dma_engine;
}
