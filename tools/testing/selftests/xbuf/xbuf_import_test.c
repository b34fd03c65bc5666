// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf buffers imported by importers of the running kernel: vgem (DRM
 * PRIME import) and vivid (V4L2 DMABUF capture, through its vmalloc
 * allocator, which vmaps the buffer, and its dma-contig allocator, which
 * DMA-maps it).
 *
 * The runner loads vgem, and vivid with n_devs=2 allocators=0,1 so that
 * instance vivid-000 uses vmalloc and vivid-001 dma-contig.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include "../kselftest_harness.h"
#include "xbuf_drm.h"
#include "xbuf_util.h"

#define DMA_BUF_BUFINFO	"/sys/kernel/debug/dma_buf/bufinfo"

/*
 * Count the devices attached to the dma-buf named @buf_name in the core's
 * bufinfo, and whether one of them is @dev_name. -1 if it is not listed.
 */
static int attached_devices(const char *buf_name, const char *dev_name,
			    int *has_dev)
{
	char line[512], tail[128];
	int in_buf = 0, count = -1;
	FILE *f;

	f = fopen(DMA_BUF_BUFINFO, "r");
	if (!f)
		return -1;
	snprintf(tail, sizeof(tail), "\t%s\n", buf_name);
	*has_dev = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line), t = strlen(tail);

		if (!in_buf) {
			in_buf = n > t && !strcmp(line + n - t, tail);
			continue;
		}
		if (sscanf(line, "Total %d devices attached", &count) == 1)
			break;
		if (line[0] == '\t' && strstr(line, dev_name))
			*has_dev = 1;
	}
	fclose(f);
	return count;
}

FIXTURE(vgem) {
	int drm_fd;
	int heap_fd;
	bool skipped;
};

FIXTURE_VARIANT(vgem) {
	const char *heap;
};

FIXTURE_VARIANT_ADD(vgem, xbuf) {
	.heap = "xbuf",
};

FIXTURE_VARIANT_ADD(vgem, contig) {
	.heap = "xbuf-contig",
};

FIXTURE_VARIANT_ADD(vgem, uncached) {
	.heap = "xbuf-uncached",
};

FIXTURE_SETUP(vgem)
{
	self->drm_fd = -1;
	self->heap_fd = heap_open(variant->heap);
	if (self->heap_fd < 0)
		SETUP_SKIP(return, "/dev/dma_heap/%s: %s", variant->heap,
			   strerror(-self->heap_fd));
	self->drm_fd = drm_open_driver("vgem");
	if (self->drm_fd < 0)
		SETUP_SKIP(return, "no vgem DRM device (modprobe vgem)");
}

FIXTURE_TEARDOWN(vgem)
{
	if (self->drm_fd >= 0)
		close(self->drm_fd);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

/* vgem imports the buffer, stays attached across CPU access, lets go. */
TEST_F(vgem, prime_import_and_sync)
{
	size_t len = 1 << 20;
	struct drm_prime_handle prime = { 0 };
	struct drm_gem_close gem_close = { 0 };
	char name[32];
	int fd, has_vgem;
	uint8_t *p;

	if (self->skipped)
		return;
	fd = heap_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	snprintf(name, sizeof(name), "vgem-import-%d", getpid());
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME_B, name));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	pattern_fill(p, len, 0x42);
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));

	prime.fd = fd;
	ASSERT_EQ(0, ioctl(self->drm_fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime))
		TH_LOG("PRIME_FD_TO_HANDLE: %s", strerror(errno));
	EXPECT_NE(0, prime.handle);
	EXPECT_EQ(1, attached_devices(name, "vgem", &has_vgem));
	EXPECT_TRUE(has_vgem);

	/*
	 * CPU access brackets while vgem holds a mapping of the buffer: what
	 * the CPU writes in one bracket is there in the next.
	 */
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(-1, pattern_check(p, len, 0x42));
	pattern_fill(p, len, 0x43);
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, pattern_check(p, len, 0x43));
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	gem_close.handle = prime.handle;
	ASSERT_EQ(0, ioctl(self->drm_fd, DRM_IOCTL_GEM_CLOSE, &gem_close));
	EXPECT_EQ(0, attached_devices(name, "vgem", &has_vgem));

	munmap(p, len);
	close(fd);
}

/* Open the video capture node of vivid instance @inst; -1 if none. */
static int vivid_open(int inst)
{
	char path[64], bus[32];
	struct v4l2_capability cap;
	int i, fd;

	snprintf(bus, sizeof(bus), "platform:vivid-%03d", inst);
	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.bus_info, bus) &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE))
			return fd;
		close(fd);
	}
	return -1;
}

FIXTURE(vivid) {
	int video_fd;
	int heap_fd;
	bool skipped;
};

FIXTURE_VARIANT(vivid) {
	const char *heap;
	int instance;		/* 0: vmalloc allocator, 1: dma-contig */
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_xbuf) {
	.heap = "xbuf",
	.instance = 0,
};

