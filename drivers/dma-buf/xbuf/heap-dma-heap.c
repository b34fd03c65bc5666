// SPDX-License-Identifier: GPL-2.0
/*
 * Registration through the kernel's dma-heap framework, used where the
 * framework is there for xbuf: built in, or as a module on 6.18 and later,
 * which export dma_heap_add(). The framework owns /dev/dma_heap/<name> and
 * its ioctl, xbuf only allocates. A heap added to the framework can never
 * be removed, so a module that added one stays loaded: on older kernels a
 * loadable xbuf_heap keeps its own device nodes (heap.c) instead.
 */

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/err.h>
#include <linux/module.h>

#include "compat.h"
#include "heap.h"

XBUF_IMPORT_NS("DMA_BUF_HEAP");

/**
 * xbuf_heap_registration() - who provides the heaps' device nodes
 *
 * Return: "dma-heap".
 */
const char *xbuf_heap_registration(void)
{
	return "dma-heap";
}

/**
 * xbuf_heap_removable() - whether a registered heap can be unregistered
 *
 * Return: false: the framework keeps a heap for the kernel's lifetime.
 */
bool xbuf_heap_removable(void)
{
	return false;
}

static struct dma_buf *xbuf_heap_allocate(struct dma_heap *dma_heap,
					  unsigned long len,
					  xbuf_heap_fd_flags_t fd_flags,
					  xbuf_heap_flags_t heap_flags)
{
	/* The framework checked the flags and page-aligned len. */
	return xbuf_buffer_export(dma_heap_get_drvdata(dma_heap), len,
				  fd_flags);
}

static const struct dma_heap_ops xbuf_heap_ops = {
	.allocate = xbuf_heap_allocate,
};

/**
 * xbuf_heap_register() - add @heap to the dma-heap framework
 * @heap: heap with @name, @ops and @write_combine set
 *
 * The framework keeps the heap, and calls into this module through it,
 * for the kernel's lifetime: a loaded module pins itself for each heap
 * added (built in, THIS_MODULE is NULL and this does nothing).
 *
 * Return: 0 or the error of dma_heap_add().
 */
int xbuf_heap_register(struct xbuf_heap *heap)
{
	struct dma_heap_export_info info = {
		.name = heap->name,
		.ops = &xbuf_heap_ops,
		.priv = heap,
	};
	struct dma_heap *dma_heap = dma_heap_add(&info);

	if (IS_ERR(dma_heap))
		return PTR_ERR(dma_heap);
	__module_get(THIS_MODULE);
	return 0;
}

/**
 * xbuf_heap_unregister() - nothing: the framework cannot remove a heap
 * @heap: a registered heap
 */
void xbuf_heap_unregister(struct xbuf_heap *heap)
{
}
