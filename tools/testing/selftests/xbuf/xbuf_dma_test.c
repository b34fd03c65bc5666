// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf_dma from userspace: attach, map, unmap and detach buffers of every
 * xbuf heap and of vgem; DMA jobs (copy, fill, checksum) checked against
 * the CPU's view; fences seen through poll(), DMA_BUF_IOCTL_SYNC and
 * sync_file; every invalid request refused with its errno; on the dmaengine
 * engine, proof that the DMA controller moved the bytes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <drm/vgem_drm.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <linux/xbuf.h>

#include "../kselftest_harness.h"
#include "xbuf_drm.h"
#include "xbuf_util.h"

#define MIB	(1024UL * 1024)
/*
 * QEMU's edu device takes 100 ms per transfer of at most 4 KiB, two per
 * chunk copied (about 20 KiB/s): keep its jobs small.
 */
#define EDU_MAX_JOB	(16UL * 1024)

static int dma_open(void)
{
	int fd = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int dma_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Attach @buf_fd and map it for @dir; the handle or -errno. */
static int dma_attach_map(int dma_fd, int buf_fd, uint32_t dir)
{
	struct xbuf_dma_attach at = { .fd = buf_fd };
	struct xbuf_dma_map map = { .dir = dir };
	int ret;

	ret = dma_ioctl(dma_fd, XBUF_DMA_IOC_ATTACH, &at);
	if (ret)
		return ret;
	map.handle = at.handle;
	ret = dma_ioctl(dma_fd, XBUF_DMA_IOC_MAP, &map);
	return ret ? ret : (int)at.handle;
}

static int dma_map(int dma_fd, uint32_t handle, uint32_t dir)
{
	struct xbuf_dma_map map = { .handle = handle, .dir = dir };

	return dma_ioctl(dma_fd, XBUF_DMA_IOC_MAP, &map);
}

static int dma_unmap(int dma_fd, uint32_t handle)
{
	struct xbuf_dma_handle_arg h = { .handle = handle };

	return dma_ioctl(dma_fd, XBUF_DMA_IOC_UNMAP, &h);
}

static int dma_detach(int dma_fd, uint32_t handle)
{
	struct xbuf_dma_handle_arg h = { .handle = handle };

	return dma_ioctl(dma_fd, XBUF_DMA_IOC_DETACH, &h);
}

static int dma_copy(int dma_fd, uint32_t dst, uint64_t dst_off, uint32_t src,
		    uint64_t src_off, uint64_t len, uint32_t flags)
{
	struct xbuf_dma_job job = {
		.op = XBUF_DMA_OP_COPY, .flags = flags,
		.src = src, .dst = dst, .src_offset = src_off,
		.dst_offset = dst_off, .len = len,
	};
	int ret = dma_ioctl(dma_fd, XBUF_DMA_IOC_JOB, &job);

	if (!ret && (flags & XBUF_DMA_JOB_WAIT))
		ret = job.status;
	if (!ret && (flags & XBUF_DMA_JOB_OUT_FENCE))
		ret = job.fence_fd;
	return ret;
}

/* CRC-32 as zlib computes it. */
static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0U;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

/* A buffer from a heap or from vgem, mapped into the process. */
struct buf {
	int fd;
	size_t size;
	uint8_t *map;
};

/* A vgem dumb buffer exported as a dma-buf; the fd or -errno. */
static int vgem_alloc(int drm_fd, size_t size)
{
	struct drm_mode_create_dumb create = {
		.width = 4096, .height = size / 4096, .bpp = 8,
	};
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_gem_close cl = { 0 };
	int ret;

	if (ioctl(drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	prime.handle = create.handle;
	ret = ioctl(drm_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime) ? -errno : 0;
	cl.handle = create.handle;
	ioctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &cl);
	return ret ? ret : prime.fd;
}

/* Allocate from @heap_fd, or from vgem when @drm_fd >= 0. */
static int buf_new(struct buf *b, int heap_fd, int drm_fd, size_t len)
{
	b->size = page_align(len);
	b->fd = drm_fd >= 0 ? vgem_alloc(drm_fd, b->size)
			    : heap_alloc(heap_fd, b->size, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return b->fd;
	b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->fd, 0);
	if (b->map == MAP_FAILED) {
		close(b->fd);
		return -errno;
	}
	return 0;
}

static void buf_free(struct buf *b)
{
	munmap(b->map, b->size);
	close(b->fd);
}

/* CPU writes inside SYNC brackets: a pattern, or @fill when seed < 0. */
static int buf_write(struct buf *b, int seed, uint8_t fill)
{
	int ret = buf_sync(b->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);

	if (ret)
		return ret;
	if (seed >= 0)
		pattern_fill(b->map, b->size, (uint8_t)seed);
	else
		memset(b->map, fill, b->size);
	return buf_sync(b->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
}

/* Offset of the first byte of @p[0..len) that is not @v, or -1. */
static long long first_not(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return (long long)i;
	return -1;
}

FIXTURE(dma) {
	int dma_fd;
	int heap_fd;
	int drm_fd;		/* vgem exports the buffers when >= 0 */
	struct xbuf_dma_info info;
	size_t align;		/* of job offsets and lengths */
	size_t max_job;		/* largest job the data tests run */
	size_t max_buffer;	/* largest buffer the exporter gives */
};

FIXTURE_VARIANT(dma) {
	const char *exporter;
};

FIXTURE_VARIANT_ADD(dma, xbuf) {
	.exporter = "xbuf",
};

FIXTURE_VARIANT_ADD(dma, contig) {
	.exporter = "xbuf-contig",
};

FIXTURE_VARIANT_ADD(dma, uncached) {
	.exporter = "xbuf-uncached",
};

FIXTURE_VARIANT_ADD(dma, vgem) {
	.exporter = "vgem",
};

FIXTURE_SETUP(dma)
{
	struct heap_stats st;

	self->drm_fd = -1;
	self->heap_fd = -1;
	self->dma_fd = dma_open();
	if (self->dma_fd < 0)
		SKIP(return, "/dev/xbuf_dma: %s (is xbuf_dma loaded?)",
		     strerror(-self->dma_fd));
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_INFO, &self->info));
	self->align = info_align(self->info.align);
	self->max_job = 64 * MIB;
	if (!strcmp(self->info.engine, "edu"))
		self->max_job = EDU_MAX_JOB;

	/* The heap also allocates the destinations of the vgem variant. */
	self->heap_fd = heap_open("xbuf");
	if (self->heap_fd < 0)
		SKIP(return, "/dev/dma_heap/xbuf: %s",
		     strerror(-self->heap_fd));
	if (!strcmp(variant->exporter, "vgem")) {
		self->drm_fd = drm_open_driver("vgem");
		if (self->drm_fd < 0)
			SKIP(return, "no vgem DRM device (modprobe vgem)");
		self->max_buffer = 16 * MIB;
		return;
	}
	close(self->heap_fd);
	self->heap_fd = heap_open(variant->exporter);
	ASSERT_LE(0, self->heap_fd);
	ASSERT_EQ(0, heap_stats(variant->exporter, &st));
	self->max_buffer = st.max_buffer;
}

FIXTURE_TEARDOWN(dma)
{
	if (self->drm_fd >= 0)
		close(self->drm_fd);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
	if (self->dma_fd >= 0)
		close(self->dma_fd);
}

TEST_F(dma, lifecycle)
{
	struct xbuf_dma_attach at = { 0 };
	struct xbuf_dma_map map = { 0 };
	struct xbuf_dma_handle_arg h = { 0 };
	struct buf b;

	TH_LOG("engine %s on %s, mask %#llx, %s", self->info.engine,
	       self->info.device, (unsigned long long)self->info.dma_mask,
	       self->info.flags & XBUF_DMA_INFO_IOMMU ? "IOMMU" : "direct");
	ASSERT_EQ(0, buf_new(&b, self->heap_fd, self->drm_fd, MIB));

	at.fd = b.fd;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	EXPECT_LT(0, at.handle);
	EXPECT_EQ(b.size, at.size);

	/*
	 * Bidirectional first: exporters that cache their mapping (vgem,
	 * through the dma-buf core) refuse a later map in another direction
	 * with EBUSY, unless the cached one is bidirectional.
	 */
	map.handle = at.handle;
	map.dir = XBUF_DMA_BIDIRECTIONAL;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, &map));
	EXPECT_LE(1, map.nents);
	EXPECT_EQ(b.size, map.dma_len);
	map.nents = 0;
	map.dma_len = 0;
	EXPECT_EQ(-EBUSY, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, &map));

	h.handle = at.handle;
	EXPECT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_UNMAP, &h));
	EXPECT_EQ(-ENXIO, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_UNMAP, &h));
	map.dir = XBUF_DMA_TO_DEVICE;
	EXPECT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, &map));

	/* Detach unmaps a mapped handle; a second detach finds nothing. */
	EXPECT_EQ(0, dma_detach(self->dma_fd, at.handle));
	EXPECT_EQ(-ENOENT, dma_detach(self->dma_fd, at.handle));
	buf_free(&b);
}

