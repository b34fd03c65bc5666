// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf-bench: xbuf's heaps side by side with the upstream heaps and
 * udmabuf, in one boot, as medians of repeated runs after a warm-up.
 *
 * Every operation is timed with CLOCK_MONOTONIC around the system calls
 * it names and nothing else; set-up and tear-down happen outside the
 * timed region. The columns take turns, run by run. Before each run the
 * bench waits until xbuf's page pool has re-zeroed what the previous run
 * freed (the "warm" state); the "xbuf-cold" column empties the pool first,
 * so it shows an allocation that has to zero every page itself.
 *
 * Output: two tables per operation (medians, then the slowest 1% as p99),
 * with ratios, on stdout; then every figure as CSV between
 * "xbuf-bench-csv-begin" and "xbuf-bench-csv-end".
 *
 * Then the method of libdmabufheap's dmabuf_heap_bench, so that the
 * figures compare with published ones: many allocations and closes back
 * to back, no waiting for the pool in between, reported as the mean time
 * per call; each call is also timed alone, for its median and p99. The
 * same loop runs in two threads at once, for the throughput of two
 * allocating threads over one's. CSV between "xbuf-bench-loop-csv-begin"
 * and "xbuf-bench-loop-csv-end".
 *
 * With --fill-pool it only allocates and frees the largest size from the
 * xbuf heap and waits for the pool to have zeroed it. With --max-size
 * BYTES it leaves out the larger sizes, for a quick look.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/xbuf.h>

/* pool_stat() and pool_settle(), shared with the kselftests. */
#include "xbuf_util.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KiB		(1024UL)
#define MiB		(1024UL * KiB)
#define MAX_RUNS	31
#define PAGE		4096UL
#define SPIN_NS		2000000ULL

static const size_t sizes[] = {
	4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB, 64 * MiB, 256 * MiB,
};

#define NSIZES	ARRAY_SIZE(sizes)

static size_t max_size = SIZE_MAX;	/* --max-size */

/* Who exports the buffers: a dma-heap, or udmabuf over a memfd. */
struct exporter {
	const char *name;
	const char *path;
	bool udmabuf;
	bool cold;	/* empty xbuf's pool before each run */
	int fd;		/* the open device, or -1 */
};

static struct exporter exporters[] = {
	{ .name = "xbuf",          .path = "/dev/dma_heap/xbuf" },
	{ .name = "xbuf-cold",     .path = "/dev/dma_heap/xbuf", .cold = true },
	{ .name = "xbuf-uncached", .path = "/dev/dma_heap/xbuf-uncached" },
	{ .name = "system",        .path = "/dev/dma_heap/system" },
	{ .name = "reserved",      .path = "/dev/dma_heap/reserved" },
	{ .name = "udmabuf",       .path = "/dev/udmabuf", .udmabuf = true },
};

#define NEXP	ARRAY_SIZE(exporters)

/* The guest's own memset and memcpy: the physical limit. */
#define GUEST	NEXP
#define NCOLS	(NEXP + 1)

static int dma_dev = -1;	/* /dev/xbuf_dma with the loopback engine */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int udmabuf_alloc(int dev, size_t len)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC };
	int memfd, fd;

	memfd = memfd_create("xbuf-bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, len) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(memfd);
		return -errno;
	}
	create.memfd = memfd;
	create.size = len;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		fd = -errno;
	close(memfd);
	return fd;
}

/* A dma-buf of @len from @e: its fd, or a negative errno. */
static int exporter_alloc(struct exporter *e, size_t len)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (e->udmabuf)
		return udmabuf_alloc(e->fd, len);
	if (ioctl(e->fd, DMA_HEAP_IOCTL_ALLOC, &data))
		return -errno;
	return data.fd;
}

static unsigned long pool_max;	/* xbuf_heap's pool_max_bytes */

/*
 * Before a run: the warm state is a pool with nothing left to re-zero;
 * the cold one an empty pool, emptied by lowering its cap to 0 and
 * restoring it (not by drop_caches: that would also empty the slab caches
 * and slow down whichever column runs next). Then every column, whatever
 * it waited for, spins on the CPU for the same time, so that no run
 * starts from an idle CPU while another starts from a busy one (under TCG
 * the first system calls after a sleep are markedly slower).
 */
