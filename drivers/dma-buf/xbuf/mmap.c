// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a buffer into a process.
 *
 * Only shared mappings are allowed: a MAP_PRIVATE mapping would give the
 * process copy-on-write pages that no device ever sees, silently breaking
 * the sharing the buffer exists for, so it is refused with -EINVAL.
 *
 * Nothing is mapped at mmap() time. The first touch of a 2 MiB window of
 * the mapping faults, and the fault handler fills the whole window at
 * once with special page table entries: entries that point at the
 * buffer's pages without taking references or reverse-map counts, so
 * munmap() only clears them, and get_user_pages() cannot pin them (like
 * the upstream heaps' remap_pfn_range() mappings). The buffer outlives
 * every mapping of it: each holds the dma-buf's file.
 *
 * Where a module cannot write special entries (an architecture without
 * them, and 32-bit ARM, whose set_pte_at() is not exported), every page
 * is mapped at mmap() time as an ordinary refcounted page instead; the
 * pool keeps no chunk someone else still holds (page-pool.c).
 *
 * Either way, an entry that went away (MADV_DONTNEED) comes back through
 * the fault handler, so the mapping keeps showing the buffer. A child
 * inherits the mapping across fork() and shares the buffer; mremap() may
 * move the mapping but never grow it (VM_DONTEXPAND); mprotect() may not
 * add PROT_WRITE to a mapping of a read-only fd (the core clears
 * VM_MAYWRITE for it).
 */

#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

#include "compat.h"
#include "heap.h"

/*
 * What one fault maps: the 2 MiB of the mapping around the faulting
 * address, which one page table covers, so that the page table lock is
 * taken once per fault.
 */
#define XBUF_MMAP_WINDOW	SZ_2M

/*
 * Where the next page table entry of a window points: @pfn, and @left
 * more pages of the chunk @sg after it.
 */
struct xbuf_mmap_fill {
	struct mm_struct *mm;
	pgprot_t prot;
	struct scatterlist *sg;
	unsigned long pfn;
	unsigned long left;
};

/*
 * Start @fill at page @pgoff of @buf: false past its end. The walk starts
 * from the chunk where the previous fault's began, when that lies before
 * @pgoff, so that touching a mapping in order costs no walk from the
 * first chunk per window: a buffer of order-0 chunks has one per page.
 */
static bool xbuf_mmap_fill_start(struct xbuf_mmap_fill *fill,
				 struct xbuf_buffer *buf, unsigned long pgoff)
{
	struct scatterlist *sg = buf->pages.sgl;
	unsigned long first = 0;	/* the page offset of sg's first page */

	spin_lock(&buf->mmap_hint_lock);
	if (buf->mmap_hint_sg && buf->mmap_hint_pgoff <= pgoff) {
		sg = buf->mmap_hint_sg;
		first = buf->mmap_hint_pgoff;
	}
	spin_unlock(&buf->mmap_hint_lock);

	for (; sg; sg = sg_next(sg)) {
		unsigned long npages = sg->length >> PAGE_SHIFT;

		if (pgoff < first + npages) {
			fill->sg = sg;
			fill->pfn = page_to_pfn(sg_page(sg)) + pgoff - first;
			fill->left = first + npages - pgoff;
			spin_lock(&buf->mmap_hint_lock);
			buf->mmap_hint_sg = sg;
			buf->mmap_hint_pgoff = first;
			spin_unlock(&buf->mmap_hint_lock);
			return true;
		}
		first += npages;
	}
	return false;
}

/* 32-bit ARM's set_pte_at() is a function that modules cannot call. */
#if defined(CONFIG_ARCH_HAS_PTE_SPECIAL) && !defined(CONFIG_ARM)
#define XBUF_MMAP_SPECIAL	true

/* The frame of the next page in *@pfn: false past the buffer's end. */
static bool xbuf_mmap_fill_next(struct xbuf_mmap_fill *fill,
				unsigned long *pfn)
{
	if (!fill->left) {
		fill->sg = sg_next(fill->sg);
		if (!fill->sg)
			return false;
		fill->pfn = page_to_pfn(sg_page(fill->sg));
		fill->left = fill->sg->length >> PAGE_SHIFT;
	}
	fill->left--;
	*pfn = fill->pfn++;
	return true;
}

/*
 * Called with the page table lock held, for each entry of the window in
 * address order. An entry a racing fault has set stays as it is.
 */
static int xbuf_mmap_set_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct xbuf_mmap_fill *fill = data;
	unsigned long pfn;

	if (!xbuf_mmap_fill_next(fill, &pfn))
		return -EFAULT;
	if (pte_none(ptep_get(pte)))
		set_pte_at(fill->mm, addr, pte,
			   pte_mkspecial(pfn_pte(pfn, fill->prot)));
	return 0;
}
#else
#define XBUF_MMAP_SPECIAL	false

