// SPDX-License-Identifier: GPL-2.0
/*
 * The xbuf demo run by `make run`: allocate from every xbuf heap through
 * the dma-heap ABI, write and verify a pattern through mmap inside
 * DMA_BUF_IOCTL_SYNC brackets, share two buffers with xbuf_dma and have
 * its engine copy one into the other, then verify the copy on the CPU.
 * The heaps' and the engine's debugfs statistics are shown along the way.
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/xbuf.h>

static const char *const heaps[] = { "xbuf", "xbuf-contig", "xbuf-uncached" };
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NHEAPS	ARRAY_SIZE(heaps)
#define BUF_LEN	(2u << 20)

static void show_file(const char *path, const char *when)
{
	char line[256];
	FILE *f = fopen(path, "r");

	printf("-- %s %s:\n", path, when);
	if (!f) {
		printf("   (not available: %s)\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		printf("   %s", line);
	fclose(f);
}

static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/* Allocate BUF_LEN from @heap, write and verify; the dma-buf fd or -1. */
static int demo_heap(const char *heap)
{
	struct dma_heap_allocation_data data = {
		.len = BUF_LEN,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[64];
	uint32_t *p, i, bad = 0;
	int heap_fd;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	heap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0 || ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data)) {
		printf("%-14s allocation failed: %s\n", heap, strerror(errno));
		return -1;
	}
	close(heap_fd);

	p = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, data.fd, 0);
	if (p == MAP_FAILED) {
		printf("%-14s mmap failed: %s\n", heap, strerror(errno));
		close(data.fd);
		return -1;
	}
	sync_buf(data.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	for (i = 0; i < BUF_LEN / 4; i++)
		bad += p[i] != 0;
	for (i = 0; i < BUF_LEN / 4; i++)
		p[i] = i ^ 0x5eed;
	for (i = 0; i < BUF_LEN / 4; i++)
		bad += p[i] != (i ^ 0x5eed);
	sync_buf(data.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	munmap(p, BUF_LEN);

	printf("%-14s fd %d: %u KiB allocated, zeroed, written and verified through mmap: %s\n",
	       heap, data.fd, BUF_LEN >> 10, bad ? "MISMATCH" : "ok");
	if (bad) {
		close(data.fd);
		return -1;
	}
	return (int)data.fd;
}

/* Attach and map @buf_fd for @dir on the xbuf_dma device; the handle. */
static int dma_share(int dma_fd, int buf_fd, uint32_t dir)
{
	struct xbuf_dma_attach at = { .fd = buf_fd };
	struct xbuf_dma_map map = { .dir = dir };

	if (ioctl(dma_fd, XBUF_DMA_IOC_ATTACH, &at))
		return -1;
	map.handle = at.handle;
	if (ioctl(dma_fd, XBUF_DMA_IOC_MAP, &map))
		return -1;
	printf("   dma-buf fd %d: handle %u, %u DMA segments, %llu bytes mapped %s\n",
	       buf_fd, at.handle, map.nents, (unsigned long long)map.dma_len,
	       dir == XBUF_DMA_TO_DEVICE ? "to the device" : "from the device");
	return (int)at.handle;
}

/*
 * Two xbuf buffers: the CPU writes the source, the engine copies it into
 * the destination, a sync_file says when, the CPU checks the copy.
 */
static int demo_dma(void)
{
	struct pollfd pfd = { .events = POLLIN };
	struct xbuf_dma_info info;
	struct xbuf_dma_job job = { .op = XBUF_DMA_OP_COPY,
				    .flags = XBUF_DMA_JOB_OUT_FENCE,
				    .len = BUF_LEN };
	uint32_t *src, *dst, i, bad = 0;
	int dma_fd, src_fd, dst_fd, s, d;

	dma_fd = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);
	if (dma_fd < 0 || ioctl(dma_fd, XBUF_DMA_IOC_INFO, &info)) {
		printf("xbuf_dma: %s\n", strerror(errno));
		return -1;
	}
	printf("xbuf_dma engine %s on %s, DMA mask %#llx, %s\n", info.engine,
	       info.device, (unsigned long long)info.dma_mask,
	       info.flags & XBUF_DMA_INFO_IOMMU ? "behind an IOMMU" :
						  "direct mapping");

	src_fd = demo_heap("xbuf");
	dst_fd = demo_heap("xbuf");
	if (src_fd < 0 || dst_fd < 0)
		return -1;
	src = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, src_fd, 0);
	dst = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, dst_fd, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED)
		return -1;
	sync_buf(src_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	for (i = 0; i < BUF_LEN / 4; i++)
		src[i] = i * 2654435761u;
	sync_buf(src_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);

	s = dma_share(dma_fd, src_fd, XBUF_DMA_TO_DEVICE);
	d = dma_share(dma_fd, dst_fd, XBUF_DMA_FROM_DEVICE);
	if (s < 0 || d < 0)
		return -1;
	job.src = s;
	job.dst = d;
	if (ioctl(dma_fd, XBUF_DMA_IOC_JOB, &job)) {
		printf("DMA job: %s\n", strerror(errno));
		return -1;
	}
	pfd.fd = job.fence_fd;
	printf("   copy job %llu queued; waiting on its sync_file fd %d: %s\n",
	       (unsigned long long)job.seqno, job.fence_fd,
	       poll(&pfd, 1, 60000) == 1 ? "signalled" : "TIMED OUT");
	close(job.fence_fd);

	sync_buf(dst_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	for (i = 0; i < BUF_LEN / 4; i++)
		bad += dst[i] != i * 2654435761u;
	sync_buf(dst_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	printf("xbuf_dma: %u KiB copied by the %s engine, verified by the CPU: %s\n",
	       BUF_LEN >> 10, info.engine, bad ? "MISMATCH" : "ok");
	show_file("/sys/kernel/debug/xbuf_dma/engine", "after the copy");

	munmap(src, BUF_LEN);
	munmap(dst, BUF_LEN);
	close(dma_fd);	/* detaches both buffers */
	close(src_fd);
	close(dst_fd);
	return bad ? -1 : 0;
}

int main(void)
{
	int fds[NHEAPS], failed = 0;
	unsigned int i;

	for (i = 0; i < NHEAPS; i++) {
		fds[i] = demo_heap(heaps[i]);
		failed |= fds[i] < 0;
	}
	show_file("/sys/kernel/debug/xbuf/heaps", "with the buffers alive");
	for (i = 0; i < NHEAPS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	show_file("/sys/kernel/debug/xbuf/heaps", "after closing them");
	failed |= demo_dma() != 0;
	printf("xbuf demo: %s\n", failed ? "FAILED" : "heaps and DMA ok");
	return failed;
}