static int settle(const struct exporter *e)
{
	uint64_t t;
	int ret = 0;

	if (e && e->cold && pool_max) {
		ret = heap_param_set("pool_max_bytes", 0);
		if (!ret)
			ret = heap_param_set("pool_max_bytes", pool_max);
		if (ret)
			return ret;
	}
	/* Without a pool (another kernel), nothing to wait for. */
	if (pool_stat("pending_bytes") > 0 && pool_settle())
		return -ETIMEDOUT;
	for (t = now_ns(); now_ns() - t < SPIN_NS;)
		;
	return 0;
}

static int attach(int fd, uint32_t *handle)
{
	struct xbuf_dma_attach at = { .fd = fd };

	if (ioctl(dma_dev, XBUF_DMA_IOC_ATTACH, &at))
		return -errno;
	*handle = at.handle;
	return 0;
}

static int map(uint32_t handle, uint32_t dir)
{
	struct xbuf_dma_map m = { .handle = handle, .dir = dir };

	return ioctl(dma_dev, XBUF_DMA_IOC_MAP, &m) ? -errno : 0;
}

static int unmap(uint32_t handle)
{
	struct xbuf_dma_handle_arg arg = { .handle = handle };

	return ioctl(dma_dev, XBUF_DMA_IOC_UNMAP, &arg) ? -errno : 0;
}

static int detach(uint32_t handle)
{
	struct xbuf_dma_handle_arg arg = { .handle = handle };

	return ioctl(dma_dev, XBUF_DMA_IOC_DETACH, &arg) ? -errno : 0;
}

/* The two buffers of a copy, attached to xbuf_dma. */
struct pair {
	int fd[2];
	uint32_t handle[2];
};

static void pair_free(struct pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (p->handle[i])
			detach(p->handle[i]);
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	}
}

static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

/*
 * The operations. Each does one run on buffers of @len from @e and
 * returns the time of its timed part in *@ns, or a negative errno.
 */
typedef int (*op_fn)(struct exporter *e, size_t len, uint64_t *ns);

static int op_alloc_free(struct exporter *e, size_t len, uint64_t *ns)
{
	uint64_t t = now_ns();
	int fd = exporter_alloc(e, len);

	if (fd < 0)
		return fd;
	close(fd);
	*ns = now_ns() - t;
	return 0;
}

/* Time mmap() of a new buffer, and one write per page if @touch. */
static int mmap_run(struct exporter *e, size_t len, bool touch, uint64_t *ns)
{
	int fd = exporter_alloc(e, len), ret = 0;
	uint64_t t;
	size_t off;
	char *p;

	if (fd < 0)
		return fd;
	t = now_ns();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	/* Stores into a mapping passed to munmap(): not optimised away. */
	for (off = 0; touch && p != MAP_FAILED && off < len; off += PAGE)
		p[off] = 1;
	*ns = now_ns() - t;
	if (p == MAP_FAILED)
		ret = -errno;
	else
		munmap(p, len);
	close(fd);
	return ret;
}

static int op_mmap_touch(struct exporter *e, size_t len, uint64_t *ns)
{
	return mmap_run(e, len, true, ns);
}

static int op_mmap_only(struct exporter *e, size_t len, uint64_t *ns)
{
	return mmap_run(e, len, false, ns);
}

/* The whole life of a mapping: mmap(), one write per page, munmap(). */
static int op_mmap_life(struct exporter *e, size_t len, uint64_t *ns)
{
	int fd = exporter_alloc(e, len), ret = 0;
	uint64_t t;
	size_t off;
	char *p;

	if (fd < 0)
		return fd;
	t = now_ns();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
	} else {
		for (off = 0; off < len; off += PAGE)
			p[off] = 1;
		if (munmap(p, len))
			ret = -errno;
	}
	*ns = now_ns() - t;
	close(fd);
	return ret;
}

/* Time munmap() of a whole mapping whose every page was touched. */
static int op_munmap(struct exporter *e, size_t len, uint64_t *ns)
{
	int fd = exporter_alloc(e, len), ret;
	size_t off;
	uint64_t t;
	char *p;

	if (fd < 0)
		return fd;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
	t = now_ns();
	ret = munmap(p, len) ? -errno : 0;
	*ns = now_ns() - t;
	close(fd);
	return ret;
}

