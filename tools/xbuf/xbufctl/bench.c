// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl bench: a quick measure of a heap on the board, per size:
 * allocation, CPU mapping, and a DMA copy through xbuf_dma. It reports;
 * it judges nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "xbufctl.h"

#define MAX_SIZES	16
#define MAX_RUNS	4096
#define MIN_RUNS	3
#define DEFAULT_SECONDS	10
#define MAX_SECONDS	86400

static const char default_sizes[] = "4K,1M,16M,64M";

struct bench {
	int heap_fd;
	const char *heap;
	int dma_fd;			/* or -1 without xbuf_dma */
	struct xbuf_dma_info info;
	uint64_t max_buffer;		/* of the heap, or 0 if unknown */
	double copy_ns_per_byte;	/* of the last copies, 0 if none */
	bool tty;
	uint64_t last_progress;
	uint64_t runs[MAX_RUNS];	/* the durations of one phase */
	unsigned int nruns;
};

/* The progress line: rewritten on a terminal, a line of its own else. */
static void show_progress(struct bench *b, bool force, const char *fmt, ...)
{
	uint64_t now = now_ns();
	char line[128];
	va_list ap;

	if (b->tty && !force && now - b->last_progress < 100000000)
		return;
	if (!b->tty && !force)
		return;
	b->last_progress = now;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (b->tty) {
		printf("\r%-79.79s", line);
		fflush(stdout);
	} else {
		printf("progress: %s\n", line);
	}
}

static void progress_clear(struct bench *b)
{
	if (b->tty)
		printf("\r%79s\r", "");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The @pct-th percentile of the phase's runs (sorts them). */
static uint64_t percentile(struct bench *b, unsigned int pct)
{
	unsigned int i;

	qsort(b->runs, b->nruns, sizeof(b->runs[0]), cmp_u64);
	i = (b->nruns * pct + 99) / 100;
	return b->runs[i ? i - 1 : 0];
}

/* Whether a phase that started at @start with @budget goes on. */
static bool phase_goes_on(struct bench *b, uint64_t start, uint64_t budget)
{
	return b->nruns < MAX_RUNS &&
	       (b->nruns < MIN_RUNS || now_ns() - start < budget);
}

/* Allocation and close of @size: 0 or -errno. */
static int bench_alloc(struct bench *b, uint64_t size, uint64_t budget,
		       const char *name)
{
	uint64_t start = now_ns(), t;
	int fd;

	for (b->nruns = 0; phase_goes_on(b, start, budget); b->nruns++) {
		show_progress(b, !b->nruns, "%s: alloc+close, run %u", name,
			      b->nruns + 1);
		t = now_ns();
		fd = heap_alloc(b->heap_fd, size);
		if (fd < 0)
			return fd;
		close(fd);
		b->runs[b->nruns] = now_ns() - t;
	}
	return 0;
}

/* mmap, a write to each page inside a sync bracket, munmap: 0 or -errno. */
static int bench_mmap(struct bench *b, uint64_t size, uint64_t budget,
		      const char *name)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
	uint64_t start = now_ns(), t;
	int fd, ret = 0;
	uint8_t *p;

	if ((uint64_t)(size_t)size != size)
		return -EFBIG;
	fd = heap_alloc(b->heap_fd, size);
	if (fd < 0)
		return fd;
	for (b->nruns = 0; phase_goes_on(b, start, budget); b->nruns++) {
		show_progress(b, !b->nruns, "%s: mmap+touch+munmap, run %u",
			      name, b->nruns + 1);
		t = now_ns();
		p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		ret = buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		for (i = 0; !ret && i < size; i += page)
			p[i] = (uint8_t)i;
		ret = ret ?: buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		munmap(p, (size_t)size);
		if (ret)
			break;
		b->runs[b->nruns] = now_ns() - t;
	}
	close(fd);
	return ret;
}

/*
 * DMA copies of @size between two buffers of the heap: 0, -errno, or
 * 1 when one copy would not fit in @budget at the rate seen so far.
 */
