// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf under allocation failures. Each test sweeps one operation through
 * every slab and page allocation it makes in the calling task: with
 * /proc/thread-self/fail-nth set to n = 1, 2, 3, ... failslab and
 * fail_page_alloc fail its n-th allocation, until an n past the last one
 * lets it complete untouched. Operations: DMA_HEAP_IOCTL_ALLOC on every
 * xbuf heap, mmap and first touch, and on /dev/xbuf_dma ATTACH, MAP in
 * each direction, a COPY job waited for and a FILL job with an out-fence.
 *
 * It proves that at every n the operation either succeeds or fails with
 * an errno it may return (ENOMEM, mostly), and never crashes or hangs;
 * that what a faulted call leaves, once undone when it succeeded, is
 * nothing: no fd, no heap buffer or byte, no attachment, no mapping, no
 * job in flight; that a buffer allocated past a fault is still zeroed, a
 * mapping that succeeded is touched without SIGBUS, and a job that
 * reports success moved the right bytes.
 *
 * Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC
 * and CONFIG_FAULT_INJECTION_DEBUG_FS, with debugfs mounted; skips
 * without them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/sync_file.h>
#include <linux/xbuf.h>

#include "../kselftest_harness.h"
#include "xbuf_util.h"

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define NTH_MAX		2000		/* allocations one operation may make */
#define SMALL		(64 * KIB)	/* buffers of the mmap, dma sweeps */
#define EDU_JOB		(4 * KIB)	/* edu: 100 ms per 4 KiB moved */
#define NR_HEAPS	3
#define NR_ERRS		134
#define FILL_BYTE	0x5a
#define SWEEP_TIMEOUT	600

static const char *const heap_names[NR_HEAPS] = {
	"xbuf", "xbuf-contig", "xbuf-uncached",
};

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc/"
#define DEBUGFS_NEEDS	"CONFIG_FAULT_INJECTION_DEBUG_FS, debugfs mounted"

/*
 * Set for the test, restored after it. "probability" stays 0 and "times"
 * as it is: fail-nth injects regardless of them.
 */
static const struct {
	const char *path;
	const char *value;
} knobs[] = {
	/* Not a line in the kernel log: a stack trace there fails the boot. */
	{ FAILSLAB "verbose", "0" },
	{ FAIL_PAGE_ALLOC "verbose", "0" },
	/* Any allocation may fail: sleeping or not, any order and zone. */
	{ FAILSLAB "ignore-gfp-wait", "N" },
	{ FAILSLAB "cache-filter", "N" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-wait", "N" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-highmem", "N" },
	{ FAIL_PAGE_ALLOC "min-order", "0" },
};

#define NR_KNOBS	ARRAY_SIZE(knobs)

/* Errnos an operation may fail with when an allocation fails; 0 ends. */
static const int heap_errs[] = { ENOMEM, EFAULT, 0 };
static const int mmap_errs[] = { ENOMEM, 0 };
static const int dma_errs[] = { ENOMEM, EFAULT, 0 };
/* EIO: a DMA mapping layer may report its own failures so. */
static const int map_errs[] = { ENOMEM, EFAULT, EIO, 0 };
/* What a queued job that failed in the engine may report. */
static const int job_errs[] = { ENOMEM, EIO, 0 };

static bool in_set(int err, const int *set)
{
	for (; *set; set++)
		if (*set == err)
			return true;
	return false;
}

static int file_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		ret = -errno;
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return ret;
}

