// SPDX-License-Identifier: GPL-2.0
/*
 * The heap character devices, /dev/dma_heap/<name>, and their one ioctl,
 * DMA_HEAP_IOCTL_ALLOC, with the semantics of the kernel's dma-heap
 * framework so that programs written for /dev/dma_heap/system work here.
 *
 * The nodes are misc devices: their class is "misc", not "dma_heap", so a
 * kernel that has the dma-heap framework carries both without a clash.
 * (Built into such a kernel, xbuf registers with the framework instead:
 * heap-dma-heap.c.)
 */

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <uapi/linux/dma-heap.h>

#include "heap.h"

/**
 * xbuf_heap_registration() - who provides the heaps' device nodes
 *
 * Return: "misc".
 */
const char *xbuf_heap_registration(void)
{
	return "misc";
}

/**
 * xbuf_heap_removable() - whether a registered heap can be unregistered
 *
 * Return: true: misc devices come and go with the module.
 */
bool xbuf_heap_removable(void)
{
	return true;
}

/*
 * Allocate, then publish: the fd is reserved first, the result copied to
 * userspace next, and only then is the fd installed. Until fd_install()
 * nothing is visible to the process, so every failure can be undone.
 */
static int xbuf_heap_alloc(struct xbuf_heap *heap,
			   struct dma_heap_allocation_data *data,
			   void __user *udata, size_t usize)
{
	struct dma_buf *dmabuf;
	int fd;

	if (data->fd || data->heap_flags ||
	    data->fd_flags & ~DMA_HEAP_VALID_FD_FLAGS)
		return -EINVAL;

	fd = get_unused_fd_flags(data->fd_flags);
	if (fd < 0)
		return fd;

	dmabuf = xbuf_buffer_export(heap, data->len, data->fd_flags);
	if (IS_ERR(dmabuf)) {
		put_unused_fd(fd);
		return PTR_ERR(dmabuf);
	}

	data->fd = fd;
	if (copy_to_user(udata, data, min(usize, sizeof(*data)))) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}

/*
 * Callers built against an older or newer struct dma_heap_allocation_data
 * encode its size in @cmd. As the dma-heap framework does, fields the
 * caller lacks read as zero, bytes this kernel does not know are ignored,
 * and only the fields both know are copied back.
 */
static long xbuf_heap_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct xbuf_heap *heap = container_of(file->private_data,
					      struct xbuf_heap, misc);
	struct dma_heap_allocation_data data = { };
	void __user *udata = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd);

	if (_IOC_TYPE(cmd) != _IOC_TYPE(DMA_HEAP_IOCTL_ALLOC) ||
	    _IOC_NR(cmd) != _IOC_NR(DMA_HEAP_IOCTL_ALLOC) ||
	    _IOC_DIR(cmd) != _IOC_DIR(DMA_HEAP_IOCTL_ALLOC))
		return -ENOTTY;
	/* Without the fd field there is no way to hand the buffer back. */
	if (usize < offsetofend(struct dma_heap_allocation_data, fd))
		return -EINVAL;

	if (copy_from_user(&data, udata, min(usize, sizeof(data))))
		return -EFAULT;
	return xbuf_heap_alloc(heap, &data, udata, usize);
}

static const struct file_operations xbuf_heap_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = xbuf_heap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * xbuf_heap_register() - create /dev/dma_heap/<name> for @heap
 * @heap: heap with @name, @ops and @write_combine set
 *
 * Return: 0 or the error of misc_register().
 */
int xbuf_heap_register(struct xbuf_heap *heap)
{
	snprintf(heap->nodename, sizeof(heap->nodename), "dma_heap/%s",
		 heap->name);
	heap->misc.minor = MISC_DYNAMIC_MINOR;
	heap->misc.name = heap->name;
	heap->misc.nodename = heap->nodename;
	heap->misc.fops = &xbuf_heap_fops;

	return misc_register(&heap->misc);
}

/**
 * xbuf_heap_unregister() - remove the device node of @heap
 * @heap: a registered heap
 *
 * Live buffers pin the module, so none is left when this runs at unload.
 */
void xbuf_heap_unregister(struct xbuf_heap *heap)
{
	misc_deregister(&heap->misc);
}
