// SPDX-License-Identifier: GPL-2.0
/*
 * The xbuf demo run by `make run`: allocate from every xbuf heap through
 * the dma-heap ABI, write and verify a pattern through mmap inside
 * DMA_BUF_IOCTL_SYNC brackets, and show the heaps' debugfs statistics
 * while the buffers are alive and after they are freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

static const char *const heaps[] = { "xbuf", "xbuf-contig", "xbuf-uncached" };
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NHEAPS	ARRAY_SIZE(heaps)
#define BUF_LEN	(2u << 20)

static void show_stats(const char *when)
{
	char line[256];
	FILE *f = fopen("/sys/kernel/debug/xbuf/heaps", "r");

	printf("-- /sys/kernel/debug/xbuf/heaps %s:\n", when);
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

int main(void)
{
	int fds[NHEAPS], failed = 0;
	unsigned int i;

	for (i = 0; i < NHEAPS; i++) {
		fds[i] = demo_heap(heaps[i]);
		failed |= fds[i] < 0;
	}
	show_stats("with the buffers alive");
	for (i = 0; i < NHEAPS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	show_stats("after closing them");
	printf("xbuf demo: %s\n", failed ? "FAILED" : "all heaps ok");
	return failed;
}