FIXTURE_VARIANT_ADD(vivid, vmalloc_uncached) {
	.heap = "xbuf-uncached",
	.instance = 0,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig_contig) {
	.heap = "xbuf-contig",
	.instance = 1,
};

FIXTURE_SETUP(vivid)
{
	self->video_fd = -1;
	self->heap_fd = heap_open(variant->heap);
	if (self->heap_fd < 0)
		SETUP_SKIP(return, "/dev/dma_heap/%s: %s", variant->heap,
			   strerror(-self->heap_fd));
	self->video_fd = vivid_open(variant->instance);
	if (self->video_fd < 0)
		SETUP_SKIP(return, "no vivid-%03d capture node (%s)",
			   variant->instance,
			   "modprobe vivid n_devs=2 allocators=0,1");
}

FIXTURE_TEARDOWN(vivid)
{
	if (self->video_fd >= 0)
		close(self->video_fd);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

#define VIVID_BUFS	2
#define SENTINEL	0x5a

/* Does the kernel command line force every DMA through swiotlb? */
static int bounce_forced(void)
{
	char line[1024], *arg;
	int forced = 0;
	FILE *f;

	f = fopen("/proc/cmdline", "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f)) {
		/* The "swiotlb=" argument, alone: up to the next blank. */
		arg = strstr(line, "swiotlb=");
		if (arg) {
			arg[strcspn(arg, "\n\t ")] = 0;
			forced = !!strstr(arg, "force");
		}
	}
	fclose(f);
	return forced;
}

/* vivid captures frames into xbuf buffers queued as V4L2_MEMORY_DMABUF. */
TEST_F_TIMEOUT(vivid, capture_into_xbuf, 120)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers req = {
		.count = VIVID_BUFS,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct pollfd pfd = { .fd = self->video_fd, .events = POLLIN };
	uint8_t *maps[VIVID_BUFS];
	int fds[VIVID_BUFS], i, frames;
	size_t len, changed, j;

	if (self->skipped)
		return;
	ASSERT_EQ(0, ioctl(self->video_fd, VIDIOC_G_FMT, &fmt));
	/*
	 * vivid fills frames with the CPU, through dma_buf_vmap(), while
	 * its dma-contig mapping is live. When swiotlb bounces everything,
	 * unmapping that FROM_DEVICE mapping rightly copies the untouched
	 * bounce buffer back over the frame.
	 */
	if (variant->instance == 1 && bounce_forced())
		SKIP(return, "swiotlb=force: vivid's CPU-written frames lost at unmap");
	len = page_align(fmt.fmt.pix.sizeimage);
	ASSERT_EQ(0, ioctl(self->video_fd, VIDIOC_REQBUFS, &req));
	ASSERT_EQ(VIVID_BUFS, req.count);

	for (i = 0; i < VIVID_BUFS; i++) {
		struct v4l2_buffer b = {
			.index = i,
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_DMABUF,
			.length = len,
		};

		fds[i] = heap_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
		maps[i] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fds[i], 0);
		ASSERT_NE(MAP_FAILED, maps[i]);
		memset(maps[i], SENTINEL, len);
		b.m.fd = fds[i];
		ASSERT_EQ(0, ioctl(self->video_fd, VIDIOC_QBUF, &b))
			TH_LOG("QBUF %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(0, ioctl(self->video_fd, VIDIOC_STREAMON, &type));

	for (frames = 0; frames < 4; frames++) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_DMABUF,
		};

		ASSERT_EQ(1, poll(&pfd, 1, 30000)) TH_LOG("no frame in 30 s");
		ASSERT_EQ(0, ioctl(self->video_fd, VIDIOC_DQBUF, &b));
		ASSERT_GT(VIVID_BUFS, b.index);
		EXPECT_EQ(fmt.fmt.pix.sizeimage, b.bytesused);
		EXPECT_FALSE(b.flags & V4L2_BUF_FLAG_ERROR);

		/* The frame is in the buffer: the sentinel is overwritten. */
		ASSERT_EQ(0, buf_sync(fds[b.index],
				      DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		for (changed = 0, j = 0; j < b.bytesused; j++)
			changed += maps[b.index][j] != SENTINEL;
		ASSERT_EQ(0, buf_sync(fds[b.index],
				      DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		EXPECT_LT(b.bytesused / 2, changed)
			TH_LOG("frame %d: only %zu of %u bytes written",
			       frames, changed, b.bytesused);

		memset(maps[b.index], SENTINEL, len);
		b.m.fd = fds[b.index];
		b.length = len;
		ASSERT_EQ(0, ioctl(self->video_fd, VIDIOC_QBUF, &b));
	}

	ASSERT_EQ(0, ioctl(self->video_fd, VIDIOC_STREAMOFF, &type));
	req.count = 0;
	EXPECT_EQ(0, ioctl(self->video_fd, VIDIOC_REQBUFS, &req));
	for (i = 0; i < VIVID_BUFS; i++) {
		munmap(maps[i], len);
		close(fds[i]);
	}
}

TEST_HARNESS_MAIN