/*
 * Odd sizes and offsets, where the engine takes them; else the nearest
 * it takes.
 */
TEST_F_TIMEOUT(dma, copy_sizes_and_offsets, 900)
{
	static const size_t sizes[] = { 1, 4095, 4099, 65537, 1 * MIB + 5,
					16 * MIB, 64 * MIB - 7 };
	const size_t src_off = align_up(3, self->align);
	const size_t dst_off = align_up(5, self->align);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t len = align_up(sizes[i], self->align);
		size_t size = len + src_off + dst_off;
		struct buf src, dst;
		int s, d;

		if (len > self->max_job || page_align(size) > self->max_buffer ||
		    !heap_can_give(variant->exporter, page_align(size))) {
			TH_LOG("%zu bytes: beyond what this engine (%s) or exporter runs here",
			       len, self->info.engine);
			continue;
		}
		/* Destinations from a heap: vgem shows no device write to the CPU. */
		ASSERT_EQ(0, buf_new(&src, self->heap_fd, self->drm_fd, size));
		ASSERT_EQ(0, buf_new(&dst, self->heap_fd, -1, size));
		ASSERT_EQ(0, buf_write(&src, (int)i, 0));
		ASSERT_EQ(0, buf_write(&dst, -1, 0xee));

		/* Mapped after the CPU wrote: the device sees those writes. */
		s = dma_attach_map(self->dma_fd, src.fd, XBUF_DMA_TO_DEVICE);
		ASSERT_LT(0, s);
		d = dma_attach_map(self->dma_fd, dst.fd, XBUF_DMA_FROM_DEVICE);
		ASSERT_LT(0, d);
		ASSERT_EQ(0, dma_copy(self->dma_fd, d, dst_off, s, src_off, len,
				      XBUF_DMA_JOB_WAIT));

		ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_READ));
		EXPECT_EQ(-1, first_not(dst.map, dst_off, 0xee));
		EXPECT_EQ(0, memcmp(dst.map + dst_off, src.map + src_off, len))
			TH_LOG("%zu bytes: copy differs", len);
		EXPECT_EQ(-1, first_not(dst.map + dst_off + len,
					dst.size - dst_off - len, 0xee))
			TH_LOG("%zu bytes: written past the range", len);
		ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_END |
					      DMA_BUF_SYNC_READ));

		EXPECT_EQ(0, dma_detach(self->dma_fd, s));
		EXPECT_EQ(0, dma_detach(self->dma_fd, d));
		buf_free(&src);
		buf_free(&dst);
	}
}

/*
 * Unmapped and mapped again, an attachment shows the device what the CPU
 * wrote in between, and a partial device write leaves the rest of the
 * CPU's data alone, whether or not the exporter kept its DMA mapping
 * across the unmap. The first copy leaves old data in any bounce buffer
 * a kept mapping would reuse.
 */
TEST_F(dma, remap_sees_cpu_writes)
{
	size_t size = self->max_job < 64 * 1024 ? self->max_job : 64 * 1024;
	size_t half = size / 2;
	struct buf src, dst;
	int s, d;

	/*
	 * vgem's exporter (DRM PRIME) keeps its first mapping and has no CPU
	 * access callbacks: behind a bounce buffer the device never sees a
	 * later CPU write. That is vgem's behaviour, not the importer's.
	 */
	if (self->drm_fd >= 0)
		SKIP(return, "vgem does not sync a kept mapping for the device");
	ASSERT_EQ(0, buf_new(&src, self->heap_fd, self->drm_fd, size));
	ASSERT_EQ(0, buf_new(&dst, self->heap_fd, -1, size));
	ASSERT_EQ(0, buf_write(&src, 1, 0));
	ASSERT_EQ(0, buf_write(&dst, -1, 0xee));
	s = dma_attach_map(self->dma_fd, src.fd, XBUF_DMA_TO_DEVICE);
	ASSERT_LT(0, s);
	d = dma_attach_map(self->dma_fd, dst.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, d);
	ASSERT_EQ(0, dma_copy(self->dma_fd, d, 0, s, 0, size,
			      XBUF_DMA_JOB_WAIT));
	ASSERT_EQ(0, dma_unmap(self->dma_fd, s));
	ASSERT_EQ(0, dma_unmap(self->dma_fd, d));

	ASSERT_EQ(0, buf_write(&src, 2, 0));
	ASSERT_EQ(0, buf_write(&dst, -1, 0x11));
	ASSERT_EQ(0, dma_map(self->dma_fd, s, XBUF_DMA_TO_DEVICE));
	ASSERT_EQ(0, dma_map(self->dma_fd, d, XBUF_DMA_FROM_DEVICE));
	ASSERT_EQ(0, dma_copy(self->dma_fd, d, 0, s, 0, half,
			      XBUF_DMA_JOB_WAIT));
	ASSERT_EQ(0, dma_unmap(self->dma_fd, d));

	ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, pattern_check(dst.map, half, 2))
		TH_LOG("the device read what the CPU wrote before the first map");
	EXPECT_EQ(-1, first_not(dst.map + half, size - half, 0x11))
		TH_LOG("the CPU's data beyond the device write was lost");
	ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	EXPECT_EQ(0, dma_detach(self->dma_fd, s));
	EXPECT_EQ(0, dma_detach(self->dma_fd, d));
	buf_free(&src);
	buf_free(&dst);
}

/*
 * CPU writes made inside SYNC brackets while the device has the buffer
 * mapped to write it are never lost: not to the next bracket, not to a
 * job that writes only part of the buffer, not to the unmap. Behind bounce
 * buffers (swiotlb=force) a mapping made only DMA_FROM_DEVICE loses them.
 */
static void cpu_writes_survive(struct __test_metadata *_metadata, int dma_fd,
			       int heap_fd, size_t size)
{
	size_t half = size / 2;
	struct xbuf_dma_job job = {
		.op = XBUF_DMA_OP_FILL, .flags = XBUF_DMA_JOB_WAIT,
		.len = half, .pattern = 0xc3,
	};
	struct buf b;
	int h;

	ASSERT_EQ(0, buf_new(&b, heap_fd, -1, size));
	h = dma_attach_map(dma_fd, b.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, h);

	/* Mapped, then written by the CPU; a second bracket sees it all. */
	ASSERT_EQ(0, buf_write(&b, -1, 0x11));
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, first_not(b.map, size, 0x11))
		TH_LOG("the next bracket lost the CPU's writes");
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	/* The device writes the first half; the second keeps the CPU's. */
	job.dst = h;
	ASSERT_EQ(0, dma_ioctl(dma_fd, XBUF_DMA_IOC_JOB, &job));
	ASSERT_EQ(0, job.status);
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(-1, first_not(b.map, half, 0xc3));
	EXPECT_EQ(-1, first_not(b.map + half, size - half, 0x11))
		TH_LOG("a partial device write lost the CPU's data");
	memset(b.map + half, 0x22, size - half);
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));

	/* Unmapping copies the device's view back: it holds the CPU's too. */
	ASSERT_EQ(0, dma_unmap(dma_fd, h));
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, first_not(b.map, half, 0xc3));
	EXPECT_EQ(-1, first_not(b.map + half, size - half, 0x22))
		TH_LOG("the unmap lost the CPU's data");
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, dma_detach(dma_fd, h));
	buf_free(&b);
}