static int op_sync(struct exporter *e, size_t len, uint64_t *ns)
{
	uint64_t t;
	int fd = exporter_alloc(e, len), ret;

	if (fd < 0)
		return fd;
	t = now_ns();
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	if (!ret)
		ret = dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	*ns = now_ns() - t;
	close(fd);
	return ret;
}

static int op_attach_map(struct exporter *e, size_t len, uint64_t *ns)
{
	uint32_t handle = 0;
	uint64_t t;
	int fd = exporter_alloc(e, len), ret;

	if (fd < 0)
		return fd;
	t = now_ns();
	ret = attach(fd, &handle);
	if (!ret) {
		ret = map(handle, XBUF_DMA_BIDIRECTIONAL);
		if (!ret)
			ret = unmap(handle);
		if (detach(handle) && !ret)
			ret = -errno;
	}
	*ns = now_ns() - t;
	close(fd);
	return ret;
}

/* A map after the first: what an importer that keeps its attachment pays. */
static int op_remap(struct exporter *e, size_t len, uint64_t *ns)
{
	uint32_t handle = 0;
	uint64_t t = 0;
	int fd = exporter_alloc(e, len), ret;

	if (fd < 0)
		return fd;
	ret = attach(fd, &handle);
	if (!ret) {
		ret = map(handle, XBUF_DMA_BIDIRECTIONAL);
		if (!ret)
			ret = unmap(handle);
	}
	if (!ret) {
		t = now_ns();
		ret = map(handle, XBUF_DMA_BIDIRECTIONAL);
		if (!ret)
			ret = unmap(handle);
		t = now_ns() - t;
	}
	if (handle)
		detach(handle);
	*ns = t;
	close(fd);
	return ret;
}

static int op_copy(struct exporter *e, size_t len, uint64_t *ns)
{
	struct xbuf_dma_job job = { .op = XBUF_DMA_OP_COPY, .len = len,
				    .flags = XBUF_DMA_JOB_WAIT };
	struct pair r = { .fd = { -1, -1 } };
	uint64_t t;
	int i, ret = 0;

	for (i = 0; i < 2 && !ret; i++) {
		r.fd[i] = exporter_alloc(e, len);
		ret = r.fd[i] < 0 ? r.fd[i] : attach(r.fd[i], &r.handle[i]);
	}
	if (!ret)
		ret = map(r.handle[0], XBUF_DMA_TO_DEVICE);
	if (!ret)
		ret = map(r.handle[1], XBUF_DMA_FROM_DEVICE);
	if (!ret) {
		job.src = r.handle[0];
		job.dst = r.handle[1];
		t = now_ns();
		if (ioctl(dma_dev, XBUF_DMA_IOC_JOB, &job))
			ret = -errno;
		else if (job.status)
			ret = job.status;
		*ns = now_ns() - t;
	}
	pair_free(&r);
	return ret;
}

/* The guest's bandwidth on the same sizes: buffers touched beforehand. */
static char *guest_buf[2];
#define GUEST_SKEW	37	/* pages between them: see open_devices() */

static int op_memset(struct exporter *e, size_t len, uint64_t *ns)
{
	static int val;
	uint64_t t = now_ns();

	(void)e;
	memset(guest_buf[0], ++val, len);
	*ns = now_ns() - t;
	return guest_buf[0][len - 1] == (char)val ? 0 : -EIO;
}

static int op_memcpy(struct exporter *e, size_t len, uint64_t *ns)
{
	uint64_t t = now_ns();

	(void)e;
	memcpy(guest_buf[1], guest_buf[0], len);
	*ns = now_ns() - t;
	return guest_buf[1][len - 1] == guest_buf[0][len - 1] ? 0 : -EIO;
}

struct op {
	const char *name;
	const char *what;
	op_fn fn;
	op_fn guest;	/* the guest's baseline for this operation */
	bool dma;	/* needs /dev/xbuf_dma */
	bool pool;	/* the cold column applies */
};

