/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel API differences xbuf meets between the kernels it is built
 * for. Built in tree at the matching version every branch here compiles
 * down to the kernel's own API.
 */
#ifndef _XBUF_COMPAT_H
#define _XBUF_COMPAT_H

#include <linux/dma-mapping.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>

/*
 * MODULE_IMPORT_NS() takes a bare namespace before 6.13 and a string from
 * 6.13; both expand to this.
 */
#define XBUF_IMPORT_NS(ns)	MODULE_INFO(import_ns, ns)
#define XBUF_IMPORT_DMA_BUF_NS() XBUF_IMPORT_NS("DMA_BUF")

/* dma_heap_ops.allocate() takes u32 and u64 flags from 6.11. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
typedef u32 xbuf_heap_fd_flags_t;
typedef u64 xbuf_heap_flags_t;
#else
typedef unsigned long xbuf_heap_fd_flags_t;
typedef unsigned long xbuf_heap_flags_t;
#endif

/* vm_flags became read-only behind accessors in 6.3. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * The largest order the page allocator hands out. MAX_ORDER was exclusive
 * until 6.4, inclusive from 6.4 and renamed MAX_PAGE_ORDER in 6.8.
 */
#if defined(MAX_PAGE_ORDER)
#define XBUF_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define XBUF_MAX_PAGE_ORDER	MAX_ORDER
#else
#define XBUF_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/*
 * dma_set_max_seg_size() returns void from 6.11 and only warns when the
 * device has no DMA parameters to hold the limit: say so with -EIO, as
 * older kernels do.
 */
static inline int xbuf_dma_set_max_seg_size(struct device *dev,
					    unsigned int size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	if (!dev->dma_parms)
		return -EIO;
	dma_set_max_seg_size(dev, size);
	return 0;
#else
	return dma_set_max_seg_size(dev, size);
#endif
}

/*
 * nth_page() went away in 7.0, once every range of pages the allocator
 * hands out had contiguous struct pages; before that a range could cross
 * a memory section on SPARSEMEM without VMEMMAP.
 */
#ifdef nth_page
#define xbuf_nth_page(page, n)	nth_page(page, n)
#else
#define xbuf_nth_page(page, n)	((page) + (n))
#endif

/* memcg_kmem_enabled() was renamed memcg_kmem_online() in 6.3. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define xbuf_memcg_kmem_on()	memcg_kmem_online()
#else
#define xbuf_memcg_kmem_on()	memcg_kmem_enabled()
#endif

/*
 * Whether @memcg is the root memory cgroup, which is never charged for
 * kernel memory. mem_cgroup_is_root() compares with root_mem_cgroup, which
 * older kernels do not export to modules; the root is the cgroup without
 * a parent.
 */
#ifdef CONFIG_MEMCG
static inline bool xbuf_memcg_is_root(struct mem_cgroup *memcg)
{
	return !memcg->css.parent;
}
#else
static inline bool xbuf_memcg_is_root(struct mem_cgroup *memcg)
{
	return true;
}
#endif

/* PCI_IRQ_LEGACY became PCI_IRQ_INTX in 6.8. */
#ifdef PCI_IRQ_INTX
#define XBUF_PCI_IRQ_INTX	PCI_IRQ_INTX
#else
#define XBUF_PCI_IRQ_INTX	PCI_IRQ_LEGACY
#endif

/*
 * Shrinkers: embedded and registered with a name from 6.0, allocated by
 * the core from 6.7. Either way the caller gets a registered shrinker
 * (or NULL) and frees it with xbuf_shrinker_free().
 */
static inline struct shrinker *
xbuf_shrinker_create(const char *name,
		     unsigned long (*count)(struct shrinker *,
					    struct shrink_control *),
		     unsigned long (*scan)(struct shrinker *,
					   struct shrink_control *))
{
	struct shrinker *s;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 0, 0)
	if (register_shrinker(s, "%s", name)) {
#else
	if (register_shrinker(s)) {
#endif
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void xbuf_shrinker_free(struct shrinker *s)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

#endif /* _XBUF_COMPAT_H */