TEST_F(dma, cpu_writes_survive_partial_job)
{
	if (self->drm_fd >= 0)
		SKIP(return, "vgem has no CPU access brackets to test");
	cpu_writes_survive(_metadata, self->dma_fd, self->heap_fd,
			   self->max_job < 64 * 1024 ? self->max_job : 64 * 1024);
}

TEST_F(dma, fill_and_checksum)
{
	size_t size = self->max_job < 256 * 1024 ? self->max_job : 256 * 1024;
	size_t off = align_up(7, self->align), len = size - 2 * off;
	struct xbuf_dma_job job = { 0 };
	struct buf b;
	int h;

	ASSERT_EQ(0, buf_new(&b, self->heap_fd, -1, size));
	ASSERT_EQ(0, buf_write(&b, -1, 0x11));
	h = dma_attach_map(self->dma_fd, b.fd, XBUF_DMA_BIDIRECTIONAL);
	ASSERT_LT(0, h);

	job.op = XBUF_DMA_OP_FILL;
	job.flags = XBUF_DMA_JOB_WAIT;
	job.dst = h;
	job.dst_offset = off;
	job.len = len;
	job.pattern = 0xc3;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_JOB, &job));
	ASSERT_EQ(0, job.status);
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(-1, first_not(b.map, off, 0x11));
	EXPECT_EQ(-1, first_not(b.map + off, len, 0xc3));
	EXPECT_EQ(-1, first_not(b.map + off + len, off, 0x11));

	/* New data from the CPU, checksummed as the device reads it. */
	pattern_fill(b.map, b.size, 77);
	ASSERT_EQ(0, buf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	memset(&job, 0, sizeof(job));
	job.op = XBUF_DMA_OP_CHECKSUM;
	job.flags = XBUF_DMA_JOB_WAIT;
	job.src = h;
	job.src_offset = off;
	job.len = len;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_JOB, &job));
	ASSERT_EQ(0, job.status);
	EXPECT_EQ(crc32_ieee(b.map + off, len), job.checksum);

	EXPECT_EQ(0, dma_detach(self->dma_fd, h));
	buf_free(&b);
}

/* Three buffers for the fence tests: a = pattern, b and c = zero. */
struct chain {
	struct buf a, b, c;
	int ha, hb, hc;
	size_t len;
};

/* 0, or the step that failed. */
static int chain_new(struct chain *ch, int heap_fd, int dma_fd, size_t max_job)
{
	ch->len = max_job < 4 * MIB ? max_job : 4 * MIB;
	if (buf_new(&ch->a, heap_fd, -1, ch->len) ||
	    buf_new(&ch->b, heap_fd, -1, ch->len) ||
	    buf_new(&ch->c, heap_fd, -1, ch->len))
		return 1;
	if (buf_write(&ch->a, 21, 0))
		return 2;
	ch->ha = dma_attach_map(dma_fd, ch->a.fd, XBUF_DMA_TO_DEVICE);
	ch->hb = dma_attach_map(dma_fd, ch->b.fd, XBUF_DMA_BIDIRECTIONAL);
	ch->hc = dma_attach_map(dma_fd, ch->c.fd, XBUF_DMA_FROM_DEVICE);
	return ch->ha < 0 || ch->hb < 0 || ch->hc < 0 ? 3 : 0;
}

static void chain_free(struct chain *ch)
{
	buf_free(&ch->a);
	buf_free(&ch->b);
	buf_free(&ch->c);
}

/* A job queued on the output of another runs after it. */
TEST_F_TIMEOUT(dma, fences_chain_poll_and_sync_file, 300)
{
	struct pollfd pfd = { .events = POLLIN };
	struct sync_file_info info = { 0 };
	struct chain ch;
	int fence;

	ASSERT_EQ(0, chain_new(&ch, self->heap_fd, self->dma_fd, self->max_job));
	ASSERT_EQ(0, dma_copy(self->dma_fd, ch.hb, 0, ch.ha, 0, ch.len, 0));
	fence = dma_copy(self->dma_fd, ch.hc, 0, ch.hb, 0, ch.len,
			 XBUF_DMA_JOB_OUT_FENCE);
	ASSERT_LE(0, fence);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fence, F_GETFD) & FD_CLOEXEC);

	/* poll() on the dma-buf waits for its writer: the second job. */
	pfd.fd = ch.c.fd;
	ASSERT_EQ(1, poll(&pfd, 1, 60000));
	pfd.fd = fence;
	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	ASSERT_EQ(0, ioctl(fence, SYNC_IOC_FILE_INFO, &info));
	EXPECT_EQ(1, info.status);
	close(fence);

	ASSERT_EQ(0, buf_sync(ch.c.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, pattern_check(ch.c.map, ch.len, 21));
	ASSERT_EQ(0, buf_sync(ch.c.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	chain_free(&ch);
}

/* DMA_BUF_IOCTL_SYNC waits for the job writing the buffer. */
TEST_F_TIMEOUT(dma, sync_ioctl_waits_for_job, 300)
{
	struct chain ch;

	ASSERT_EQ(0, chain_new(&ch, self->heap_fd, self->dma_fd, self->max_job));
	ASSERT_EQ(0, dma_copy(self->dma_fd, ch.hc, 0, ch.ha, 0, ch.len, 0));
	ASSERT_EQ(0, buf_sync(ch.c.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, pattern_check(ch.c.map, ch.len, 21));
	ASSERT_EQ(0, buf_sync(ch.c.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	chain_free(&ch);
}

/* Malformed and disallowed requests: one exporter is enough. */
FIXTURE(errors) {
	int dma_fd;
	int heap_fd;
	uint64_t align;		/* of job offsets and lengths */
};

FIXTURE_SETUP(errors)
{
	struct xbuf_dma_info info = { 0 };

	self->heap_fd = -1;
	self->dma_fd = dma_open();
	if (self->dma_fd < 0)
		SKIP(return, "/dev/xbuf_dma: %s (is xbuf_dma loaded?)",
		     strerror(-self->dma_fd));
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_INFO, &info));
	self->align = info_align(info.align);
	self->heap_fd = heap_open("xbuf");
	if (self->heap_fd < 0)
		SKIP(return, "/dev/dma_heap/xbuf: %s",
		     strerror(-self->heap_fd));
}

FIXTURE_TEARDOWN(errors)
{
	if (self->heap_fd >= 0)
		close(self->heap_fd);
	if (self->dma_fd >= 0)
		close(self->dma_fd);
}

TEST_F(errors, every_request_errno)
{
	struct xbuf_dma_attach at = { 0 };
	struct xbuf_dma_map map = { 0 };
	struct xbuf_dma_handle_arg h = { 0 };
	struct xbuf_dma_job job;
	struct buf src, dst;
	int s, d, null_fd;

	at.fd = -1;
	EXPECT_EQ(-EBADF, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	null_fd = open("/dev/null", O_RDWR);
	at.fd = null_fd;
	EXPECT_EQ(-EINVAL, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	close(null_fd);

	ASSERT_EQ(0, buf_new(&src, self->heap_fd, -1, 64 * 1024));
	ASSERT_EQ(0, buf_new(&dst, self->heap_fd, -1, 64 * 1024));
	at.fd = src.fd;
	at.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	at.reserved[1] = 0;
	at.handle = 5;
	EXPECT_EQ(-EINVAL, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));

	map.handle = 12345;
	EXPECT_EQ(-ENOENT, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, &map));
	h.handle = 12345;
	EXPECT_EQ(-ENOENT, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_UNMAP, &h));
	EXPECT_EQ(-ENOENT, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_DETACH, &h));
	h.reserved = 1;
	EXPECT_EQ(-EINVAL, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_DETACH, &h));
	EXPECT_EQ(-ENOTTY, dma_ioctl(self->dma_fd,
				     _IOW(XBUF_DMA_IOC_MAGIC, 0x3f, int), &h));

	s = dma_attach_map(self->dma_fd, src.fd, XBUF_DMA_TO_DEVICE);
	ASSERT_LT(0, s);
	at.fd = dst.fd;
	at.handle = 0;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	d = at.handle;
	map.handle = d;
	map.dir = 3;
	EXPECT_EQ(-EINVAL, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, &map));
	map.dir = XBUF_DMA_FROM_DEVICE;
	map.flags = 1;
	EXPECT_EQ(-EINVAL, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, &map));

	/* d is attached but not mapped yet. */
	EXPECT_EQ(-ENXIO, dma_copy(self->dma_fd, d, 0, s, 0, 4096,
				   XBUF_DMA_JOB_WAIT));
	map.flags = 0;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, &map));