static const struct op ops[] = {
	{ .name = "alloc_free", .what = "allocate and close a dma-buf",
	  .fn = op_alloc_free, .guest = op_memset, .pool = true },
	{ .name = "mmap_touch", .what = "mmap, then write one byte per page",
	  .fn = op_mmap_touch, .guest = op_memset },
	{ .name = "mmap_only", .what = "mmap alone, no access",
	  .fn = op_mmap_only },
	{ .name = "munmap", .what = "munmap of a mapping touched page by page",
	  .fn = op_munmap },
	{ .name = "mmap_life",
	  .what = "mmap, write one byte per page, munmap: a mapping's life",
	  .fn = op_mmap_life, .guest = op_memset },
	{ .name = "sync", .what = "DMA_BUF_IOCTL_SYNC start + end (RW)",
	  .fn = op_sync },
	{ .name = "attach_map",
	  .what = "xbuf_dma attach + map + unmap + detach",
	  .fn = op_attach_map, .dma = true },
	{ .name = "remap",
	  .what = "xbuf_dma map + unmap again, buffer attached and mapped once",
	  .fn = op_remap, .dma = true },
	{ .name = "copy",
	  .what = "loopback engine copy, job submitted and waited for",
	  .fn = op_copy, .guest = op_memcpy, .dma = true },
};

#define NOPS	ARRAY_SIZE(ops)

/* Medians in ns; 0 where the operation does not apply, <0 an errno. */
static long long result[NOPS][NCOLS][NSIZES];
/* The p99 of the same runs (nearest rank: below 100 runs, the slowest). */
static long long result_p99[NOPS][NCOLS][NSIZES];

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static unsigned int runs_for(size_t len)
{
	return len >= 256 * MiB ? 5 : len >= 64 * MiB ? 7 :
	       len >= 16 * MiB ? 11 : 21;
}

static bool applies(const struct op *op, unsigned int x)
{
	const struct exporter *e = &exporters[x];

	if (x == GUEST)
		return op->guest;
	if (e->fd < 0 || (op->dma && dma_dev < 0))
		return false;
	return !e->cold || op->pool;
}

/* One run of column @x: ns in *@ns, or a negative errno. */
static int run_column(const struct op *op, unsigned int x, size_t len,
		      uint64_t *ns)
{
	const struct exporter *e = x == GUEST ? NULL : &exporters[x];
	int ret = settle(e);

	if (ret)
		return ret;
	if (x == GUEST)
		return op->guest(NULL, len, ns);
	return op->fn(&exporters[x], len, ns);
}

/* The nearest-rank percentile @pct of @n sorted figures. */
static uint64_t percentile(const uint64_t *sorted, unsigned int n,
			   unsigned int pct)
{
	unsigned int rank = (n * pct + 99) / 100;

	return sorted[rank ? rank - 1 : 0];
}

/*
 * Warm-up runs, then the median (and p99) of the timed ones. The columns take turns
 * run by run rather than one after the other, so that whatever drifts
 * during the benchmark (the host, QEMU's code cache) weighs on every
 * column alike. A column that fails stops there and shows the errno.
 */
static void measure_size(unsigned int o, unsigned int s)
{
	unsigned int i, x, runs = runs_for(sizes[s]);
	unsigned int warm = sizes[s] >= 256 * MiB ? 1 : 2;
	static uint64_t ns[NCOLS][MAX_RUNS];
	uint64_t t;
	int ret;

	for (x = 0; x < NCOLS; x++)
		result[o][x][s] = 0;
	for (i = 0; i < warm + runs; i++) {
		for (x = 0; x < NCOLS; x++) {
			if (!applies(&ops[o], x) || result[o][x][s] < 0)
				continue;
			ret = run_column(&ops[o], x, sizes[s], &t);
			if (ret)
				result[o][x][s] = ret;
			else if (i >= warm)
				ns[x][i - warm] = t;
		}
	}
	for (x = 0; x < NCOLS; x++) {
		if (!applies(&ops[o], x) || result[o][x][s] < 0)
			continue;
		qsort(ns[x], runs, sizeof(ns[x][0]), cmp_u64);
		result[o][x][s] = ns[x][runs / 2];
		result_p99[o][x][s] = percentile(ns[x], runs, 99);
	}
}

