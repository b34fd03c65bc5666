/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the xbuf kselftests: heap allocation through the
 * dma-heap ABI, dma-buf sync, and the xbuf debugfs and module parameters.
 */
#ifndef XBUF_UTIL_H
#define XBUF_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#define XBUF_DEBUGFS_HEAPS	"/sys/kernel/debug/xbuf/heaps"
#define XBUF_HEAP_PARAM_DIR	"/sys/module/xbuf_heap/parameters/"

/*
 * A SKIP in a fixture's setup. 6.1's harness runs the test body after it
 * (later ones do not), and how a body could tell differs between them:
 * the fixture records it in its own "skipped" member instead.
 */
#define SETUP_SKIP(statement, fmt, ...) do {				\
	self->skipped = true;						\
	SKIP(statement, fmt, ##__VA_ARGS__);				\
} while (0)

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline size_t page_align(size_t len)
{
	return (len + page_size() - 1) & ~(page_size() - 1);
}

/* Open /dev/dma_heap/<name>; -errno on failure. */
static inline int heap_open(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* DMA_HEAP_IOCTL_ALLOC; returns the dma-buf fd or -errno. */
static inline int heap_alloc(int heap_fd, uint64_t len, uint32_t fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data))
		return -errno;
	return (int)data.fd;
}

/* DMA_BUF_IOCTL_SYNC; 0 or -errno. */
static inline int buf_sync(int buf_fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &sync) ? -errno : 0;
}

/* Size of a dma-buf as its file reports it. */
static inline long long buf_size(int buf_fd)
{
	return (long long)lseek(buf_fd, 0, SEEK_END);
}

/*
 * One heap's line of <debugfs>/xbuf/heaps. Returns 0, or -1 when the file
 * or the heap is missing.
 */
struct heap_stats {
	long long buffers;
	long long bytes;
	long long max_buffer;
};

static inline int heap_stats(const char *name, struct heap_stats *st)
{
	char line[256], heap[64];
	int ret = -1;
	FILE *f;

	f = fopen(XBUF_DEBUGFS_HEAPS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld %lld %lld", heap, &st->buffers,
			   &st->bytes, &st->max_buffer) == 4 &&
		    !strcmp(heap, name)) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

#define XBUF_SYSFS_HEAPS	"/sys/kernel/xbuf/heaps/"

/*
 * A heap's property, /sys/kernel/xbuf/heaps/<heap>/<prop>, as text without
 * its newline; 0 or -errno.
 */
static inline int heap_prop_str(const char *heap, const char *prop,
				char *out, size_t len)
{
	char path[256];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), XBUF_SYSFS_HEAPS "%s/%s", heap, prop);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(out, (int)len, f))
		ret = -EIO;
	else
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
	return ret;
}

/* A heap's numeric property, or -1 when it cannot be read. */
static inline long long heap_prop(const char *heap, const char *prop)
{
	char val[32];

	if (heap_prop_str(heap, prop, val, sizeof(val)))
		return -1;
	return strtoll(val, NULL, 10);
}

/*
 * Who provides the heap nodes: "misc" (xbuf's own) or "dma-heap" (the
 * kernel's framework). Empty when unknown.
 */
static inline void heap_registration(char *out, size_t len)
{
	FILE *f = fopen("/sys/kernel/debug/xbuf/registration", "r");

	out[0] = 0;
	if (f) {
		if (!fgets(out, (int)len, f))
			out[0] = 0;
		out[strcspn(out, "\n")] = 0;
		fclose(f);
	}
}

/*
 * The number after "@key:" in the "key: value" lines of @path, or -1 when
 * the file or the key is missing.
 */
static inline long long debugfs_stat(const char *path, const char *key)
{
	size_t klen = strlen(key);
	long long val = -1;
	char line[128];
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			val = strtoll(line + klen + 1, NULL, 0);
	fclose(f);
	return val;
}

#define XBUF_DEBUGFS_POOL	"/sys/kernel/debug/xbuf/pool"

/* A value of <debugfs>/xbuf/pool, or -1 when the file or key is missing. */
static inline long long pool_stat(const char *key)
{
	return debugfs_stat(XBUF_DEBUGFS_POOL, key);
}

/*
 * Wait until the pool's @key reads 0, looking every @step_ms for up to
 * @max_ms: 0, or -1 on time out.
 */