#define JOB_EXPECT(err, ...) do {					\
		job = (struct xbuf_dma_job){ .op = XBUF_DMA_OP_COPY,	\
			.flags = XBUF_DMA_JOB_WAIT, .src = s, .dst = d,	\
			.len = 4096, __VA_ARGS__ };			\
		EXPECT_EQ(err, dma_ioctl(self->dma_fd,			\
					 XBUF_DMA_IOC_JOB, &job));	\
	} while (0)

	JOB_EXPECT(0);
	JOB_EXPECT(-EINVAL, .op = 0);
	JOB_EXPECT(-EINVAL, .op = 4);
	JOB_EXPECT(-EINVAL, .flags = 1U << 7);
	JOB_EXPECT(-EINVAL, .len = 0);
	JOB_EXPECT(-EINVAL, .pattern = 1);
	JOB_EXPECT(-EINVAL, .reserved = { 0, 1 });
	JOB_EXPECT(-EINVAL, .status = 1);
	JOB_EXPECT(-EINVAL, .op = XBUF_DMA_OP_CHECKSUM, .flags = 0, .dst = 0);
	JOB_EXPECT(-EINVAL, .op = XBUF_DMA_OP_CHECKSUM);  /* dst given */
	JOB_EXPECT(-EINVAL, .op = XBUF_DMA_OP_FILL, .src = 0,
		   .pattern = 0x100);
	JOB_EXPECT(-ENOENT, .src = 999);
	JOB_EXPECT(-EACCES, .src = d);		/* mapped FROM_DEVICE only */
	JOB_EXPECT(-EACCES, .dst = s);		/* mapped TO_DEVICE only */
	/* Aligned for the engine, so that the range is what is wrong. */
	JOB_EXPECT(-ERANGE, .src_offset = 64 * 1024 - 4096 + self->align);
	JOB_EXPECT(-ERANGE, .len = 64 * 1024 + self->align);
	JOB_EXPECT(-ERANGE, .dst_offset = align_down(UINT64_MAX - 10,
						     self->align),
		   .len = 4096);
	JOB_EXPECT(-ERANGE, .src_offset = 16,
		   .len = align_down(UINT64_MAX - 8, self->align));

	/* Overlapping ranges of one buffer. */
	EXPECT_EQ(0, dma_detach(self->dma_fd, d));
	d = dma_attach_map(self->dma_fd, dst.fd, XBUF_DMA_BIDIRECTIONAL);
	ASSERT_LT(0, d);
	JOB_EXPECT(-EINVAL, .src = d, .src_offset = 0, .dst_offset = 100);
	JOB_EXPECT(0, .src = d, .src_offset = 0, .dst_offset = 4096);

	EXPECT_EQ(0, dma_detach(self->dma_fd, s));
	EXPECT_EQ(0, dma_detach(self->dma_fd, d));
	buf_free(&src);
	buf_free(&dst);
}

/*
 * An engine with an alignment refuses every job whose offsets or length
 * are off it, for every op, before looking at the handles; aligned ones
 * run.
 */
TEST_F(errors, unaligned_job_refused)
{
	uint64_t a = self->align;
	struct xbuf_dma_job job;
	struct buf src, dst;
	int s, d;

	if (a == 1)
		SKIP(return, "the engine takes any offset and length (align 1)");
	TH_LOG("engine align %llu", (unsigned long long)a);
	ASSERT_EQ(0, buf_new(&src, self->heap_fd, -1, 64 * 1024));
	ASSERT_EQ(0, buf_new(&dst, self->heap_fd, -1, 64 * 1024));
	s = dma_attach_map(self->dma_fd, src.fd, XBUF_DMA_TO_DEVICE);
	d = dma_attach_map(self->dma_fd, dst.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, s);
	ASSERT_LT(0, d);

	JOB_EXPECT(0, .src_offset = a, .dst_offset = 2 * a, .len = 4 * a);
	JOB_EXPECT(-EINVAL, .len = 4096 + 1);
	JOB_EXPECT(-EINVAL, .len = 4096 - a / 2);
	JOB_EXPECT(-EINVAL, .src_offset = 1);
	JOB_EXPECT(-EINVAL, .dst_offset = a + a / 2);
	JOB_EXPECT(-EINVAL, .src = 999, .len = 3);	/* before the lookup */
	JOB_EXPECT(-EINVAL, .op = XBUF_DMA_OP_FILL, .src = 0, .len = 5);
	JOB_EXPECT(-EINVAL, .op = XBUF_DMA_OP_FILL, .src = 0, .dst_offset = 2);
	JOB_EXPECT(-EINVAL, .op = XBUF_DMA_OP_CHECKSUM, .dst = 0, .len = 7);
	JOB_EXPECT(0, .op = XBUF_DMA_OP_CHECKSUM, .dst = 0, .src_offset = a,
		   .len = a);

	EXPECT_EQ(0, dma_detach(self->dma_fd, s));
	EXPECT_EQ(0, dma_detach(self->dma_fd, d));
	buf_free(&src);
	buf_free(&dst);
}

/*
 * A job seen complete has released its buffers: detach succeeds at once.
 * Repeated because the bug it guards against is a narrow race (the fence
 * signalled before the in-flight counts dropped), seen once under
 * swiotlb=force; a single round would rarely catch it.
 */
TEST_F_TIMEOUT(errors, detach_right_after_wait, 300)
{
	struct xbuf_dma_info info;
	struct buf src, dst;
	int i, rounds, s, d;

	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_INFO, &info));
	rounds = strcmp(info.engine, "edu") ? 200 : 10;
	ASSERT_EQ(0, buf_new(&src, self->heap_fd, -1, 4096));
	ASSERT_EQ(0, buf_new(&dst, self->heap_fd, -1, 4096));
	for (i = 0; i < rounds; i++) {
		s = dma_attach_map(self->dma_fd, src.fd, XBUF_DMA_TO_DEVICE);
		d = dma_attach_map(self->dma_fd, dst.fd, XBUF_DMA_FROM_DEVICE);
		ASSERT_LT(0, s);
		ASSERT_LT(0, d);
		ASSERT_EQ(0, dma_copy(self->dma_fd, d, 0, s, 0, 4096,
				      XBUF_DMA_JOB_WAIT));
		ASSERT_EQ(0, dma_detach(self->dma_fd, s)) TH_LOG("round %d", i);
		ASSERT_EQ(0, dma_detach(self->dma_fd, d)) TH_LOG("round %d", i);
	}
	buf_free(&src);
	buf_free(&dst);
}

/* The fault_attr of engine copies; see Documentation/fault-injection/. */
#define FAIL_COPY	"/sys/kernel/debug/xbuf_dma/fail_copy/"

static int fail_copy_set(const char *attr, int value)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), FAIL_COPY "%s", attr);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fprintf(f, "%d\n", value) < 0;
	return fclose(f) || ret ? -EIO : 0;
}

/* Fail the engine's next @n copies with -EIO; 0 stops failing. */
static int fail_next(int n)
{
	return fail_copy_set("probability", n ? 100 : 0) ?:
	       fail_copy_set("times", n);
}