static int file_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Arm: the n-th allocation of this thread from now on fails. */
static int nth_set(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

/*
 * Disarm, and say what was left of the count: 0 when the fault was
 * injected, more when the operation made fewer allocations; -1 on error.
 */
static long nth_take(int fd)
{
	char buf[16] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (nth_set(fd, 0) || n <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* Open fds of the process, but for the directory's own. */
static int fd_count(void)
{
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* What every sweep must come back to after each attempt. */
struct baseline {
	int fds;
	struct heap_stats heaps[NR_HEAPS];
	long long attached;
	long long mapped;
};

static int baseline_take(struct baseline *b)
{
	int i;

	b->fds = fd_count();
	for (i = 0; i < NR_HEAPS; i++)
		if (heap_stats(heap_names[i], &b->heaps[i]))
			return -1;
	b->attached = engine_stat("attached");
	b->mapped = engine_stat("mapped");
	return b->fds < 0 ? -1 : 0;
}

/*
 * NULL when the process and the drivers are back to @b, else what
 * differs. Jobs may still be finishing, buffers being released: wait for
 * the jobs, then give the figures 5 s to settle.
 */
static const char *baseline_diff(const struct baseline *b, char *buf,
				 size_t len)
{
	struct baseline now;
	int i, ms;

	if (engine_wait_idle(30000) == -ETIMEDOUT)
		return "jobs still in flight after 30 s";
	for (ms = 0; ms <= 5000; ms += 10) {
		bool same;

		if (baseline_take(&now))
			return "cannot read the fds or the heaps' figures";
		same = now.fds == b->fds && now.attached == b->attached &&
		       now.mapped == b->mapped;
		for (i = 0; i < NR_HEAPS && same; i++)
			same = now.heaps[i].buffers == b->heaps[i].buffers &&
			       now.heaps[i].bytes == b->heaps[i].bytes;
		if (same)
			return NULL;
		usleep(10000);
	}
	if (now.fds != b->fds) {
		snprintf(buf, len, "%d fds open, %d before", now.fds, b->fds);
		return buf;
	}
	if (now.attached != b->attached || now.mapped != b->mapped) {
		snprintf(buf, len, "attached %lld, mapped %lld; before %lld, %lld",
			 now.attached, now.mapped, b->attached, b->mapped);
		return buf;
	}
	for (i = 0; i < NR_HEAPS; i++)
		if (now.heaps[i].buffers != b->heaps[i].buffers ||
		    now.heaps[i].bytes != b->heaps[i].bytes)
			break;
	snprintf(buf, len, "heap %s: %lld buffers, %lld bytes; before %lld, %lld",
		 heap_names[i], now.heaps[i].buffers, now.heaps[i].bytes,
		 b->heaps[i].buffers, b->heaps[i].bytes);
	return buf;
}

/* A buffer of the sweep, with its handle when attached. */
struct buf {
	int fd;
	size_t size;
	uint8_t *map;
	uint32_t handle;
};

/* What one sweep works on. */
struct ctx {
	int heap_fd;
	int dma_fd;
	size_t size;
	struct buf src, dst;	/* prepared before the sweep */
	uint32_t dir;		/* MAP: the direction */
	/* What the last attempt made. */
	int fd;
	uint8_t *map;
	struct xbuf_dma_attach attach;
	struct xbuf_dma_map mapping;
	struct xbuf_dma_job job;
	bool sigbus;
	size_t touched;
	unsigned long sum;	/* of the bytes read: keeps the reads */
	/* Jobs that were queued and failed in the engine, by errno. */
	unsigned long job_errs[NR_ERRS];
	char msg[160];
};

/* One operation to sweep. */
struct sweep {
	const char *name;
	const int *errs;	/* errnos a faulted attempt may fail with */
	int (*prepare)(struct ctx *c);		/* unarmed: 0 or -errno */
	int (*run)(struct ctx *c);		/* armed: 0 or -errno */
	const char *(*undo)(struct ctx *c);	/* after success: NULL or why
						 * the result is wrong
						 */
};

static sigjmp_buf sigbus_env;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_env, 1);
}

static int buf_new(struct buf *b, int heap_fd, size_t size)
{
	b->size = size;
	b->handle = 0;
	b->fd = heap_alloc(heap_fd, size, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return b->fd;
	b->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		return -errno;
	}
	return 0;
}

static void buf_free(struct buf *b, int dma_fd)
{
	struct xbuf_dma_handle_arg h = { .handle = b->handle };

	if (b->handle)
		ioctl(dma_fd, XBUF_DMA_IOC_DETACH, &h);
	if (b->map)
		munmap(b->map, b->size);
	close(b->fd);
}

/* CPU writes: the pattern of @seed, or @fill when @seed < 0. */
static int buf_write(struct buf *b, int seed, uint8_t fill)
{
	int ret = buf_sync(b->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);

	if (ret)
		return ret;
	if (seed >= 0)
		pattern_fill(b->map, b->size, seed);
	else
		memset(b->map, fill, b->size);
	return buf_sync(b->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
}

/* Attach @b and map it for @dir. */
static int buf_attach_map(struct buf *b, int dma_fd, uint32_t dir)
{
	struct xbuf_dma_attach at = { .fd = b->fd };
	struct xbuf_dma_map map = { .dir = dir };

	if (ioctl(dma_fd, XBUF_DMA_IOC_ATTACH, &at))
		return -errno;
	b->handle = at.handle;
	map.handle = at.handle;
	return ioctl(dma_fd, XBUF_DMA_IOC_MAP, &map) ? -errno : 0;
}

/* -- DMA_HEAP_IOCTL_ALLOC -- */

static int alloc_run(struct ctx *c)
{
	c->fd = heap_alloc(c->heap_fd, c->size, O_RDWR | O_CLOEXEC);
	return c->fd < 0 ? c->fd : 0;
}

/* The buffer is whole and zeroed; dirty it so its pages come back dirty. */
static const char *alloc_undo(struct ctx *c)
{
	const char *err = NULL;
	long long at;
	uint8_t *p;

	if (buf_size(c->fd) != (long long)c->size) {
		err = "the buffer has the wrong size";
		goto out;
	}
	p = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (p == MAP_FAILED) {
		err = "mmap of the new buffer failed";
		goto out;
	}
	if (buf_sync(c->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW)) {
		err = "SYNC_START failed";
	} else {
		at = first_nonzero(p, c->size);
		if (at >= 0) {
			snprintf(c->msg, sizeof(c->msg),
				 "byte %lld of the new buffer is not zero", at);
			err = c->msg;
		}
		memset(p, 0xa5, c->size);
		if (buf_sync(c->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW))
			err = "SYNC_END failed";
	}
	munmap(p, c->size);
out:
	close(c->fd);
	return err;
}

static const struct sweep alloc_sweep = {
	.name = "alloc", .errs = heap_errs,
	.run = alloc_run, .undo = alloc_undo,
};

/* -- mmap and first touch -- */

static int mmap_run(struct ctx *c)
{
	size_t pg = page_size();

	c->map = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->src.fd, 0);
	if (c->map == MAP_FAILED)
		return -errno;
	c->sigbus = false;
	if (sigsetjmp(sigbus_env, 1)) {
		c->sigbus = true;
		return 0;
	}
	/* Write and read every page; values are not compared (WC maps). */
	for (c->touched = 0; c->touched < c->size; c->touched += pg) {
		c->map[c->touched] = (uint8_t)(c->touched / pg + 1);
		c->sum += __atomic_load_n(c->map + c->touched,
					  __ATOMIC_RELAXED);
	}
	return 0;
}

static const char *mmap_undo(struct ctx *c)
{
	const char *err = NULL;

	if (c->sigbus) {
		snprintf(c->msg, sizeof(c->msg),
			 "SIGBUS touching offset %zu of a successful mmap",
			 c->touched);
		err = c->msg;
	}
	munmap(c->map, c->size);
	return err;
}

static const struct sweep mmap_sweep = {
	.name = "mmap+touch", .errs = mmap_errs,
	.run = mmap_run, .undo = mmap_undo,
};

/* -- XBUF_DMA_IOC_ATTACH -- */

static int attach_run(struct ctx *c)
{
	memset(&c->attach, 0, sizeof(c->attach));
	c->attach.fd = c->src.fd;
	return ioctl(c->dma_fd, XBUF_DMA_IOC_ATTACH, &c->attach) ? -errno : 0;
}

static const char *attach_undo(struct ctx *c)
{
	struct xbuf_dma_handle_arg h = { .handle = c->attach.handle };

	if (ioctl(c->dma_fd, XBUF_DMA_IOC_DETACH, &h))
		return "the new handle does not detach";
	if (c->attach.size != c->size)
		return "the attachment reports the wrong size";
	return NULL;
}

static const struct sweep attach_sweep = {
	.name = "attach", .errs = dma_errs,
	.run = attach_run, .undo = attach_undo,
};

/* -- XBUF_DMA_IOC_MAP -- */

static int map_run(struct ctx *c)
{
	memset(&c->mapping, 0, sizeof(c->mapping));
	c->mapping.handle = c->src.handle;
	c->mapping.dir = c->dir;
	return ioctl(c->dma_fd, XBUF_DMA_IOC_MAP, &c->mapping) ? -errno : 0;
}

static const char *map_undo(struct ctx *c)
{
	struct xbuf_dma_handle_arg h = { .handle = c->src.handle };

	if (ioctl(c->dma_fd, XBUF_DMA_IOC_UNMAP, &h))
		return "the new mapping does not unmap";
	if (!c->mapping.nents || c->mapping.dma_len != c->size)
		return "the mapping does not cover the buffer";
	return NULL;
}

static const struct sweep map_sweep = {
	.name = "map", .errs = map_errs,
	.run = map_run, .undo = map_undo,
};

/* -- XBUF_DMA_IOC_JOB -- */

/* The destination reads zero before every attempt. */
static int job_prepare(struct ctx *c)
{
	return buf_write(&c->dst, -1, 0);
}

/* A job that ran: its status is 0 or an engine failure; 0 moved data. */
static const char *job_status(struct ctx *c, int status, bool copy)
{
	const char *err = NULL;
	long long at;

	if (status < 0 && in_set(-status, job_errs)) {
		c->job_errs[-status]++;
		return NULL;
	}
	if (status) {
		snprintf(c->msg, sizeof(c->msg), "job status %d", status);
		return c->msg;
	}
	if (buf_sync(c->dst.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ))
		return "SYNC_START failed";
	if (copy && memcmp(c->dst.map, c->src.map, c->size))
		err = "the copy reported success but the bytes differ";
	if (!copy) {
		for (at = 0; at < (long long)c->size; at++)
			if (c->dst.map[at] != FILL_BYTE)
				break;
		if (at < (long long)c->size)
			err = "the fill reported success but missed bytes";
	}
	if (buf_sync(c->dst.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ))
		err = "SYNC_END failed";
	return err;
}

static int copy_run(struct ctx *c)
{
	memset(&c->job, 0, sizeof(c->job));
	c->job.op = XBUF_DMA_OP_COPY;
	c->job.flags = XBUF_DMA_JOB_WAIT;
	c->job.src = c->src.handle;
	c->job.dst = c->dst.handle;
	c->job.len = c->size;
	return ioctl(c->dma_fd, XBUF_DMA_IOC_JOB, &c->job) ? -errno : 0;
}

static const char *copy_undo(struct ctx *c)
{
	if (c->job.fence_fd != -1)
		return "fence_fd is not -1 without XBUF_DMA_JOB_OUT_FENCE";
	return job_status(c, c->job.status, true);
}

static const struct sweep copy_sweep = {
	.name = "copy job (wait)", .errs = dma_errs,
	.prepare = job_prepare, .run = copy_run, .undo = copy_undo,
};

static int fill_run(struct ctx *c)
{
	memset(&c->job, 0, sizeof(c->job));
	c->job.op = XBUF_DMA_OP_FILL;
	c->job.flags = XBUF_DMA_JOB_OUT_FENCE;
	c->job.dst = c->dst.handle;
	c->job.len = c->size;
	c->job.pattern = FILL_BYTE;
	return ioctl(c->dma_fd, XBUF_DMA_IOC_JOB, &c->job) ? -errno : 0;
}

static const char *fill_undo(struct ctx *c)
{
	struct pollfd pfd = { .fd = c->job.fence_fd, .events = POLLIN };
	struct sync_file_info info = { 0 };
	const char *err;

	if (c->job.fence_fd < 0)
		return "no fence fd with XBUF_DMA_JOB_OUT_FENCE";
	if (poll(&pfd, 1, 60000) != 1)
		err = "the fence did not signal in 60 s";
	else if (ioctl(c->job.fence_fd, SYNC_IOC_FILE_INFO, &info))
		err = "SYNC_IOC_FILE_INFO failed";
	else
		err = job_status(c, info.status == 1 ? 0 : info.status, false);
	close(c->job.fence_fd);
	return err;
}

static const struct sweep fill_sweep = {
	.name = "fill job (out-fence)", .errs = dma_errs,
	.prepare = job_prepare, .run = fill_run, .undo = fill_undo,
};

FIXTURE(fault) {
	bool skipped;
	int nth_fd;
	bool saved[NR_KNOBS];
	char values[NR_KNOBS][32];
	int heap_fd;
	int dma_fd;		/* -errno when xbuf_dma is missing */
	bool edu;
	struct ctx c;
};

FIXTURE_VARIANT(fault) {
	const char *heap;
	size_t alloc_size;
};

/* Large enough that the scatter-gather heaps take several chunks. */
FIXTURE_VARIANT_ADD(fault, xbuf) {
	.heap = "xbuf",
	.alloc_size = 1 * MIB,
};

FIXTURE_VARIANT_ADD(fault, contig) {
	.heap = "xbuf-contig",
	.alloc_size = 256 * KIB,
};

FIXTURE_VARIANT_ADD(fault, uncached) {
	.heap = "xbuf-uncached",
	.alloc_size = 1 * MIB,
};

FIXTURE_SETUP(fault)
{
	struct xbuf_dma_info info = { 0 };
	unsigned int i;

	self->nth_fd = -1;
	self->heap_fd = -1;
	self->dma_fd = -ENOENT;
	self->c.src.fd = -1;
	self->c.dst.fd = -1;

	self->nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (self->nth_fd < 0 || nth_set(self->nth_fd, 0))
		SETUP_SKIP(return, "%s: %s (needs CONFIG_FAULT_INJECTION)",
			   FAIL_NTH, strerror(errno));
	if (access(FAILSLAB, F_OK))
		SETUP_SKIP(return, "%s: %s (needs CONFIG_FAILSLAB and %s)",
			   FAILSLAB, strerror(errno), DEBUGFS_NEEDS);
	if (access(FAIL_PAGE_ALLOC, F_OK))
		SETUP_SKIP(return, "%s: %s (needs CONFIG_FAIL_PAGE_ALLOC and %s)",
			   FAIL_PAGE_ALLOC, strerror(errno), DEBUGFS_NEEDS);
	self->heap_fd = heap_open(variant->heap);
	if (self->heap_fd < 0)
		SETUP_SKIP(return, "/dev/dma_heap/%s: %s (is xbuf_heap loaded?)",
			   variant->heap, strerror(-self->heap_fd));

	self->dma_fd = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);
	if (self->dma_fd < 0)
		self->dma_fd = -errno;
	else if (!ioctl(self->dma_fd, XBUF_DMA_IOC_INFO, &info))
		self->edu = !strncmp(info.engine, "edu", sizeof(info.engine));

	for (i = 0; i < NR_KNOBS; i++) {
		int ret = file_read(knobs[i].path, self->values[i],
				    sizeof(self->values[i]));

		if (ret)
			SETUP_SKIP(return, "%s: %s", knobs[i].path, strerror(-ret));
		ret = file_write(knobs[i].path, knobs[i].value);
		if (ret)
			SETUP_SKIP(return, "cannot write %s: %s", knobs[i].path,
				   strerror(-ret));
		self->saved[i] = true;
	}
}

FIXTURE_TEARDOWN(fault)
{
	int i;

	if (self->nth_fd >= 0) {
		nth_set(self->nth_fd, 0);
		close(self->nth_fd);
	}
	for (i = NR_KNOBS - 1; i >= 0; i--)
		if (self->saved[i] &&
		    file_write(knobs[i].path, self->values[i]))
			TH_LOG("could not restore %s to %s", knobs[i].path,
			       self->values[i]);
	if (self->c.src.fd >= 0)
		buf_free(&self->c.src, self->dma_fd);
	if (self->c.dst.fd >= 0)
		buf_free(&self->c.dst, self->dma_fd);
	if (self->dma_fd >= 0)
		close(self->dma_fd);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

/*
 * Run @s with its n-th allocation failing, n = 1, 2, ... until it makes
 * no n-th allocation; after each attempt the process and the drivers
 * must be back to how they were before the sweep.
 */
static void sweep(struct __test_metadata *_metadata, int nth_fd,
		  struct ctx *c, const struct sweep *s)
{
	unsigned long errs[NR_ERRS] = { 0 }, survived = 0;
	char buf[160], line[320] = "";
	struct baseline base;
	const char *diff;
	size_t len = 0;
	long left = 0;
	int n, e, ret;

	ASSERT_EQ(0, baseline_take(&base))
		TH_LOG("cannot read /proc/self/fd or %s", XBUF_DEBUGFS_HEAPS);
	for (n = 1; n <= NTH_MAX && !left; n++) {
		if (s->prepare)
			ASSERT_EQ(0, s->prepare(c))
				TH_LOG("%s: preparing attempt %d", s->name, n);
		ASSERT_EQ(0, nth_set(nth_fd, n));
		ret = s->run(c);
		left = nth_take(nth_fd);
		ASSERT_LE(0, left) TH_LOG("cannot read or reset %s", FAIL_NTH);

		if (ret) {
			ASSERT_EQ(0, left)
				TH_LOG("%s: %s, yet no fault injected (n=%d)",
				       s->name, strerror(-ret), n);
			ASSERT_TRUE(in_set(-ret, s->errs))
				TH_LOG("%s: allocation %d failed: call returned %s",
				       s->name, n, strerror(-ret));
			errs[-ret]++;
		} else {
			diff = s->undo(c);
			ASSERT_EQ(NULL, diff)
				TH_LOG("%s: allocation %d %s, call succeeded: %s",
				       s->name, n,
				       left ? "not reached" : "failed", diff);
			survived += !left;
		}
		diff = baseline_diff(&base, buf, sizeof(buf));
		ASSERT_EQ(NULL, diff)
			TH_LOG("%s: allocation %d failed, call returned %s: %s",
			       s->name, n, ret ? strerror(-ret) : "success",
			       diff);
	}
	ASSERT_NE(0, left)
		TH_LOG("%s: still allocating after %d allocations", s->name,
		       NTH_MAX);

	for (e = 1; e < NR_ERRS; e++)
		if (errs[e])
			len += snprintf(line + len, sizeof(line) - len,
					", %lu %s", errs[e], strerror(e));
	for (e = 1; e < NR_ERRS; e++)
		if (c->job_errs[e])
			len += snprintf(line + len, sizeof(line) - len,
					", %lu jobs ran and failed: %s",
					c->job_errs[e], strerror(e));
	/* The loop ran one past the attempt that was not faulted. */
	TH_LOG("%s: %d allocations to fail; the call then failed %lu times, succeeded %lu (%s)",
	       s->name, n - 2, n - 2 - survived, survived,
	       len ? line + 2 : "no errors");
}

/* The setup's SKIP does not stop 6.1's harness from running the test. */
#define SKIPPED()	(self->skipped)

TEST_F_TIMEOUT(fault, alloc, SWEEP_TIMEOUT)
{
	if (SKIPPED())
		return;
	self->c.heap_fd = self->heap_fd;
	self->c.size = variant->alloc_size;
	sweep(_metadata, self->nth_fd, &self->c, &alloc_sweep);
}

TEST_F_TIMEOUT(fault, mmap_touch, SWEEP_TIMEOUT)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	if (SKIPPED())
		return;
	self->c.size = SMALL;
	self->c.src.fd = heap_alloc(self->heap_fd, SMALL, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.src.fd);
	self->c.src.size = SMALL;
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	sweep(_metadata, self->nth_fd, &self->c, &mmap_sweep);
}

/* Whether the test runs: not skipped, and /dev/xbuf_dma is there. */
static bool need_dma(struct __test_metadata *_metadata, bool skipped,
		     int dma_fd)
{
	if (skipped)
		return false;
	if (dma_fd < 0)
		SKIP(return false, "/dev/xbuf_dma: %s (is xbuf_dma loaded?)",
		     strerror(-dma_fd));
	return true;
}

/*
 * The sweeps on /dev/xbuf_dma: a source buffer of @size, attached unless
 * @attach is false.
 */
static void dma_setup(struct __test_metadata *_metadata, struct ctx *c,
		      int heap_fd, int dma_fd, size_t size, bool attach)
{
	struct xbuf_dma_attach at = { 0 };

	c->dma_fd = dma_fd;
	c->size = size;
	ASSERT_EQ(0, buf_new(&c->src, heap_fd, size));
	if (!attach)
		return;
	at.fd = c->src.fd;
	ASSERT_EQ(0, ioctl(dma_fd, XBUF_DMA_IOC_ATTACH, &at));
	c->src.handle = at.handle;
}

TEST_F_TIMEOUT(fault, attach, SWEEP_TIMEOUT)
{
	if (!need_dma(_metadata, self->skipped, self->dma_fd))
		return;
	dma_setup(_metadata, &self->c, self->heap_fd, self->dma_fd,
		  SMALL, false);
	sweep(_metadata, self->nth_fd, &self->c, &attach_sweep);
}

TEST_F_TIMEOUT(fault, map_to_device, SWEEP_TIMEOUT)
{
	if (!need_dma(_metadata, self->skipped, self->dma_fd))
		return;
	dma_setup(_metadata, &self->c, self->heap_fd, self->dma_fd,
		  SMALL, true);
	self->c.dir = XBUF_DMA_TO_DEVICE;
	sweep(_metadata, self->nth_fd, &self->c, &map_sweep);
}

TEST_F_TIMEOUT(fault, map_from_device, SWEEP_TIMEOUT)
{
	if (!need_dma(_metadata, self->skipped, self->dma_fd))
		return;
	dma_setup(_metadata, &self->c, self->heap_fd, self->dma_fd,
		  SMALL, true);
	self->c.dir = XBUF_DMA_FROM_DEVICE;
	sweep(_metadata, self->nth_fd, &self->c, &map_sweep);
}

TEST_F_TIMEOUT(fault, map_bidirectional, SWEEP_TIMEOUT)
{
	if (!need_dma(_metadata, self->skipped, self->dma_fd))
		return;
	dma_setup(_metadata, &self->c, self->heap_fd, self->dma_fd,
		  SMALL, true);
	self->c.dir = XBUF_DMA_BIDIRECTIONAL;
	sweep(_metadata, self->nth_fd, &self->c, &map_sweep);
}

/*
 * The job sweeps run every attempt's job on the engine: on edu (100 ms
 * per 4 KiB) only one, small, on the xbuf heap.
 */
TEST_F_TIMEOUT(fault, job_copy_wait, SWEEP_TIMEOUT)
{
	size_t size = SMALL;

	if (!need_dma(_metadata, self->skipped, self->dma_fd))
		return;
	if (self->edu) {
		if (strcmp(variant->heap, "xbuf"))
			SKIP(return, "edu: one small job sweep only, on xbuf");
		size = EDU_JOB;
	}
	dma_setup(_metadata, &self->c, self->heap_fd, self->dma_fd,
		  size, false);
	ASSERT_EQ(0, buf_new(&self->c.dst, self->heap_fd, size));
	ASSERT_EQ(0, buf_write(&self->c.src, 7, 0));
	ASSERT_EQ(0, buf_attach_map(&self->c.src, self->dma_fd,
				    XBUF_DMA_TO_DEVICE));
	ASSERT_EQ(0, buf_attach_map(&self->c.dst, self->dma_fd,
				    XBUF_DMA_FROM_DEVICE));
	sweep(_metadata, self->nth_fd, &self->c, &copy_sweep);
}

TEST_F_TIMEOUT(fault, job_fill_out_fence, SWEEP_TIMEOUT)
{
	if (!need_dma(_metadata, self->skipped, self->dma_fd))
		return;
	if (self->edu)
		SKIP(return, "edu engine: one small job sweep only (copy)");
	self->c.dma_fd = self->dma_fd;
	self->c.size = SMALL;
	ASSERT_EQ(0, buf_new(&self->c.dst, self->heap_fd, SMALL));
	ASSERT_EQ(0, buf_attach_map(&self->c.dst, self->dma_fd,
				    XBUF_DMA_FROM_DEVICE));
	sweep(_metadata, self->nth_fd, &self->c, &fill_sweep);
}

TEST_HARNESS_MAIN