static void measure_all(void)
{
	unsigned int o, s;

	for (o = 0; o < NOPS; o++) {
		for (s = 0; s < NSIZES && sizes[s] <= max_size; s++)
			measure_size(o, s);
		fprintf(stderr, "xbuf-bench: %s done\n", ops[o].name);
	}
}

static const char *col_name(unsigned int x)
{
	return x == GUEST ? "guest" : exporters[x].name;
}

static void print_time(long long ns)
{
	char cell[32];

	if (ns == 0)
		snprintf(cell, sizeof(cell), "-");
	else if (ns < 0)
		snprintf(cell, sizeof(cell), "%s", strerrorname_np(-ns) ?: "err");
	else if (ns < 10000000)
		snprintf(cell, sizeof(cell), "%.1fus", ns / 1e3);
	else
		snprintf(cell, sizeof(cell), "%.1fms", ns / 1e6);
	printf(" %13s", cell);
}

/* Below 1, the numerator's exporter is the faster. */
static void print_ratio(long long num, long long den)
{
	if (num <= 0 || den <= 0)
		printf(" %13s", "-");
	else
		printf(" %13.3f", (double)num / den);
}

/* Ratios printed: a column's median over another's, by index. */
static const struct {
	unsigned int num, den;
	const char *label;
} ratios[] = {
	{ 0, 3, "xbuf/system" },
	{ 0, 4, "xbuf/reserved" },
	{ 0, 5, "xbuf/udmabuf" },
	{ 0, GUEST, "xbuf/guest" },
	{ 1, GUEST, "cold/guest" },
};

static void print_table(unsigned int o, long long (*res)[NCOLS][NSIZES],
			const char *stat)
{
	unsigned int x, s, r;

	printf("\n%s: %s (%s)\n%6s", ops[o].name, ops[o].what, stat, "size");
	for (x = 0; x < NCOLS; x++)
		printf(" %13s", col_name(x));
	for (r = 0; r < ARRAY_SIZE(ratios); r++)
		printf(" %13s", ratios[r].label);
	printf("\n");
	for (s = 0; s < NSIZES; s++) {
		if (sizes[s] >= MiB)
			printf("%4zuMi", sizes[s] / MiB);
		else
			printf("%4zuKi", sizes[s] / KiB);
		for (x = 0; x < NCOLS; x++)
			print_time(res[o][x][s]);
		for (r = 0; r < ARRAY_SIZE(ratios); r++)
			print_ratio(res[o][ratios[r].num][s],
				    res[o][ratios[r].den][s]);
		printf("\n");
	}
}

static void print_csv(void)
{
	unsigned int o, x, s;

	printf("xbuf-bench-csv-begin\nop,exporter,bytes,median_ns,p99_ns,error\n");
	for (o = 0; o < NOPS; o++)
		for (x = 0; x < NCOLS; x++)
			for (s = 0; s < NSIZES; s++) {
				long long v = result[o][x][s];

				if (!v)
					continue;
				printf("%s,%s,%zu,%lld,%lld,%s\n", ops[o].name,
				       col_name(x), sizes[s], v > 0 ? v : 0,
				       v > 0 ? result_p99[o][x][s] : 0,
				       v > 0 ? "" : strerrorname_np(-v));
			}
	printf("xbuf-bench-csv-end\n");
}

/*
 * libdmabufheap's method: allocate and close back to back, the pool left
 * to keep up on its own. Each call is timed by the timestamps around it;
 * the mean per call is the first timestamp to the last over the count.
 */
static const struct {
	size_t len;
	unsigned int iters;
} loop_sizes[] = {
	{ 4 * KiB, 1000 }, { 1 * MiB, 1000 }, { 64 * MiB, 100 },
};

#define LOOP_MAX_ITERS	1000

struct loop_run {
	struct exporter *e;
	size_t len;
	unsigned int iters;
	pthread_barrier_t *start;
	uint64_t stamp[LOOP_MAX_ITERS + 1];
	int ret;
};

static void *loop_thread(void *arg)
{
	struct loop_run *r = arg;
	unsigned int i;
	int fd;

	if (r->start)
		pthread_barrier_wait(r->start);
	r->stamp[0] = now_ns();
	for (i = 0; i < r->iters; i++) {
		fd = exporter_alloc(r->e, r->len);
		if (fd < 0) {
			r->ret = fd;
			break;
		}
		close(fd);
		r->stamp[i + 1] = now_ns();
	}
	return NULL;
}