/* An engine failure reaches the job's status, its fence and its dependents. */
TEST_F(errors, engine_failure_sets_fence_error)
{
	struct sync_file_info info = { 0 };
	struct pollfd pfd = { .events = POLLIN };
	struct buf a, b, c;
	int ha, hb, hc, fence;

	if (access(FAIL_COPY, W_OK))
		SKIP(return, "%s: %s (a kernel without CONFIG_FAULT_INJECTION)",
		     FAIL_COPY, strerror(errno));
	ASSERT_EQ(0, buf_new(&a, self->heap_fd, -1, 16 * 1024));
	ASSERT_EQ(0, buf_new(&b, self->heap_fd, -1, 16 * 1024));
	ASSERT_EQ(0, buf_new(&c, self->heap_fd, -1, 16 * 1024));
	ha = dma_attach_map(self->dma_fd, a.fd, XBUF_DMA_TO_DEVICE);
	hb = dma_attach_map(self->dma_fd, b.fd, XBUF_DMA_BIDIRECTIONAL);
	hc = dma_attach_map(self->dma_fd, c.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, ha);
	ASSERT_LT(0, hb);
	ASSERT_LT(0, hc);

	/* Waited for: the ioctl succeeds, the job's status is the error. */
	ASSERT_EQ(0, fail_next(1));
	EXPECT_EQ(-EIO, dma_copy(self->dma_fd, hb, 0, ha, 0, 4096,
				 XBUF_DMA_JOB_WAIT));

	/*
	 * Asynchronous: the first job fails; the second, reading its
	 * output, fails with the same error without running; the second's
	 * sync_file reports it.
	 */
	ASSERT_EQ(0, fail_next(1));
	ASSERT_EQ(0, dma_copy(self->dma_fd, hb, 0, ha, 0, 4096, 0));
	fence = dma_copy(self->dma_fd, hc, 0, hb, 0, 4096,
			 XBUF_DMA_JOB_OUT_FENCE);
	ASSERT_LE(0, fence);
	pfd.fd = fence;
	ASSERT_EQ(1, poll(&pfd, 1, 60000));
	ASSERT_EQ(0, ioctl(fence, SYNC_IOC_FILE_INFO, &info));
	EXPECT_EQ(-EIO, info.status);
	close(fence);

	/* No failure left pending: the engine works again. */
	EXPECT_EQ(0, dma_copy(self->dma_fd, hb, 0, ha, 0, 4096,
			      XBUF_DMA_JOB_WAIT));
	ASSERT_EQ(0, fail_next(0));
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}

/* @size bytes of a struct in a read-only page: copy_to_user() fails. */
static void *read_only_copy(const void *src, size_t size)
{
	void *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, size);
	if (mprotect(p, page_size(), PROT_READ)) {
		munmap(p, page_size());
		return NULL;
	}
	return p;
}

struct detacher {
	int dma_fd;
	int stop;	/* read and written with __atomic builtins */
	int detached;	/* handles a racing DETACH found */
};

static void *detach_guesses(void *arg)
{
	struct detacher *d = arg;
	uint32_t id;

	while (!__atomic_load_n(&d->stop, __ATOMIC_RELAXED))
		for (id = 1; id <= 4; id++)
			if (!dma_detach(d->dma_fd, id))
				d->detached++;
	return NULL;
}

/*
 * An ATTACH whose reply cannot be copied out fails with EFAULT and leaves
 * nothing behind; its handle number was never visible, so a DETACH racing
 * on the numbers a new handle gets finds nothing to free.
 */
TEST_F_TIMEOUT(errors, attach_reply_fault_races_detach, 120)
{
	struct xbuf_dma_attach at = { 0 };
	struct detacher d = { .dma_fd = self->dma_fd };
	long long attached = engine_stat("attached");
	struct xbuf_dma_attach *ro;
	pthread_t thread;
	struct buf b;
	int i;

	ASSERT_EQ(0, buf_new(&b, self->heap_fd, -1, 4096));
	at.fd = b.fd;
	ro = read_only_copy(&at, sizeof(at));
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, pthread_create(&thread, NULL, detach_guesses, &d));
	for (i = 0; i < 2000; i++)
		ASSERT_EQ(-EFAULT, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH,
					     ro));
	__atomic_store_n(&d.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	EXPECT_EQ(0, d.detached);
	EXPECT_EQ(attached, engine_stat("attached"));
	munmap(ro, page_size());
	buf_free(&b);
}

/* The same holds for MAP: the mapping is undone, the handle unmapped. */
TEST_F(errors, map_reply_fault_unmaps)
{
	struct xbuf_dma_map map = { .dir = XBUF_DMA_TO_DEVICE };
	long long mapped = engine_stat("mapped");
	struct xbuf_dma_attach at = { 0 };
	struct xbuf_dma_map *ro;
	struct buf b;

	ASSERT_EQ(0, buf_new(&b, self->heap_fd, -1, 4096));
	at.fd = b.fd;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	map.handle = at.handle;
	ro = read_only_copy(&map, sizeof(map));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_MAP, ro));
	EXPECT_EQ(mapped, engine_stat("mapped"));
	EXPECT_EQ(-ENXIO, dma_unmap(self->dma_fd, at.handle));
	EXPECT_EQ(0, dma_map(self->dma_fd, at.handle, XBUF_DMA_TO_DEVICE));
	EXPECT_EQ(0, dma_detach(self->dma_fd, at.handle));
	munmap(ro, page_size());
	buf_free(&b);
}

/*
 * One buffer, mapped for one device through several handles: only
 * mappings the device reads may coexist; any the device may write is
 * refused with EBUSY while another exists, whichever file or fd made it.
 */
TEST_F(errors, overlapping_mappings_refused)
{
	static const uint32_t writable[] = { XBUF_DMA_FROM_DEVICE,
					     XBUF_DMA_BIDIRECTIONAL };
	int other = dma_open(), dup_fd, h1, h2, h3;
	struct xbuf_dma_attach at = { 0 };
	unsigned int i;
	struct buf b;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, buf_new(&b, self->heap_fd, -1, 64 * 1024));
	dup_fd = dup(b.fd);
	ASSERT_LE(0, dup_fd);
	h1 = dma_attach_map(self->dma_fd, b.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, h1);
	at.fd = b.fd;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	h2 = at.handle;
	at.fd = dup_fd;
	at.handle = 0;
	at.size = 0;
	ASSERT_EQ(0, dma_ioctl(other, XBUF_DMA_IOC_ATTACH, &at));
	h3 = at.handle;

	EXPECT_EQ(-EBUSY, dma_map(self->dma_fd, h2, XBUF_DMA_TO_DEVICE));
	EXPECT_EQ(-EBUSY, dma_map(self->dma_fd, h2, XBUF_DMA_FROM_DEVICE));
	EXPECT_EQ(-EBUSY, dma_map(other, h3, XBUF_DMA_BIDIRECTIONAL));

	/* Readers only: they coexist, and keep a writer out. */
	ASSERT_EQ(0, dma_unmap(self->dma_fd, h1));
	EXPECT_EQ(0, dma_map(self->dma_fd, h1, XBUF_DMA_TO_DEVICE));
	EXPECT_EQ(0, dma_map(other, h3, XBUF_DMA_TO_DEVICE));
	for (i = 0; i < ARRAY_SIZE(writable); i++)
		EXPECT_EQ(-EBUSY, dma_map(self->dma_fd, h2, writable[i]));

	/* Once the others are gone a writer maps, in another file too. */
	EXPECT_EQ(0, dma_unmap(self->dma_fd, h1));
	EXPECT_EQ(0, dma_detach(other, h3));
	EXPECT_EQ(0, dma_map(self->dma_fd, h2, XBUF_DMA_BIDIRECTIONAL));
	EXPECT_EQ(0, dma_detach(self->dma_fd, h1));
	EXPECT_EQ(0, dma_detach(self->dma_fd, h2));
	close(other);
	close(dup_fd);
	buf_free(&b);
}

