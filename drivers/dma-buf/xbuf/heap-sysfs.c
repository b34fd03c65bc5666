// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs: /sys/kernel/xbuf/heaps/<name>/, the properties of each heap that
 * an application needs to pick one (contiguous, caching, DMA32, limits,
 * memory cgroup accounting) and its live buffers, readable without
 * debugfs and whoever registered the device node. One value per file, as
 * Documentation/ABI/testing/sysfs-kernel-xbuf describes.
 *
 * The directories hold a pointer to their heap. They are removed before
 * the heaps go, and sysfs waits for readers on removal, so a read never
 * sees a heap that is gone.
 */

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "heap.h"

static struct kobject *xbuf_sysfs_root, *xbuf_sysfs_heaps;

struct xbuf_heap_kobj {
	struct kobject kobj;
	struct xbuf_heap *heap;
};

static struct xbuf_heap *to_heap(struct kobject *kobj)
{
	return container_of(kobj, struct xbuf_heap_kobj, kobj)->heap;
}

static ssize_t contiguous_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_heap(kobj)->ops->contiguous);
}

static ssize_t caching_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", to_heap(kobj)->write_combine ?
			  "writecombine" : "cached");
}

/* Every heap takes pages from any zone: none is limited to 32-bit DMA. */
static ssize_t dma32_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "0\n");
}

static ssize_t max_buffer_bytes_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%zu\n", xbuf_heap_max_buffer(to_heap(kobj)));
}

static ssize_t max_heap_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", xbuf_heap_max_bytes());
}

static ssize_t accounted_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", !!(xbuf_heap_gfp_extra() & __GFP_ACCOUNT));
}

static ssize_t buffers_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_heap(kobj)->buffers));
}

static ssize_t bytes_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_heap(kobj)->bytes));
}

static struct kobj_attribute contiguous_attr = __ATTR_RO(contiguous);
static struct kobj_attribute caching_attr = __ATTR_RO(caching);
static struct kobj_attribute dma32_attr = __ATTR_RO(dma32);
static struct kobj_attribute max_buffer_bytes_attr = __ATTR_RO(max_buffer_bytes);
static struct kobj_attribute max_heap_bytes_attr = __ATTR_RO(max_heap_bytes);
static struct kobj_attribute accounted_attr = __ATTR_RO(accounted);
static struct kobj_attribute buffers_attr = __ATTR_RO(buffers);
static struct kobj_attribute bytes_attr = __ATTR_RO(bytes);

static struct attribute *xbuf_heap_default_attrs[] = {
	&contiguous_attr.attr,
	&caching_attr.attr,
	&dma32_attr.attr,
	&max_buffer_bytes_attr.attr,
	&max_heap_bytes_attr.attr,
	&accounted_attr.attr,
	&buffers_attr.attr,
	&bytes_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(xbuf_heap_default);

static void xbuf_heap_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct xbuf_heap_kobj, kobj));
}

static const struct kobj_type xbuf_heap_ktype = {
	.release = xbuf_heap_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = xbuf_heap_default_groups,
};

static int xbuf_sysfs_add(struct xbuf_heap *heap)
{
	struct xbuf_heap_kobj *hk;
	int ret;

	hk = kzalloc(sizeof(*hk), GFP_KERNEL);
	if (!hk)
		return -ENOMEM;
	hk->heap = heap;
	ret = kobject_init_and_add(&hk->kobj, &xbuf_heap_ktype,
				   xbuf_sysfs_heaps, "%s", heap->name);
	if (ret) {
		kobject_put(&hk->kobj);
		return ret;
	}
	heap->kobj = &hk->kobj;
	return 0;
}

/**
 * xbuf_sysfs_exit() - remove what xbuf_sysfs_init() created
 * @heaps: the heaps
 * @count: number of @heaps
 */
void xbuf_sysfs_exit(struct xbuf_heap *heaps, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		kobject_put(heaps[i].kobj);
		heaps[i].kobj = NULL;
	}
	kobject_put(xbuf_sysfs_heaps);
	kobject_put(xbuf_sysfs_root);
	xbuf_sysfs_heaps = NULL;
	xbuf_sysfs_root = NULL;
}

/**
 * xbuf_sysfs_init() - create /sys/kernel/xbuf/heaps/<name> for each heap
 * @heaps: the heaps, alive until xbuf_sysfs_exit()
 * @count: number of @heaps
 *
 * Return: 0 or a negative errno, with nothing left behind.
 */
int xbuf_sysfs_init(struct xbuf_heap *heaps, unsigned int count)
{
	unsigned int i;
	int ret;

	xbuf_sysfs_root = kobject_create_and_add("xbuf", kernel_kobj);
	if (!xbuf_sysfs_root)
		return -ENOMEM;
	xbuf_sysfs_heaps = kobject_create_and_add("heaps", xbuf_sysfs_root);
	if (!xbuf_sysfs_heaps) {
		xbuf_sysfs_exit(heaps, 0);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		ret = xbuf_sysfs_add(&heaps[i]);
		if (ret) {
			xbuf_sysfs_exit(heaps, i);
			return ret;
		}
	}
	return 0;
}