struct loop_result {
	uint64_t mean, p50, p99;
	double speedup;	/* two threads' calls per second over one's */
	int ret;
};

static void loop_one(struct exporter *e, size_t len, unsigned int iters,
		     struct loop_result *res)
{
	static struct loop_run run[2];
	static uint64_t ns[LOOP_MAX_ITERS];
	pthread_barrier_t start;
	pthread_t thread;
	uint64_t one, two;
	unsigned int i;

	memset(res, 0, sizeof(*res));
	memset(run, 0, sizeof(run));
	run[0] = (struct loop_run){ .e = e, .len = len, .iters = iters / 10 };
	res->ret = settle(e);
	if (!res->ret)
		loop_thread(&run[0]);	/* warm-up: the pool fills */
	if (!res->ret)
		res->ret = run[0].ret ?: settle(e);
	if (res->ret)
		return;

	run[0].iters = iters;
	loop_thread(&run[0]);
	res->ret = run[0].ret;
	if (res->ret)
		return;
	one = run[0].stamp[iters] - run[0].stamp[0];
	res->mean = one / iters;
	for (i = 0; i < iters; i++)
		ns[i] = run[0].stamp[i + 1] - run[0].stamp[i];
	qsort(ns, iters, sizeof(ns[0]), cmp_u64);
	res->p50 = percentile(ns, iters, 50);
	res->p99 = percentile(ns, iters, 99);

	/* The same in two threads at once: calls per second, both counted. */
	res->ret = settle(e);
	if (res->ret || pthread_barrier_init(&start, NULL, 2))
		return;
	run[1] = run[0];
	run[0].start = &start;
	run[1].start = &start;
	if (pthread_create(&thread, NULL, loop_thread, &run[1])) {
		res->ret = -EAGAIN;
	} else {
		loop_thread(&run[0]);
		pthread_join(thread, NULL);
		res->ret = run[0].ret ?: run[1].ret;
	}
	pthread_barrier_destroy(&start);
	if (res->ret)
		return;
	two = (run[0].stamp[iters] > run[1].stamp[iters] ?
	       run[0].stamp[iters] : run[1].stamp[iters]) -
	      (run[0].stamp[0] < run[1].stamp[0] ?
	       run[0].stamp[0] : run[1].stamp[0]);
	res->speedup = 2.0 * one / two;
}

static struct loop_result loop_res[NEXP][ARRAY_SIZE(loop_sizes)];

/* The heaps the method applies to: dma-heaps, as found. */
static bool loop_applies(unsigned int x)
{
	return exporters[x].fd >= 0 && !exporters[x].cold &&
	       !exporters[x].udmabuf;
}

static void loop_measure(void)
{
	unsigned int x, s;

	for (x = 0; x < NEXP; x++) {
		if (!loop_applies(x))
			continue;
		for (s = 0; s < ARRAY_SIZE(loop_sizes); s++)
			if (loop_sizes[s].len <= max_size)
				loop_one(&exporters[x], loop_sizes[s].len,
					 loop_sizes[s].iters, &loop_res[x][s]);
		fprintf(stderr, "xbuf-bench: heap_bench %s done\n",
			exporters[x].name);
	}
}

static void loop_print(void)
{
	unsigned int x, s;

	printf("\nheap_bench: %s\n",
	       "libdmabufheap's dmabuf_heap_bench method, allocate + close back to back");
	printf("%-14s %6s %6s %12s %12s %12s %8s %10s\n", "heap", "size",
	       "iters", "mean/call", "p50", "p99", "p99/p50", "2threads");
	for (x = 0; x < NEXP; x++) {
		if (!loop_applies(x))
			continue;
		for (s = 0; s < ARRAY_SIZE(loop_sizes); s++) {
			const struct loop_result *r = &loop_res[x][s];
			size_t len = loop_sizes[s].len;

			if (len > max_size)
				continue;
			printf("%-14s %4zu%s %6u", exporters[x].name,
			       len >= MiB ? len / MiB : len / KiB,
			       len >= MiB ? "Mi" : "Ki", loop_sizes[s].iters);
			if (r->ret) {
				printf(" %12s\n", strerrorname_np(-r->ret) ?: "err");
				continue;
			}
			printf(" %10.1fus %10.1fus %10.1fus %8.2f %9.2fx\n",
			       r->mean / 1e3, r->p50 / 1e3, r->p99 / 1e3,
			       (double)r->p99 / r->p50, r->speedup);
		}
	}
}

