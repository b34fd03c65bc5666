// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl buffers: dma-bufs from a dma-heap (the upstream ABI, which
 * xbuf's heaps answer) or from vgem (a DRM dumb buffer exported with
 * PRIME), their CPU mappings and DMA_BUF_IOCTL_SYNC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "xbufctl.h"

/* Open /dev/dma_heap/@name: the fd or -errno. */
int heap_open(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/') || !*name)
		return -ENOENT;
	snprintf(path, sizeof(path), DMA_HEAP_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* DMA_HEAP_IOCTL_ALLOC of @len bytes, read-write: the dma-buf fd or -errno. */
int heap_alloc(int heap_fd, uint64_t len)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data))
		return -errno;
	return (int)data.fd;
}

/* What an allocation errno means for an xbuf heap, or "". */
const char *heap_errno_hint(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOMEM:
		return "more than the heap can ever give (xbufctl heaps), or memory is short";
	case EFBIG:
		return "larger than xbuf_heap's max_buffer_bytes limit (module parameter)";
	case ENOSPC:
		return "the heap would go past xbuf_heap's max_heap_bytes (module parameter)";
	case EINVAL:
		return "the heap refused the request's size or flags";
	case EMFILE:
		return "the process has no free file descriptor";
	}
	return "";
}

/* DMA_BUF_IOCTL_SYNC: 0 or -errno. */
int buf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) ? -errno : 0;
}

/* The DRM device of the vgem driver: its fd, or -ENODEV. */
static int vgem_open(void)
{
	char path[32], name[16];
	int i, fd;

	for (i = 0; i < 64; i++) {
		struct drm_version v = {
			.name = name,
			.name_len = sizeof(name) - 1,
		};

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

/*
 * A vgem dumb buffer of at least @size bytes (a multiple of 4096),
 * exported with PRIME: the dma-buf fd or -errno. The GEM handle goes
 * at once; the dma-buf keeps the object.
 */
static int vgem_alloc(uint64_t size)
{
	struct drm_mode_create_dumb create = {
		.width = 1024,		/* 4096-byte rows of 32-bit pixels */
		.bpp = 32,
		.height = (uint32_t)(size / 4096),
	};
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_gem_close gem_close = { 0 };
	int drm_fd, ret = 0;

	if (size / 4096 > UINT32_MAX)
		return -EFBIG;
	drm_fd = vgem_open();
	if (drm_fd < 0)
		return drm_fd;
	if (ioctl(drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		ret = -errno;
		goto out;
	}
	prime.handle = create.handle;
	if (ioctl(drm_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime))
		ret = -errno;
	gem_close.handle = create.handle;
	ioctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &gem_close);
out:
	close(drm_fd);
	return ret ? ret : prime.fd;
}

/*
 * A buffer of @size bytes, rounded up to pages, from @exporter:
 * "heap:NAME" or "vgem". 0, or -errno after saying what failed: -ENOENT
 * when there is no such heap, -ENODEV without vgem, -EINVAL for an
 * exporter of another form.
 */
int buf_new(struct xbuf_buf *b, const char *exporter, uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char sz[SIZE_STR_LEN];
	int heap_fd, ret;
	off_t end;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	snprintf(b->exporter, sizeof(b->exporter), "%s", exporter);
	if (size > UINT64_MAX - page)
		return -EFBIG;
	size = (size + page - 1) & ~(page - 1);
	if (!strcmp(exporter, "vgem")) {
		ret = vgem_alloc(size);
		if (ret == -ENODEV)
			ctl_err("vgem: no vgem DRM device in /dev/dri (modprobe vgem)");
		else if (ret < 0)
			ctl_err("vgem: dumb buffer of %s: %s", size_str(sz, size),
				strerror(-ret));
	} else if (!strncmp(exporter, "heap:", 5)) {
		heap_fd = heap_open(exporter + 5);
		if (heap_fd < 0) {
			ctl_err("%s/%s: %s", DMA_HEAP_DIR, exporter + 5,
				strerror(-heap_fd));
			return heap_fd;
		}
		ret = heap_alloc(heap_fd, size);
		close(heap_fd);
		if (ret < 0)
			ctl_err("%s: allocation of %s failed: %s (%s)", exporter,
				size_str(sz, size), strerror(-ret),
				heap_errno_hint(ret));
	} else {
		ctl_err("unknown exporter '%s': heap:NAME or vgem", exporter);
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	b->fd = ret;
	end = lseek(b->fd, 0, SEEK_END);
	b->size = end > 0 ? (uint64_t)end : size;
	return 0;
}

/* Map the whole buffer shared, read-write: 0 or -errno. */
int buf_map(struct xbuf_buf *b)
{
	void *p;

	if ((uint64_t)(size_t)b->size != b->size)
		return -EFBIG;
	p = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 b->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->map = p;
	return 0;
}

void buf_free(struct xbuf_buf *b)
{
	if (b->map)
		munmap(b->map, (size_t)b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->map = NULL;
	b->fd = -1;
}
