// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a buffer into a process.
 *
 * Only shared mappings are allowed: a MAP_PRIVATE mapping would give the
 * process copy-on-write pages that no device ever sees, silently breaking
 * the sharing the buffer exists for, so it is refused with -EINVAL.
 */

#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>

#include "compat.h"
#include "heap.h"

/* Cacheable buffers: one remap_pfn_range() per physically contiguous chunk. */
static int xbuf_mmap_chunks(struct xbuf_buffer *buf, struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start, skip = vma->vm_pgoff;
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(&buf->pages, sg, i) {
		unsigned long npages = sg->length >> PAGE_SHIFT, len;
		int ret;

		if (skip >= npages) {
			skip -= npages;
			continue;
		}
		len = min((npages - skip) << PAGE_SHIFT, vma->vm_end - addr);
		ret = remap_pfn_range(vma, addr, page_to_pfn(sg_page(sg)) + skip,
				      len, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += len;
		skip = 0;
		if (addr == vma->vm_end)
			break;
	}
	return 0;
}

/*
 * Write-combine buffers: page by page with vm_insert_page(), which keeps
 * the caching mode of vm_page_prot. remap_pfn_range() would not on x86:
 * PAT tracking turns a write-combine request for RAM back into write-back.
 */
static int xbuf_mmap_pages(struct xbuf_buffer *buf, struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start;
	struct sg_page_iter iter;

	vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	for_each_sgtable_page(&buf->pages, &iter, vma->vm_pgoff) {
		int ret;

		if (addr == vma->vm_end)
			break;
		ret = vm_insert_page(vma, addr, sg_page_iter_page(&iter));
		if (ret)
			return ret;
		addr += PAGE_SIZE;
	}
	return 0;
}

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

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	if (buf->heap->write_combine)
		return xbuf_mmap_pages(buf, vma);
	return xbuf_mmap_chunks(buf, vma);
}