static void loop_csv(void)
{
	unsigned int x, s;

	printf("xbuf-bench-loop-csv-begin\n%s\n",
	       "exporter,bytes,iterations,mean_ns,p50_ns,p99_ns,two_thread_speedup,error");
	for (x = 0; x < NEXP; x++)
		for (s = 0; s < ARRAY_SIZE(loop_sizes); s++) {
			const struct loop_result *r = &loop_res[x][s];

			if (!loop_applies(x) || loop_sizes[s].len > max_size)
				continue;
			printf("%s,%zu,%u,%llu,%llu,%llu,%.3f,%s\n",
			       exporters[x].name, loop_sizes[s].len,
			       loop_sizes[s].iters,
			       (unsigned long long)r->mean,
			       (unsigned long long)r->p50,
			       (unsigned long long)r->p99, r->speedup,
			       r->ret ? strerrorname_np(-r->ret) : "");
		}
	printf("xbuf-bench-loop-csv-end\n");
}

static int open_devices(void)
{
	unsigned int x;

	for (x = 0; x < NEXP; x++) {
		exporters[x].fd = open(exporters[x].path, O_RDONLY | O_CLOEXEC);
		if (exporters[x].fd < 0)
			printf("xbuf-bench: %s: %s: %s\n", exporters[x].name,
			       exporters[x].path, strerror(errno));
	}
	dma_dev = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);
	if (dma_dev < 0)
		printf("xbuf-bench: /dev/xbuf_dma: %s\n", strerror(errno));
	if (exporters[0].fd < 0)
		return -1;
	/* Without a pool to empty there is no cold column. */
	if (heap_param_get("pool_max_bytes", &pool_max) || !pool_max)
		for (x = 0; x < NEXP; x++)
			if (exporters[x].cold && exporters[x].fd >= 0) {
				close(exporters[x].fd);
				exporters[x].fd = -1;
			}

	/*
	 * Touched now, so that the baselines time no page faults. One
	 * region, the second buffer GUEST_SKEW pages further than the first
	 * one's end: glibc's memcpy() streams four pages at once, and under
	 * QEMU TCG, whose software TLB is direct-mapped, a destination page
	 * whose number is within a few of a source page's modulo the TLB's
	 * size made it three times slower. malloc() places two large
	 * buffers a page apart, which is within a few.
	 */
	guest_buf[0] = mmap(NULL, 2 * sizes[NSIZES - 1] + GUEST_SKEW * PAGE,
			    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	if (guest_buf[0] == MAP_FAILED)
		return -1;
	guest_buf[1] = guest_buf[0] + sizes[NSIZES - 1] + GUEST_SKEW * PAGE;
	memset(guest_buf[0], 1, sizes[NSIZES - 1]);
	memset(guest_buf[1], 2, sizes[NSIZES - 1]);
	return 0;
}

static int fill_pool(void)
{
	int fd = exporter_alloc(&exporters[0], sizes[NSIZES - 1]);

	if (fd < 0) {
		printf("xbuf-bench: fill: %s\n", strerror(-fd));
		return 1;
	}
	close(fd);
	if (settle(NULL)) {
		printf("xbuf-bench: fill: the pool did not settle\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int o;

	if (open_devices())
		return 1;
	if (argc > 1 && !strcmp(argv[1], "--fill-pool"))
		return fill_pool();
	if (argc > 2 && !strcmp(argv[1], "--max-size"))
		max_size = strtoull(argv[2], NULL, 0);
	measure_all();
	loop_measure();
	printf("xbuf-bench: ratios are %s\n",
	       "xbuf's median (or p99) over the column's: below 1, xbuf is faster");
	for (o = 0; o < NOPS; o++) {
		print_table(o, result, "median");
		print_table(o, result_p99, "p99");
	}
	loop_print();
	printf("\n");
	print_csv();
	loop_csv();
	return 0;
}
