// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a buffer into a process.
 *
 * Only shared mappings are allowed: a MAP_PRIVATE mapping would give the
 * process copy-on-write pages that no device ever sees, silently breaking
 * the sharing the buffer exists for, so it is refused with -EINVAL.
 *
 * Every page is mapped at mmap() time; a fault handler maps a page again
 * after its page table entry went away (MADV_DONTNEED, MADV_PAGEOUT), so
 * the mapping keeps showing the buffer. A child inherits the mapping
 * across fork() and shares the buffer; mremap() may move the mapping but
 * never grow it (VM_DONTEXPAND); mprotect() may not add PROT_WRITE to a
 * mapping of a read-only fd (the core clears VM_MAYWRITE for it).
 */

#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>

#include "compat.h"
#include "heap.h"

/* Pages handed to vm_insert_pages() at a time, from an array on the stack. */
#define XBUF_MMAP_BATCH	64

/* vm_insert_pages() returns 0 only once every page is mapped. */
static int xbuf_mmap_insert(struct vm_area_struct *vma, unsigned long addr,
			    struct page **pages, unsigned long count)
{
	return vm_insert_pages(vma, addr, pages, &count);
}

/*
 * Every page is mapped at mmap() time, in batches that take the page
 * table lock once per batch. vm_insert_pages() rather than
 * remap_pfn_range(): on x86 the latter looks up the PAT memory type of
 * every page of a range smaller than the mapping (each chunk is), and it
 * would turn a write-combine request for RAM back into write-back; the
 * former keeps vm_page_prot and skips the PAT walk. The pages are mapped
 * as ordinary refcounted pages; the pool keeps no chunk someone else
 * still holds (page-pool.c).
 */
static int xbuf_mmap_pages(struct xbuf_buffer *buf, struct vm_area_struct *vma)
{
	struct page *batch[XBUF_MMAP_BATCH];
	unsigned long addr = vma->vm_start, count = 0;
	struct sg_page_iter iter;
	int ret;

	for_each_sgtable_page(&buf->pages, &iter, vma->vm_pgoff) {
		if (addr + (count << PAGE_SHIFT) == vma->vm_end)
			break;
		batch[count++] = sg_page_iter_page(&iter);
		if (count < XBUF_MMAP_BATCH)
			continue;
		ret = xbuf_mmap_insert(vma, addr, batch, count);
		if (ret)
			return ret;
		addr += count << PAGE_SHIFT;
		count = 0;
	}
	return count ? xbuf_mmap_insert(vma, addr, batch, count) : 0;
}

/* The page at @pgoff pages into the buffer, or NULL past its end. */
static struct page *xbuf_buffer_page(struct xbuf_buffer *buf,
				     unsigned long pgoff)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(&buf->pages, sg, i) {
		unsigned long npages = sg->length >> PAGE_SHIFT;

		if (pgoff < npages)
			return xbuf_nth_page(sg_page(sg), pgoff);
		pgoff -= npages;
	}
	return NULL;
}

/*
 * mmap() mapped every page and made the mapping VM_MIXEDMAP, so a page
 * inserted here needs no further set-up. A racing fault that got there
 * first (-EBUSY) has done the work.
 */
static vm_fault_t xbuf_mmap_fault(struct vm_fault *vmf)
{
	struct xbuf_buffer *buf = vmf->vma->vm_private_data;
	struct page *page = xbuf_buffer_page(buf, vmf->pgoff);
	int ret;

	if (!page)
		return VM_FAULT_SIGBUS;
	ret = vm_insert_page(vmf->vma, vmf->address, page);
	if (!ret || ret == -EBUSY)
		return VM_FAULT_NOPAGE;
	return ret == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct xbuf_mmap_vm_ops = {
	.fault = xbuf_mmap_fault,
};

/**
 * xbuf_buffer_mmap() - &dma_buf_ops.mmap of xbuf buffers
 * @dmabuf: the buffer
 * @vma: a shared mapping of at most the buffer's size from vm_pgoff
 *
 * Return: 0, or -EINVAL for a private mapping or one that runs past the
 * end of the buffer, or the error of the page table update.
 */
int xbuf_buffer_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct xbuf_buffer *buf = dmabuf->priv;
	unsigned long end;

	/* VM_MAYSHARE: a read-only MAP_SHARED of an O_RDONLY fd lacks VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (check_add_overflow(vma->vm_pgoff, vma_pages(vma), &end) ||
	    end > buf->len >> PAGE_SHIFT)
		return -EINVAL;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP | VM_MIXEDMAP);
	vma->vm_ops = &xbuf_mmap_vm_ops;
	vma->vm_private_data = buf;
	if (buf->heap->write_combine)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	return xbuf_mmap_pages(buf, vma);
}