static inline int pool_wait_zero(const char *key, int max_ms, int step_ms)
{
	int ms;

	for (ms = 0; ms < max_ms; ms += step_ms) {
		if (pool_stat(key) == 0)
			return 0;
		usleep(step_ms * 1000);
	}
	return -1;
}

/* Wait until the pool has zeroed every freed chunk: 0, or -1 after 60 s. */
static inline int pool_settle(void)
{
	return pool_wait_zero("pending_bytes", 60000, 10);
}

/* Read a module parameter of xbuf_heap; 0 or -errno. */
static inline int heap_param_get(const char *param, unsigned long *value)
{
	char path[256];
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), XBUF_HEAP_PARAM_DIR "%s", param);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%lu", value) != 1)
		ret = -EIO;
	fclose(f);
	return ret;
}

/* Write a module parameter of xbuf_heap; 0 or -errno. */
static inline int heap_param_set(const char *param, unsigned long value)
{
	char path[256];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), XBUF_HEAP_PARAM_DIR "%s", param);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fprintf(f, "%lu\n", value) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/*
 * @v rounded up, or down, to a multiple of @align, a power of two: the
 * alignment xbuf_dma's engine wants of job offsets and lengths.
 */
static inline uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static inline uint64_t align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}

/* xbuf_dma_info.align: kernels that predate it leave 0, meaning 1. */
static inline uint32_t info_align(uint32_t align)
{
	return align ? align : 1;
}

/* Fill @len bytes with a pattern derived from @seed and the offset. */
static inline void pattern_fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 12));
}

/* Offset of the first byte that differs from the pattern, or -1. */
static inline long long pattern_check(const uint8_t *p, size_t len,
				      uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7 + (i >> 12)))
			return (long long)i;
	return -1;
}

/* Offset of the first non-zero byte, or -1. */
static inline long long first_nonzero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return (long long)i;
	return -1;
}

/* A figure of /proc/meminfo in bytes ("MemAvailable"), or -1. */
static inline long long meminfo_bytes(const char *key)
{
	long long kib = debugfs_stat("/proc/meminfo", key);

	return kib < 0 ? -1 : kib * 1024;
}

/*
 * The buddy allocator's largest block with 4 KiB pages and the default
 * MAX_ORDER: xbuf-contig serves longer buffers from CMA, when the kernel
 * has an area.
 */
#define XBUF_BUDDY_MAX	(4UL * 1024 * 1024)

/* Whether xbuf-contig has to go to CMA for @len bytes. */
static inline int contig_beyond_buddy(const char *heap, uint64_t len)
{
	return !strcmp(heap, "xbuf-contig") && len > XBUF_BUDDY_MAX;
}

/*
 * Whether @heap can be expected to give @len bytes: always, but for
 * xbuf-contig beyond the buddy block, where CMA needs twice that free.
 */
static inline int heap_can_give(const char *heap, uint64_t len)
{
	return !contig_beyond_buddy(heap, len) ||
	       meminfo_bytes("CmaFree") >= (long long)(2 * len);
}

/*
 * Whether the kernel, not this program, is 64-bit: a 32-bit program can
 * run on a 64-bit kernel. Every 64-bit Linux machine name has "64" in it
 * but s390x's.
 */
static inline int kernel_is_64bit(void)
{
	struct utsname u;

	if (uname(&u))
		return -1;
	return strstr(u.machine, "64") || !strcmp(u.machine, "s390x");
}

#define XBUF_DMA_DEBUGFS_ENGINE	"/sys/kernel/debug/xbuf_dma/engine"

/*
 * A figure of <debugfs>/xbuf_dma/engine: "attached" (handles alive, over
 * every open file), "mapped" (handles mapped), "inflight" (jobs submitted
 * and not completed), "jobs", "errors", "bytes". -1 when missing.
 */
static inline long long engine_stat(const char *key)
{
	return debugfs_stat(XBUF_DMA_DEBUGFS_ENGINE, key);
}

/*
 * Wait up to @ms milliseconds for xbuf_dma to have no job in flight: 0,
 * -ETIMEDOUT, or -ENOENT when the engine does not report "inflight".
 */
static inline int engine_wait_idle(int ms)
{
	long long n;
	int waited;

	for (waited = 0;; waited += 10) {
		n = engine_stat("inflight");
		if (n < 0)
			return -ENOENT;
		if (!n)
			return 0;
		if (waited >= ms)
			return -ETIMEDOUT;
		usleep(10000);
	}
}

#endif /* XBUF_UTIL_H */