static int xbuf_mmap_set_pte(pte_t *pte, unsigned long addr, void *data)
{
	return -EINVAL;
}
#endif

/* Map the pages of [@start, @end) of @vma's range with special entries. */
static int xbuf_mmap_window(struct xbuf_buffer *buf, struct vm_area_struct *vma,
			    unsigned long start, unsigned long end)
{
	unsigned long pgoff = vma->vm_pgoff +
			      ((start - vma->vm_start) >> PAGE_SHIFT);
	struct xbuf_mmap_fill fill = {
		.mm = vma->vm_mm,
		.prot = vma->vm_page_prot,
	};

	if (!xbuf_mmap_fill_start(&fill, buf, pgoff))
		return -EFAULT;
	return apply_to_page_range(vma->vm_mm, start, end - start,
				   xbuf_mmap_set_pte, &fill);
}

/* Pages handed to vm_insert_pages() at a time, from an array on the stack. */
#define XBUF_MMAP_BATCH	64

/* vm_insert_pages() returns 0 only once every page is mapped. */
static int xbuf_mmap_insert(struct vm_area_struct *vma, unsigned long addr,
			    struct page **pages, unsigned long count)
{
	return vm_insert_pages(vma, addr, pages, &count);
}

/*
 * Without special entries: every page at mmap() time as a refcounted page,
 * in batches that take the page table lock once per batch.
 * vm_insert_pages() rather than remap_pfn_range(): the latter would turn a
 * write-combine request for RAM back into write-back on x86, and look up
 * the PAT type of every page.
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

/* The fault of a mapping without special entries: the one page again. */
static vm_fault_t xbuf_mmap_fault_page(struct vm_fault *vmf)
{
	struct xbuf_buffer *buf = vmf->vma->vm_private_data;
	struct page *page = xbuf_buffer_page(buf, vmf->pgoff);
	int ret;

	if (!page)
		return VM_FAULT_SIGBUS;
	/* A racing fault that got there first (-EBUSY) has done the work. */
	ret = vm_insert_page(vmf->vma, vmf->address, page);
	if (!ret || ret == -EBUSY)
		return VM_FAULT_NOPAGE;
	return ret == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}

/*
 * Map the window around the faulting address, clipped to the mapping.
 * mmap() checked that the mapping lies within the buffer, and
 * VM_DONTEXPAND keeps it there.
 */
static vm_fault_t xbuf_mmap_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long start, end;
	int ret;

	if (!XBUF_MMAP_SPECIAL)
		return xbuf_mmap_fault_page(vmf);
	start = ALIGN_DOWN(vmf->address, XBUF_MMAP_WINDOW);
	end = start + XBUF_MMAP_WINDOW;
	start = max(start, vma->vm_start);
	end = min(end, vma->vm_end);
	/*
	 * -ENOMEM also comes from a page table that went away between its
	 * lookup and its lock: where empty tables are reclaimed
	 * (CONFIG_PT_RECLAIM, in 7.3), a racing MADV_DONTNEED frees them.
	 * A second try allocates a new one; only a second failure is OOM.
	 */
	ret = xbuf_mmap_window(vma->vm_private_data, vma, start, end);
	if (ret == -ENOMEM)
		ret = xbuf_mmap_window(vma->vm_private_data, vma, start, end);
	if (!ret)
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

	/* VM_MIXEDMAP, not VM_PFNMAP: MADV_DONTNEED stays allowed. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP | VM_MIXEDMAP);
	vma->vm_ops = &xbuf_mmap_vm_ops;
	vma->vm_private_data = buf;
	if (buf->heap->write_combine)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	return XBUF_MMAP_SPECIAL ? 0 : xbuf_mmap_pages(buf, vma);
}