/* The device may do with a buffer only what its fd allows (EACCES). */
TEST_F(errors, fd_access_mode)
{
	static const struct {
		int mode;
		int to_device, from_device, bidirectional;
	} cases[] = {
		{ O_RDONLY, 0, -EACCES, -EACCES },
		{ O_WRONLY, -EACCES, 0, -EACCES },
		{ O_RDWR, 0, 0, 0 },
	};
	struct xbuf_dma_attach at = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int fd = heap_alloc(self->heap_fd, 4096, cases[i].mode);

		ASSERT_LE(0, fd);
		at = (struct xbuf_dma_attach){ .fd = fd };
		ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
		EXPECT_EQ(cases[i].to_device,
			  dma_map(self->dma_fd, at.handle, XBUF_DMA_TO_DEVICE));
		dma_unmap(self->dma_fd, at.handle);
		EXPECT_EQ(cases[i].from_device,
			  dma_map(self->dma_fd, at.handle, XBUF_DMA_FROM_DEVICE));
		dma_unmap(self->dma_fd, at.handle);
		EXPECT_EQ(cases[i].bidirectional,
			  dma_map(self->dma_fd, at.handle,
				  XBUF_DMA_BIDIRECTIONAL));
		EXPECT_EQ(0, dma_detach(self->dma_fd, at.handle));
		close(fd);
	}
}

#define MAPPED_CAP	"/sys/module/xbuf_dma/parameters/max_mapped_bytes"

static int write_ull(const char *path, unsigned long long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%llu\n", v) < 0;
	return fclose(f) || ret ? -EIO : 0;
}

/* A file maps at most max_mapped_bytes of buffers at once (ENOSPC). */
TEST_F(errors, mapped_bytes_cap)
{
	unsigned long long saved;
	struct buf a, b;
	FILE *f;
	int ha, hb;

	f = fopen(MAPPED_CAP, "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%llu", &saved));
	fclose(f);
	ASSERT_EQ(0, buf_new(&a, self->heap_fd, -1, 1 << 20));
	ASSERT_EQ(0, buf_new(&b, self->heap_fd, -1, 4096));
	ASSERT_EQ(0, write_ull(MAPPED_CAP, 1 << 20));
	ha = dma_attach_map(self->dma_fd, a.fd, XBUF_DMA_TO_DEVICE);
	EXPECT_LT(0, ha);
	hb = dma_attach_map(self->dma_fd, b.fd, XBUF_DMA_TO_DEVICE);
	EXPECT_EQ(-ENOSPC, hb);
	EXPECT_EQ(0, dma_unmap(self->dma_fd, ha));
	hb = dma_attach_map(self->dma_fd, b.fd, XBUF_DMA_TO_DEVICE);
	EXPECT_LT(0, hb);
	ASSERT_EQ(0, write_ull(MAPPED_CAP, saved));
	close(self->dma_fd);	/* releases both handles */
	self->dma_fd = dma_open();
	buf_free(&a);
	buf_free(&b);
}

/* A file holds at most 4096 handles (EMFILE); closing it frees them. */
TEST_F_TIMEOUT(errors, handle_limit, 300)
{
	long long attached = engine_stat("attached");
	struct xbuf_dma_attach at;
	struct buf b;
	int i;

	ASSERT_EQ(0, buf_new(&b, self->heap_fd, -1, 4096));
	for (i = 0; i < 4096; i++) {
		at = (struct xbuf_dma_attach){ .fd = b.fd };
		ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	}
	at = (struct xbuf_dma_attach){ .fd = b.fd };
	EXPECT_EQ(-EMFILE, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	close(self->dma_fd);
	self->dma_fd = dma_open();
	EXPECT_EQ(attached, engine_stat("attached"));
	buf_free(&b);
}

/*
 * A gate: a vgem buffer carrying a vgem write fence that signals when the
 * test says so (or after vgem's own 10 s). Jobs reading it wait.
 */
struct gate {
	int drm_fd;
	int buf_fd;
	uint32_t fence;
};

static int gate_new(struct gate *g)
{
	struct drm_vgem_fence_attach attach = { .flags = VGEM_FENCE_WRITE };
	struct drm_mode_create_dumb create = {
		.width = 4096, .height = 1, .bpp = 8,
	};
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };

	g->drm_fd = drm_open_driver("vgem");
	if (g->drm_fd < 0)
		return -ENODEV;
	if (ioctl(g->drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	attach.handle = create.handle;
	if (ioctl(g->drm_fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach))
		return -errno;
	g->fence = attach.out_fence;
	prime.handle = create.handle;
	if (ioctl(g->drm_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime))
		return -errno;
	g->buf_fd = prime.fd;
	return 0;
}

static int gate_open(struct gate *g)
{
	struct drm_vgem_fence_signal sig = { .fence = g->fence };

	return ioctl(g->drm_fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig) ? -errno : 0;
}

/* Whether a sync_file or dma-buf fd has signalled, without waiting. */
static int signalled(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0);
}

FIXTURE(gate) {
	int dma_fd;
	int heap_fd;
	struct gate g;
	struct xbuf_dma_info info;
};

FIXTURE_SETUP(gate)
{
	int ret;

	self->g.drm_fd = -1;
	self->heap_fd = -1;
	self->dma_fd = dma_open();
	if (self->dma_fd < 0)
		SKIP(return, "/dev/xbuf_dma: %s", strerror(-self->dma_fd));
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_INFO, &self->info));
	self->heap_fd = heap_open("xbuf");
	ASSERT_LE(0, self->heap_fd);
	ret = gate_new(&self->g);
	if (ret == -ENODEV)
		SKIP(return, "no vgem DRM device: no fence to hold jobs back");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(gate)
{
	if (self->g.drm_fd >= 0) {
		gate_open(&self->g);
		close(self->g.buf_fd);
		close(self->g.drm_fd);
	}
	if (self->heap_fd >= 0)
		close(self->heap_fd);
	if (self->dma_fd >= 0)
		close(self->dma_fd);
}

/*
 * Jobs waiting for a fence hold up no other file's jobs; closing their
 * file does not wait for them; they still run, in order, once the fence
 * signals, and write what they were asked to.
 */
