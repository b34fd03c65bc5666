// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl dma-test: buffers of two exporters attached to xbuf_dma, a copy,
 * a fill and a checksum run by its engine, and each checked by the CPU
 * through the buffers' mappings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "xbufctl.h"

#define DEFAULT_SIZE	(1024ULL * 1024)
/* QEMU's edu device moves about 20 KiB/s. */
#define EDU_SIZE	(16ULL * 1024)
#define GUARD		0xa5	/* what the CPU leaves beyond a job's range */
#define FILL_BYTE	0xc3
#define MAX_ITERATIONS	1000000

enum { OP_COPY, OP_FILL, OP_CHECKSUM, NR_OPS };

static const char *const op_names[NR_OPS] = { "copy", "fill", "checksum" };

struct dma_test {
	int dma_fd;
	struct xbuf_dma_info info;
	struct xbuf_buf src, dst;
	uint64_t len;		/* of every job: the size rounded to align */
	unsigned int iterations;
};

/* CRC-32 as zlib's crc32() and the kernel's job compute it. */
static uint32_t crc32_zlib(const uint8_t *p, uint64_t len)
{
	static uint32_t table[256];
	uint32_t crc = ~0U;
	uint64_t i;
	int k;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;

			for (k = 0; k < 8; k++)
				c = (c >> 1) ^ (0xedb88320U & -(c & 1));
			table[i] = c;
		}
	}
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* The test data: no byte repeats its neighbours or the page before. */
static uint8_t pattern_byte(uint64_t i, uint8_t seed)
{
	return (uint8_t)(seed + i * 13 + (i >> 12) * 5);
}