static int bench_copy(struct bench *b, uint64_t size, uint64_t budget,
		      const char *name)
{
	uint64_t align = xdma_align(&b->info), start, t;
	uint32_t src = 0, dst = 0;
	int fds[2], ret = 0, i;

	if (b->copy_ns_per_byte * (double)size > (double)budget)
		return 1;
	fds[0] = heap_alloc(b->heap_fd, size);
	fds[1] = fds[0] < 0 ? fds[0] : heap_alloc(b->heap_fd, size);
	if (fds[1] < 0) {
		ret = fds[1];
		goto out;
	}
	ret = xdma_attach_map(b->dma_fd, fds[0], XBUF_DMA_TO_DEVICE, &src);
	if (!ret)
		ret = xdma_attach_map(b->dma_fd, fds[1], XBUF_DMA_FROM_DEVICE,
				      &dst);
	start = now_ns();
	for (b->nruns = 0; !ret && phase_goes_on(b, start, budget);) {
		struct xbuf_dma_job job = {
			.op = XBUF_DMA_OP_COPY,
			.src = src,
			.dst = dst,
			.len = size & ~(align - 1),
		};

		show_progress(b, !b->nruns, "%s: dma copy, run %u", name,
			      b->nruns + 1);
		t = now_ns();
		ret = xdma_job(b->dma_fd, &job);
		b->runs[b->nruns++] = now_ns() - t;
		/* A copy longer than the budget: one is enough. */
		if (b->runs[b->nruns - 1] > budget)
			break;
	}
out:
	if (dst)
		xdma_detach(b->dma_fd, dst);
	if (src)
		xdma_detach(b->dma_fd, src);
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

/* One size: its phases and its result line. 0, or -errno of a failure. */
static int bench_size(struct bench *b, uint64_t size, uint64_t budget)
{
	char name[SIZE_STR_LEN], d1[32], d2[32], line[256];
	uint64_t median;
	size_t n;
	int ret;

	size_human(name, size);
	if (b->max_buffer && size > b->max_buffer) {
		printf("size %s: beyond the heap's largest buffer (%s), not run\n",
		       name, size_human(d1, b->max_buffer));
		return 0;
	}
	if (b->dma_fd >= 0)
		budget = budget * 3 / 10;
	else
		budget /= 2;

	ret = bench_alloc(b, size, budget * 4 / 3, name);
	if (ret)
		goto fail;
	median = percentile(b, 50);
	n = (size_t)snprintf(line, sizeof(line),
			     "alloc+close median %s, p99 %s (%u runs)",
			     dur_str(d1, sizeof(d1), median),
			     dur_str(d2, sizeof(d2), percentile(b, 99)),
			     b->nruns);

	ret = bench_mmap(b, size, budget, name);
	if (ret)
		goto fail;
	n += (size_t)snprintf(line + n, sizeof(line) - n,
			      "; mmap+touch+munmap median %s (%u runs)",
			      dur_str(d1, sizeof(d1), percentile(b, 50)),
			      b->nruns);

	if (b->dma_fd < 0) {
		snprintf(line + n, sizeof(line) - n,
			 "; dma copy - (no %s)", XBUF_DMA_DEV);
	} else {
		ret = bench_copy(b, size, budget * 2 / 3, name);
		if (ret < 0)
			goto fail;
		if (ret) {
			snprintf(line + n, sizeof(line) - n,
				 "; dma copy - (one copy would take about %s)",
				 dur_str(d1, sizeof(d1),
					 (uint64_t)(b->copy_ns_per_byte * size)));
		} else {
			median = percentile(b, 50);
			b->copy_ns_per_byte = (double)median / (double)size;
			snprintf(line + n, sizeof(line) - n,
				 "; dma copy %.1f MB/s (median of %u runs, %s)",
				 mb_per_s(size, median), b->nruns,
				 b->info.engine);
		}
	}
	progress_clear(b);
	printf("size %s: %s\n", name, line);
	return 0;
fail:
	progress_clear(b);
	printf("size %s: FAILED: %s\n", name, strerror(-ret));
	return ret;
}

/* "4K,1M": 0 and the sizes, or -1. */
static int parse_sizes(const char *list, uint64_t *sizes, unsigned int *n)
{
	char buf[256], *tok, *save;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return -1;
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_SIZES || parse_size(tok, &sizes[*n]))
			return -1;
		(*n)++;
	}
	return *n ? 0 : -1;
}