TEST_F_TIMEOUT(gate, close_with_jobs_in_flight, 120)
{
	struct buf d, x, y;
	int gh, dh, xh, yh, fence, other, i;

	ASSERT_EQ(0, buf_new(&d, self->heap_fd, -1, 4096));
	ASSERT_EQ(0, buf_new(&x, self->heap_fd, -1, 4096));
	ASSERT_EQ(0, buf_new(&y, self->heap_fd, -1, 4096));
	ASSERT_EQ(0, buf_write(&x, 5, 0));
	gh = dma_attach_map(self->dma_fd, self->g.buf_fd, XBUF_DMA_TO_DEVICE);
	ASSERT_LT(0, gh);
	dh = dma_attach_map(self->dma_fd, d.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, dh);

	/* Held back by the gate, then two fills queued behind it. */
	ASSERT_EQ(0, dma_copy(self->dma_fd, dh, 0, gh, 0, 4096, 0));
	for (i = 0; i < 2; i++) {
		struct xbuf_dma_job fill = {
			.op = XBUF_DMA_OP_FILL, .dst = dh, .len = 4096,
			.pattern = 0x60 + i,
			.flags = i ? XBUF_DMA_JOB_OUT_FENCE : 0,
		};

		ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_JOB, &fill));
		fence = fill.fence_fd;
	}

	/* Another file's job runs to completion meanwhile. */
	other = dma_open();
	ASSERT_LE(0, other);
	xh = dma_attach_map(other, x.fd, XBUF_DMA_TO_DEVICE);
	yh = dma_attach_map(other, y.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, xh);
	ASSERT_LT(0, yh);
	EXPECT_EQ(0, dma_copy(other, yh, 0, xh, 0, 4096, XBUF_DMA_JOB_WAIT));
	EXPECT_EQ(0, signalled(fence)) TH_LOG("the gated jobs ran first");
	close(other);

	/* close() returns with the jobs still waiting. */
	close(self->dma_fd);
	self->dma_fd = -1;
	EXPECT_EQ(0, signalled(fence)) TH_LOG("close() waited for the jobs");
	EXPECT_LE(3, engine_stat("inflight"));

	ASSERT_EQ(0, gate_open(&self->g));
	ASSERT_EQ(1, poll(&(struct pollfd){ .fd = fence, .events = POLLIN },
			  1, 60000));
	close(fence);
	ASSERT_EQ(0, buf_sync(d.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, first_not(d.map, 4096, 0x61));
	ASSERT_EQ(0, buf_sync(d.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	ASSERT_EQ(0, buf_sync(y.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, pattern_check(y.map, 4096, 5));
	ASSERT_EQ(0, buf_sync(y.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	buf_free(&d);
	buf_free(&x);
	buf_free(&y);
	self->dma_fd = dma_open();
}

/* A file has at most 256 jobs in flight: the next one gets EAGAIN. */
TEST_F_TIMEOUT(gate, job_limit, 120)
{
	struct xbuf_dma_job job;
	int gh, dh, i;
	struct buf d;

	if (!strcmp(self->info.engine, "edu"))
		SKIP(return, "256 edu jobs take a minute; the limit does not depend on the engine");
	ASSERT_EQ(0, buf_new(&d, self->heap_fd, -1, 4096));
	gh = dma_attach_map(self->dma_fd, self->g.buf_fd, XBUF_DMA_TO_DEVICE);
	dh = dma_attach_map(self->dma_fd, d.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, gh);
	ASSERT_LT(0, dh);
	for (i = 0; i < 256; i++)
		ASSERT_EQ(0, dma_copy(self->dma_fd, dh, 0, gh, 0, 64, 0))
			TH_LOG("job %d", i);
	job = (struct xbuf_dma_job){ .op = XBUF_DMA_OP_FILL, .dst = dh,
				     .len = 64 };
	EXPECT_EQ(-EAGAIN, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_JOB, &job));

	ASSERT_EQ(0, gate_open(&self->g));
	job.flags = XBUF_DMA_JOB_WAIT;
	for (i = 0; i < 600; i++) {
		int ret = dma_ioctl(self->dma_fd, XBUF_DMA_IOC_JOB, &job);

		if (ret != -EAGAIN) {
			EXPECT_EQ(0, ret);
			break;
		}
		usleep(100000);
	}
	EXPECT_EQ(0, job.status);
	buf_free(&d);
}

/* sw_sync: a fence signalled only when the test says, never by itself. */
#define SW_SYNC			"/sys/kernel/debug/sync/sw_sync"

struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};

#define SW_SYNC_IOC_CREATE_FENCE \
	_IOWR('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC		_IOW('W', 1, __u32)

/*
 * A job whose source has a writer that never signals gives up after 10 s
 * with ETIMEDOUT, and the file's next job runs after it.
 */
TEST_F_TIMEOUT(errors, dependency_timeout, 120)
{
	struct sw_sync_create_fence_data create = { .value = 1 };
	struct dma_buf_import_sync_file import = {
		.flags = DMA_BUF_SYNC_WRITE,
	};
	struct xbuf_dma_job job = {
		.op = XBUF_DMA_OP_FILL, .flags = XBUF_DMA_JOB_WAIT, .len = 64,
	};
	struct buf src, dst;
	uint32_t one = 1;
	int timeline, s, d;

	timeline = open(SW_SYNC, O_RDWR);
	if (timeline < 0)
		SKIP(return, "%s: %s (a kernel without CONFIG_SW_SYNC)",
		     SW_SYNC, strerror(errno));
	ASSERT_EQ(0, ioctl(timeline, SW_SYNC_IOC_CREATE_FENCE, &create));
	ASSERT_EQ(0, buf_new(&src, self->heap_fd, -1, 4096));
	ASSERT_EQ(0, buf_new(&dst, self->heap_fd, -1, 4096));
	import.fd = create.fence;
	ASSERT_EQ(0, ioctl(src.fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &import));
	close(create.fence);

	s = dma_attach_map(self->dma_fd, src.fd, XBUF_DMA_TO_DEVICE);
	d = dma_attach_map(self->dma_fd, dst.fd, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, s);
	ASSERT_LT(0, d);
	EXPECT_EQ(-ETIMEDOUT, dma_copy(self->dma_fd, d, 0, s, 0, 4096,
				       XBUF_DMA_JOB_WAIT));
	job.dst = d;
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_JOB, &job));
	EXPECT_EQ(0, job.status);
	ASSERT_EQ(0, ioctl(timeline, SW_SYNC_IOC_INC, &one));
	close(timeline);
	EXPECT_EQ(0, dma_detach(self->dma_fd, s));
	EXPECT_EQ(0, dma_detach(self->dma_fd, d));
	buf_free(&src);
	buf_free(&dst);
}

/*
 * The interrupt counts, over every CPU, of the /proc/interrupts lines of a
 * DMA controller: those whose handlers are named after the device, as many
 * drivers name them, or as drivers known to name them otherwise do
 * (bcm2835-dma: "DMA IRQ"). -1 when no line matches.
 */
static long long dma_irq_count(const char *device)
{
	static const char *const driver_names[] = { "DMA IRQ" };
	long long total = -1;
	char line[512];
	unsigned int i;
	FILE *f;

	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		bool match = strstr(line, device);
		char *p = strchr(line, ':'), *end;
		long long n, sum = 0;

		for (i = 0; i < ARRAY_SIZE(driver_names); i++)
			match = match || strstr(line, driver_names[i]);
		if (!match || !p)
			continue;
		for (p++; (n = strtoll(p, &end, 10)) >= 0 && end != p; p = end)
			sum += n;
		total = (total < 0 ? 0 : total) + sum;
	}
	fclose(f);
	return total;
}

/* Whether @device has a channel in the dmaengine framework. */
static bool dmaengine_controller(const char *device)
{
	char path[PATH_MAX], target[PATH_MAX];
	bool found = false;
	struct dirent *e;
	ssize_t n;
	DIR *d;

	d = opendir("/sys/class/dma");
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/class/dma/%s/device",
			 e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		found = !strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1
						      : target, device);
	}
	closedir(d);
	return found;
}

/*
 * The copies one job takes at least: COPY one per segment pair and
 * max_copy, so one; FILL and CHECKSUM one per 64 KiB chunk of the
 * engine's scratch buffer at most.
 */
#define SCRATCH_CHUNK	(64 * 1024)
#define PROOF_COPIES	16
#define PROOF_COPY_LEN	(64 * 1024)
#define PROOF_LEN	(256 * 1024)

/*
 * On the dmaengine engine the DMA controller moves the bytes: the engine
 * counts every job and byte submitted, the data arrive, info.device names
 * a dmaengine controller, and that controller raised at least one
 * interrupt per engine copy (there is no CPU fallback that could pass the
 * data tests without it).
 */