/* The CPU writes @b: the pattern from @seed, or @byte when @seed < 0. */
static int cpu_write(struct xbuf_buf *b, int seed, uint8_t byte)
{
	uint64_t i;
	int ret;

	ret = buf_sync(b->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	if (ret)
		return ret;
	if (seed < 0)
		memset(b->map, byte, (size_t)b->size);
	else
		for (i = 0; i < b->size; i++)
			b->map[i] = pattern_byte(i, (uint8_t)seed);
	return buf_sync(b->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
}

struct mismatch {
	uint64_t offset;
	uint8_t got, want;
};

/*
 * The CPU reads @b: its first @len bytes must be the pattern from @seed
 * (or @byte when @seed < 0), the rest GUARD. 0, 1 with *@bad filled in
 * at the first byte that differs, or -errno.
 */
static int cpu_check(struct xbuf_buf *b, uint64_t len, int seed, uint8_t byte,
		     struct mismatch *bad)
{
	uint64_t i;
	uint8_t want;
	int ret;

	ret = buf_sync(b->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	if (ret)
		return ret;
	for (i = 0; i < b->size; i++) {
		if (i >= len)
			want = GUARD;
		else
			want = seed < 0 ? byte : pattern_byte(i, (uint8_t)seed);
		if (b->map[i] != want) {
			bad->offset = i;
			bad->got = b->map[i];
			bad->want = want;
			ret = 1;
			break;
		}
	}
	buf_sync(b->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	return ret;
}

/*
 * Attach and map what @op uses, run it t->iterations times, detach. The
 * engine's time in *@ns; the checksum of the last run in *@crc. 0 or
 * -errno, said.
 */
static int run_jobs(struct dma_test *t, int op, uint64_t *ns, uint32_t *crc)
{
	uint32_t src = 0, dst = 0;
	unsigned int i;
	uint64_t start;
	int ret = 0;

	if (op != OP_FILL) {
		ret = xdma_attach_map(t->dma_fd, t->src.fd, XBUF_DMA_TO_DEVICE,
				      &src);
		if (ret) {
			ctl_err("%s: attach and map %s to the device: %s",
				op_names[op], t->src.exporter, strerror(-ret));
			return ret;
		}
	}
	if (op != OP_CHECKSUM) {
		ret = xdma_attach_map(t->dma_fd, t->dst.fd,
				      XBUF_DMA_FROM_DEVICE, &dst);
		if (ret) {
			ctl_err("%s: attach and map %s from the device: %s",
				op_names[op], t->dst.exporter, strerror(-ret));
			goto out;
		}
	}
	*ns = 0;
	for (i = 0; i < t->iterations && !ret; i++) {
		struct xbuf_dma_job job = {
			.op = op == OP_COPY ? XBUF_DMA_OP_COPY :
			      op == OP_FILL ? XBUF_DMA_OP_FILL :
					      XBUF_DMA_OP_CHECKSUM,
			.src = src,
			.dst = dst,
			.len = t->len,
			.pattern = op == OP_FILL ? FILL_BYTE : 0,
		};

		start = now_ns();
		ret = xdma_job(t->dma_fd, &job);
		*ns += now_ns() - start;
		*crc = job.checksum;
		if (ret)
			ctl_err("%s: job %u of %u failed: %s", op_names[op],
				i + 1, t->iterations, strerror(-ret));
	}
out:
	if (dst)
		xdma_detach(t->dma_fd, dst);
	if (src)
		xdma_detach(t->dma_fd, src);
	return ret;
}

/* One op, from the CPU's writes to the CPU's check: verified or not. */
static bool run_op(struct dma_test *t, int op)
{
	uint64_t ns = 0, bytes = t->len * t->iterations;
	struct mismatch bad = { 0 };
	char sz[SIZE_STR_LEN], dur[32], label[16];
	uint32_t crc = 0, want = 0;
	int ret, seed = 0x40 + op;

	ret = op != OP_FILL ? cpu_write(&t->src, seed, 0) : 0;
	if (!ret && op != OP_CHECKSUM)
		ret = cpu_write(&t->dst, -1, GUARD);
	if (ret) {
		ctl_err("%s: DMA_BUF_IOCTL_SYNC: %s", op_names[op],
			strerror(-ret));
		return false;
	}
	if (op == OP_CHECKSUM) {
		ret = buf_sync(t->src.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		want = crc32_zlib(t->src.map, t->len);
		ret = ret ?: buf_sync(t->src.fd,
				      DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		if (ret) {
			ctl_err("%s: DMA_BUF_IOCTL_SYNC: %s", op_names[op],
				strerror(-ret));
			return false;
		}
	}

	snprintf(label, sizeof(label), "%s:", op_names[op]);
	if (run_jobs(t, op, &ns, &crc)) {
		printf("%-10sFAILED: the job failed\n", label);
		return false;
	}
	printf("%-10s%s x %u in %s, %.1f MB/s: ", label, size_str(sz, t->len),
	       t->iterations, dur_str(dur, sizeof(dur), ns),
	       mb_per_s(bytes, ns));

	if (op == OP_CHECKSUM) {
		if (crc == want) {
			printf("verified, crc32 0x%08x\n", crc);
			return true;
		}
		printf("MISMATCH, crc32 0x%08x from the device, 0x%08x by the CPU\n",
		       crc, want);
		return false;
	}
	ret = cpu_check(&t->dst, t->len, op == OP_COPY ? seed : -1,
			FILL_BYTE, &bad);
	if (!ret) {
		printf("verified\n");
		return true;
	}
	if (ret < 0)
		printf("FAILED, DMA_BUF_IOCTL_SYNC: %s\n", strerror(-ret));
	else
		printf("MISMATCH at offset %llu (%#llx): 0x%02x, expected 0x%02x%s\n",
		       (unsigned long long)bad.offset,
		       (unsigned long long)bad.offset, bad.got, bad.want,
		       bad.offset >= t->len ? ", beyond the job's range" : "");
	return false;
}

static bool exporter_valid(const char *s)
{
	return !strcmp(s, "vgem") || (!strncmp(s, "heap:", 5) && s[5] &&
				      !strchr(s + 5, '/'));
}

/* Allocate and map one buffer: 0 or an exit code. */
static int dma_test_buf(struct xbuf_buf *b, const char *exporter,
			uint64_t size, const char *role)
{
	char sz[SIZE_STR_LEN];
	int ret = buf_new(b, exporter, size);

	if (ret)
		return ret == -EINVAL ? EXIT_USAGE :
		       ret == -ENOENT || ret == -ENODEV ? EXIT_UNAVAIL :
		       EXIT_FAILED;
	ret = buf_map(b);
	if (ret) {
		ctl_err("%s: mmap of %s: %s", exporter, size_str(sz, b->size),
			strerror(-ret));
		return EXIT_FAILED;
	}
	printf("%s:      %s, %s\n", role, exporter, size_str(sz, b->size));
	return 0;
}

static int dma_test_run(const struct verb *verb, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 'z' },
		{ "op", required_argument, NULL, 'o' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *src = "heap:xbuf", *dst = "heap:xbuf";
	struct dma_test t = { .iterations = 1 };
	int opt, op, first = 0, last = NR_OPS - 1, ret, ok = 0;
	uint64_t size = 0, v, align;
	char sz[SIZE_STR_LEN];

	while ((opt = verb_getopt(verb, argc, argv, ":h", longopts)) != -1) {
		switch (opt) {
		case 's':
		case 'd':
			if (!exporter_valid(optarg))
				return verb_usage_error(verb,
					"bad exporter '%s': heap:NAME or vgem",
					optarg);
			*(opt == 's' ? &src : &dst) = optarg;
			break;
		case 'z':
			if (parse_size(optarg, &size))
				return verb_usage_error(verb, "bad --size '%s'",
							optarg);
			break;
		case 'o':
			for (op = 0; op < NR_OPS; op++)
				if (!strcmp(optarg, op_names[op]))
					break;
			if (op < NR_OPS) {
				first = op;
				last = op;
			} else if (strcmp(optarg, "all")) {
				return verb_usage_error(verb,
					"bad --op '%s': copy, fill, checksum or all",
					optarg);
			}
			break;
		case 'n':
			if (parse_u64(optarg, MAX_ITERATIONS, &v) || !v)
				return verb_usage_error(verb, "bad --iterations '%s': 1 to %d",
							optarg, MAX_ITERATIONS);
			t.iterations = (unsigned int)v;
			break;
		}
	}
	if (optind < argc)
		return verb_usage_error(verb, "unexpected argument '%s'",
					argv[optind]);

	t.dma_fd = xdma_open(&t.info);
	if (t.dma_fd < 0) {
		ctl_err("%s: %s (is xbuf_dma loaded?)", XBUF_DMA_DEV,
			strerror(-t.dma_fd));
		return unavail_or_failed(t.dma_fd);
	}
	if (!size)
		size = strcmp(t.info.engine, "edu") ? DEFAULT_SIZE : EDU_SIZE;
	align = xdma_align(&t.info);
	t.len = (size + align - 1) & ~(align - 1);
	printf("engine:   %.16s on %.32s, align %llu, dma_mask %#llx, %s\n",
	       t.info.engine, t.info.device, (unsigned long long)align,
	       (unsigned long long)t.info.dma_mask,
	       t.info.flags & XBUF_DMA_INFO_IOMMU ? "behind an IOMMU" :
						    "direct mapping");
	if (t.len != size)
		printf("size:     %s, rounded up to the engine's align\n",
		       size_str(sz, t.len));

	/* fill alone needs no source, checksum alone no destination */
	t.src.fd = -1;
	t.dst.fd = -1;
	ret = 0;
	if (first != OP_FILL || last != OP_FILL)
		ret = dma_test_buf(&t.src, src, t.len, "src");
	if (!ret && (first != OP_CHECKSUM || last != OP_CHECKSUM))
		ret = dma_test_buf(&t.dst, dst, t.len, "dst");
	for (op = first; !ret && op <= last; op++)
		ok += run_op(&t, op);
	if (!ret) {
		printf("dma-test: %d of %d ops verified\n", ok,
		       last - first + 1);
		ret = ok == last - first + 1 ? EXIT_OK : EXIT_FAILED;
	}
	buf_free(&t.src);
	buf_free(&t.dst);
	close(t.dma_fd);
	return ret;
}

const struct verb verb_dma_test = {
	.name = "dma-test",
	.summary = "copy, fill and checksum buffers with xbuf_dma, check them",
	.usage = "[--src EXPORTER] [--dst EXPORTER] [--size SIZE]\n"
		 "                        [--op copy|fill|checksum|all] [--iterations N]",
	.help =
	"Attach buffers to " XBUF_DMA_DEV ", map them and have its engine run\n"
	"each op (XBUF_DMA_JOB_WAIT), then check the result with the CPU\n"
	"through the buffers' mappings, inside DMA_BUF_IOCTL_SYNC brackets:\n"
	"  copy      src to dst; dst must hold the src's pattern\n"
	"  fill      dst with a byte; every byte must be it\n"
	"  checksum  src; the CRC-32 must match the CPU's (zlib's crc32())\n"
	"Bytes beyond a job's range must be left alone. Prints per op the\n"
	"bytes, the time and MB/s, and 'verified' or the first mismatching\n"
	"offset. Exit status 0 only when every op verified.\n"
	"\n"
	"EXPORTER is heap:NAME (any " DMA_HEAP_DIR " node, e.g. heap:system)\n"
	"or vgem (a dumb buffer of the vgem DRM driver, exported with PRIME).\n"
	"\n"
	"Options:\n"
	"  --src EXPORTER    the source of copy and checksum (default heap:xbuf)\n"
	"  --dst EXPORTER    the destination of copy and fill (default heap:xbuf)\n"
	"  --size SIZE       bytes per job, rounded up to the engine's align\n"
	"                    (default 1M; 16K on the edu engine, ~20 KiB/s)\n"
	"  --op OP           copy, fill, checksum or all (default all)\n"
	"  --iterations N    run each op N times (default 1)\n"
	"  -h, --help        this help\n",
	.run = dma_test_run,
};