static int bench_run(const struct verb *verb, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "heap", required_argument, NULL, 'H' },
		{ "seconds", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct bench b;
	uint64_t sizes[MAX_SIZES], seconds = DEFAULT_SECONDS, start;
	const char *list = default_sizes;
	unsigned int nsizes, i;
	char path[192], dur[32];
	int opt, failed = 0;

	b.heap = "xbuf";
	while ((opt = verb_getopt(verb, argc, argv, ":h", longopts)) != -1) {
		switch (opt) {
		case 'H':
			b.heap = optarg;
			break;
		case 's':
			if (parse_u64(optarg, MAX_SECONDS, &seconds) || !seconds)
				return verb_usage_error(verb, "bad --seconds '%s': 1 to %d",
							optarg, MAX_SECONDS);
			break;
		case 'z':
			list = optarg;
			break;
		}
	}
	if (optind < argc)
		return verb_usage_error(verb, "unexpected argument '%s'",
					argv[optind]);
	if (parse_sizes(list, sizes, &nsizes))
		return verb_usage_error(verb, "bad --sizes '%s': up to %d sizes, comma-separated",
					list, MAX_SIZES);

	b.heap_fd = heap_open(b.heap);
	if (b.heap_fd < 0) {
		ctl_err("%s/%s: %s", DMA_HEAP_DIR, b.heap,
			strerror(-b.heap_fd));
		return unavail_or_failed(b.heap_fd);
	}
	snprintf(path, sizeof(path), XBUF_SYSFS_HEAPS "/%s/max_buffer_bytes",
		 b.heap);
	if (read_u64(path, &b.max_buffer))
		b.max_buffer = 0;
	b.dma_fd = xdma_open(&b.info);
	b.tty = isatty(STDOUT_FILENO);

	printf("bench: heap %s, %u sizes, %llu s; DMA copies by %s\n",
	       b.heap, nsizes, (unsigned long long)seconds,
	       b.dma_fd >= 0 ? b.info.engine : "nothing (no " XBUF_DMA_DEV ")");
	start = now_ns();
	for (i = 0; i < nsizes; i++)
		failed |= bench_size(&b, sizes[i],
				     seconds * 1000000000ULL / nsizes) != 0;
	printf("bench: done in %s\n", dur_str(dur, sizeof(dur),
					      now_ns() - start));
	if (b.dma_fd >= 0)
		close(b.dma_fd);
	close(b.heap_fd);
	return failed ? EXIT_FAILED : EXIT_OK;
}

const struct verb verb_bench = {
	.name = "bench",
	.summary = "measure a heap: allocation, mapping, DMA copy",
	.usage = "[--heap NAME] [--seconds N] [--sizes LIST]",
	.help =
	"A quick benchmark of a heap on the board, per size: the latency of\n"
	"allocation and close (median and 99th percentile), of mmap, a write\n"
	"to each page inside DMA_BUF_IOCTL_SYNC brackets and munmap (median),\n"
	"and, with xbuf_dma loaded, its engine's copy rate between two buffers\n"
	"of the heap (median, MB/s). Each size gets an equal share of the\n"
	"time, each measure at least 3 runs; a copy that would not fit in its\n"
	"share at the rate of the smaller sizes is not run. A progress line\n"
	"shows what runs. It reports; it judges nothing: the exit status is 1\n"
	"only when an operation failed.\n"
	"\n"
	"Options:\n"
	"  --heap NAME     the heap (default: xbuf)\n"
	"  --seconds N     about how long it runs (default: 10)\n"
	"  --sizes LIST    comma-separated sizes (default: 4K,1M,16M,64M)\n"
	"  -h, --help      this help\n",
	.run = bench_run,
};