TEST_F_TIMEOUT(errors, dmaengine_controller_moved_bytes, 300)
{
	long long jobs, bytes, errs, irqs, min_copies;
	struct xbuf_dma_info info = { 0 };
	struct xbuf_dma_job job;
	struct buf src, dst;
	int s, d, i, heap;

	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_INFO, &info));
	if (strcmp(info.engine, "dmaengine"))
		SKIP(return, "engine %s: no DMA controller to count (load with engine=dmaengine)",
		     info.engine);
	TH_LOG("engine dmaengine on %s, align %u", info.device, info.align);
	EXPECT_TRUE(dmaengine_controller(info.device))
		TH_LOG("%s has no channel in /sys/class/dma", info.device);

	/* Contiguous buffers where there are: one segment, one copy a job. */
	heap = heap_open("xbuf-contig");
	if (heap < 0)
		heap = dup(self->heap_fd);
	ASSERT_EQ(0, buf_new(&src, heap, -1, PROOF_LEN));
	ASSERT_EQ(0, buf_new(&dst, heap, -1, PROOF_LEN));
	close(heap);
	ASSERT_EQ(0, buf_write(&src, 9, 0));
	s = dma_attach_map(self->dma_fd, src.fd, XBUF_DMA_TO_DEVICE);
	d = dma_attach_map(self->dma_fd, dst.fd, XBUF_DMA_BIDIRECTIONAL);
	ASSERT_LT(0, s);
	ASSERT_LT(0, d);

	jobs = engine_stat("jobs");
	bytes = engine_stat("bytes");
	errs = engine_stat("errors");
	irqs = dma_irq_count(info.device);
	for (i = 0; i < PROOF_COPIES; i++)
		JOB_EXPECT(0, .src_offset = i * PROOF_COPY_LEN % PROOF_LEN,
			   .dst_offset = i * PROOF_COPY_LEN % PROOF_LEN,
			   .len = PROOF_COPY_LEN);
	ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, memcmp(dst.map, src.map, PROOF_LEN));
	ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	JOB_EXPECT(0, .op = XBUF_DMA_OP_CHECKSUM, .dst = 0, .len = PROOF_LEN);
	EXPECT_EQ(crc32_ieee(src.map, PROOF_LEN), job.checksum);
	JOB_EXPECT(0, .op = XBUF_DMA_OP_FILL, .src = 0, .pattern = 0x5a,
		   .len = PROOF_LEN);
	min_copies = PROOF_COPIES + 2 * PROOF_LEN / SCRATCH_CHUNK;

	EXPECT_EQ(PROOF_COPIES + 2, engine_stat("jobs") - jobs);
	EXPECT_EQ(PROOF_COPIES * PROOF_COPY_LEN + 2 * PROOF_LEN,
		  engine_stat("bytes") - bytes);
	EXPECT_EQ(errs, engine_stat("errors"));
	ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, first_not(dst.map, PROOF_LEN, 0x5a));
	ASSERT_EQ(0, buf_sync(dst.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, dma_detach(self->dma_fd, s));
	EXPECT_EQ(0, dma_detach(self->dma_fd, d));
	buf_free(&src);
	buf_free(&dst);

	if (irqs < 0)
		SKIP(return, "no /proc/interrupts line of %s: not counted",
		     info.device);
	irqs = dma_irq_count(info.device) - irqs;
	TH_LOG("%d jobs, %lld bytes, >= %lld copies: %lld controller interrupts",
	       PROOF_COPIES + 2, engine_stat("bytes") - bytes, min_copies,
	       irqs);
	EXPECT_LE(min_copies, irqs);
}

/* The fix for CPU writes lost behind bounce buffers, with the system heap. */
TEST_F(errors, system_heap_cpu_writes_survive)
{
	int heap = heap_open("system");

	if (heap < 0)
		SKIP(return, "/dev/dma_heap/system: %s", strerror(-heap));
	cpu_writes_survive(_metadata, self->dma_fd, heap, 64 * 1024);
	close(heap);
}

/*
 * A copy of 1 GiB, where memory allows: on a 32-bit kernel most of its
 * pages are highmem, which the engine reaches only through temporary
 * mappings. Each page is stamped with its index at both ends, so that a
 * page copied from or to the wrong place shows. The CPU sees the buffers
 * through windows, which a 32-bit process always has room for.
 */
#define LARGE_LEN	(1024 * MIB)
#define LARGE_WINDOW	(64 * MIB)
/* Memory the two buffers leave the rest of the system. */
#define LARGE_HEADROOM	(256 * MIB)

FIXTURE(large) {
	int dma_fd;
	int heap_fd;
	struct xbuf_dma_info info;
};

FIXTURE_SETUP(large)
{
	self->heap_fd = -1;
	self->dma_fd = dma_open();
	if (self->dma_fd < 0)
		SKIP(return, "/dev/xbuf_dma: %s (is xbuf_dma loaded?)",
		     strerror(-self->dma_fd));
	ASSERT_EQ(0, dma_ioctl(self->dma_fd, XBUF_DMA_IOC_INFO, &self->info));
	self->heap_fd = heap_open("xbuf");
	if (self->heap_fd < 0)
		SKIP(return, "/dev/dma_heap/xbuf: %s",
		     strerror(-self->heap_fd));
}

FIXTURE_TEARDOWN(large)
{
	if (self->heap_fd >= 0)
		close(self->heap_fd);
	if (self->dma_fd >= 0)
		close(self->dma_fd);
}

/* The stamp of the page at @off: its index, mixed with @seed. */
static uint32_t page_stamp(uint64_t off, uint32_t seed)
{
	return seed ^ (uint32_t)(off / page_size());
}

/*
 * Stamp every page of the first @len bytes of @fd at its first and last
 * word, or with @check compare them with the stamps. 0, -errno when a
 * window cannot be mapped, or 1 with the first page that differs in *@bad.
 */
static int stamp_pages(int fd, uint64_t len, uint32_t seed, bool check,
		       uint64_t *bad)
{
	const size_t pg = page_size(), last = pg / sizeof(uint32_t) - 1;
	uint64_t win, off;

	for (win = 0; win < len; win += LARGE_WINDOW) {
		size_t n = len - win < LARGE_WINDOW ? len - win : LARGE_WINDOW;
		uint8_t *map = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED,
				    fd, (off_t)win);

		if (map == MAP_FAILED)
			return -errno;
		for (off = 0; off < n; off += pg) {
			uint32_t *p = (uint32_t *)(map + off);
			uint32_t v = page_stamp(win + off, seed);

			if (!check) {
				p[0] = v;
				p[last] = ~v;
			} else if (p[0] != v || p[last] != ~v) {
				*bad = win + off;
				munmap(map, n);
				return 1;
			}
		}
		munmap(map, n);
	}
	return 0;
}

TEST_F_TIMEOUT(large, copy_a_gib, 900)
{
	long long avail = meminfo_bytes("MemAvailable");
	uint64_t need = 2 * LARGE_LEN + LARGE_HEADROOM, bad = 0;
	long long bytes = engine_stat("bytes");
	struct heap_stats st;
	int src, dst, s, d;

	if (!strcmp(self->info.engine, "edu"))
		SKIP(return, "edu moves about 20 KiB/s: 1 GiB would take 14 hours");
	ASSERT_EQ(0, heap_stats("xbuf", &st));
	if (st.max_buffer < (long long)LARGE_LEN || avail < (long long)need)
		SKIP(return, "MemAvailable %lld MiB, heap limit %lld MiB: %s %llu MiB",
		     avail / (long long)MIB, st.max_buffer / (long long)MIB,
		     "two 1 GiB buffers need", (unsigned long long)(need / MIB));

	src = heap_alloc(self->heap_fd, LARGE_LEN, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, src) TH_LOG("source: %s", strerror(-src));
	dst = heap_alloc(self->heap_fd, LARGE_LEN, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dst) TH_LOG("destination: %s", strerror(-dst));

	ASSERT_EQ(0, buf_sync(src, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, stamp_pages(src, LARGE_LEN, 0x5a5a0000, false, &bad));
	ASSERT_EQ(0, buf_sync(src, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));

	s = dma_attach_map(self->dma_fd, src, XBUF_DMA_TO_DEVICE);
	ASSERT_LT(0, s) TH_LOG("source: %s", strerror(-s));
	d = dma_attach_map(self->dma_fd, dst, XBUF_DMA_FROM_DEVICE);
	ASSERT_LT(0, d) TH_LOG("destination: %s", strerror(-d));
	ASSERT_EQ(0, dma_copy(self->dma_fd, d, 0, s, 0, LARGE_LEN,
			      XBUF_DMA_JOB_WAIT));

	ASSERT_EQ(0, buf_sync(dst, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, stamp_pages(dst, LARGE_LEN, 0x5a5a0000, true, &bad))
		TH_LOG("page at %#llx differs", (unsigned long long)bad);
	EXPECT_EQ(0, buf_sync(dst, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	if (bytes >= 0)
		EXPECT_LE(bytes + (long long)LARGE_LEN, engine_stat("bytes"));

	EXPECT_EQ(0, dma_detach(self->dma_fd, s));
	EXPECT_EQ(0, dma_detach(self->dma_fd, d));
	close(src);
	close(dst);
}

TEST_HARNESS_MAIN
