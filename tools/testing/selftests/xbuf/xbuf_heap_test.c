// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf_heap from userspace: the dma-heap allocation ABI and the dma-buf
 * behaviour (size, zeroing, mmap, sync, naming) of every xbuf heap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "../kselftest_harness.h"
#include "xbuf_util.h"

#define SZ_4K	(4UL * 1024)
#define SZ_64K	(64UL * 1024)
#define SZ_1M	(1024UL * 1024)
#define SZ_16M	(16 * SZ_1M)
#define SZ_64M	(64 * SZ_1M)
#define SZ_1G	(1024ULL * SZ_1M)

FIXTURE(heap) {
	int heap_fd;
	struct heap_stats stats;
};

FIXTURE_VARIANT(heap) {
	const char *name;
};

FIXTURE_VARIANT_ADD(heap, xbuf) {
	.name = "xbuf",
};

FIXTURE_VARIANT_ADD(heap, contig) {
	.name = "xbuf-contig",
};

FIXTURE_VARIANT_ADD(heap, uncached) {
	.name = "xbuf-uncached",
};

FIXTURE_SETUP(heap)
{
	self->heap_fd = heap_open(variant->name);
	if (self->heap_fd < 0)
		SKIP(return, "/dev/dma_heap/%s: %s (is xbuf_heap loaded?)",
		     variant->name, strerror(-self->heap_fd));
	if (heap_stats(variant->name, &self->stats))
		SKIP(return, "%s has no line for %s (debugfs not mounted?)",
		     XBUF_DEBUGFS_HEAPS, variant->name);
}

FIXTURE_TEARDOWN(heap)
{
	/* Limits changed by a test are restored even when it failed. */
	heap_param_set("max_buffer_bytes", 0);
	heap_param_set("max_heap_bytes", 0);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

/* Map @len bytes of @fd shared read-write; MAP_FAILED on error. */
static uint8_t *map_rw(int fd, size_t len, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
}

/*
 * Allocate @len, check its size and zeroed contents, write and read back a
 * pattern through mmap inside SYNC brackets. Returns a line of text on the
 * first failure, NULL on success.
 */
static const char *alloc_write_read(int heap_fd, size_t len, uint8_t seed)
{
	const char *err = NULL;
	size_t size = page_align(len);
	uint8_t *p;
	int fd;

	fd = heap_alloc(heap_fd, len, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "allocation failed";
	if (buf_size(fd) != (long long)size) {
		err = "dma-buf size is not the page-aligned length";
		goto out_close;
	}
	p = map_rw(fd, size, 0);
	if (p == MAP_FAILED) {
		err = "mmap failed";
		goto out_close;
	}
	if (buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW)) {
		err = "SYNC_START failed";
	} else if (first_nonzero(p, size) >= 0) {
		err = "new buffer is not zeroed";
	} else {
		pattern_fill(p, size, seed);
		if (pattern_check(p, size, seed) >= 0)
			err = "pattern read back differs";
		if (buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW))
			err = "SYNC_END failed";
	}
	munmap(p, size);
out_close:
	close(fd);
	return err;
}

TEST_F_TIMEOUT(heap, sizes_up_to_64m, 600)
{
	static const size_t sizes[] = { SZ_4K, SZ_64K, SZ_1M, SZ_16M, SZ_64M };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		const char *err;
		int fd;

		if (contig_beyond_buddy(variant->name, sizes[i])) {
			/* CMA's to give: its errno is checked where it has none. */
			fd = heap_alloc(self->heap_fd, sizes[i], O_RDWR);
			ASSERT_TRUE(fd >= 0 || fd == -ENOMEM)
				TH_LOG("%zu bytes: %s", sizes[i], strerror(-fd));
			if (fd >= 0)
				close(fd);
			continue;
		}
		if ((long long)sizes[i] > self->stats.max_buffer) {
			/* Beyond what the heap can ever give: a clean ENOMEM. */
			fd = heap_alloc(self->heap_fd, sizes[i], O_RDWR);
			ASSERT_EQ(-ENOMEM, fd)
				TH_LOG("%zu bytes > max_buffer %lld", sizes[i],
				       self->stats.max_buffer);
			continue;
		}
		err = alloc_write_read(self->heap_fd, sizes[i], (uint8_t)i);
		ASSERT_EQ(NULL, err) TH_LOG("%zu bytes: %s", sizes[i], err);
	}
}

/* The properties in sysfs agree with what the heap is and does. */
TEST_F(heap, sysfs_properties)
{
	bool contig = !strcmp(variant->name, "xbuf-contig");
	bool wc = !strcmp(variant->name, "xbuf-uncached");
	char val[32], param[8] = "";
	unsigned long max_heap;
	long long buffers, bytes;
	FILE *f;
	int fd;

	if (heap_prop_str(variant->name, "caching", val, sizeof(val)))
		SKIP(return, "no %s%s (xbuf_heap without sysfs properties?)",
		     XBUF_SYSFS_HEAPS, variant->name);
	EXPECT_STREQ(wc ? "writecombine" : "cached", val);
	EXPECT_EQ(contig, heap_prop(variant->name, "contiguous"));
	EXPECT_EQ(0, heap_prop(variant->name, "dma32"));
	EXPECT_EQ(self->stats.max_buffer,
		  heap_prop(variant->name, "max_buffer_bytes"));
	ASSERT_EQ(0, heap_param_get("max_heap_bytes", &max_heap));
	EXPECT_EQ((long long)max_heap, heap_prop(variant->name, "max_heap_bytes"));
	f = fopen(XBUF_HEAP_PARAM_DIR "memcg_account", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(param, sizeof(param), f));
	fclose(f);
	EXPECT_EQ(param[0] == 'Y', heap_prop(variant->name, "accounted"));

	/* The limits follow their parameters. */
	ASSERT_EQ(0, heap_param_set("max_buffer_bytes", SZ_1M));
	EXPECT_EQ(SZ_1M, heap_prop(variant->name, "max_buffer_bytes"));
	ASSERT_EQ(0, heap_param_set("max_buffer_bytes", 0));
	ASSERT_EQ(0, heap_param_set("max_heap_bytes", SZ_64M));
	EXPECT_EQ(SZ_64M, heap_prop(variant->name, "max_heap_bytes"));
	ASSERT_EQ(0, heap_param_set("max_heap_bytes", max_heap));

	/* And the live buffers their allocations. */
	buffers = heap_prop(variant->name, "buffers");
	bytes = heap_prop(variant->name, "bytes");
	fd = heap_alloc(self->heap_fd, SZ_1M + 5, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(buffers + 1, heap_prop(variant->name, "buffers"));
	EXPECT_EQ(bytes + (long long)page_align(SZ_1M + 5),
		  heap_prop(variant->name, "bytes"));
	close(fd);
	EXPECT_EQ(buffers, heap_prop(variant->name, "buffers"));
	EXPECT_EQ(bytes, heap_prop(variant->name, "bytes"));
}

/*
 * The page frame of every page of @p..@p+@len, by /proc/self/pagemap, one
 * after the other? -1 if so, the index of the first page that is not, or
 * -2 when pagemap hides frame numbers (no CAP_SYS_ADMIN).
 */
static long long frames_contiguous(const uint8_t *p, size_t len)
{
	size_t pg = page_size(), i;
	uint64_t first = 0, e;
	long long ret = -1;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return -2;
	for (i = 0; i < len / pg && ret == -1; i++) {
		off_t off = (off_t)((uintptr_t)(p + i * pg) / pg) * 8;

		if (pread(fd, &e, sizeof(e), off) != sizeof(e) ||
		    !(e & (1ULL << 63)))
			ret = (long long)i;
		else if (!(e & ((1ULL << 55) - 1)))
			ret = -2;
		else if (!i)
			first = e & ((1ULL << 55) - 1);
		else if ((e & ((1ULL << 55) - 1)) != first + i)
			ret = (long long)i;
	}
	close(fd);
	return ret;
}

/* Allocate @len from xbuf-contig, map it and check its frames follow. */
static void check_contiguous(struct __test_metadata *_metadata, int heap_fd,
			     size_t len)
{
	long long gap;
	uint8_t *p;
	int fd;

	fd = heap_alloc(heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("%zu bytes: %s", len, strerror(-fd));
	p = map_rw(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(-1, first_nonzero(p, len));
	pattern_fill(p, len, 9);
	EXPECT_EQ(-1, pattern_check(p, len, 9));
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	gap = frames_contiguous(p, len);
	munmap(p, len);
	close(fd);
	if (gap == -2)
		SKIP(return, "pagemap shows no frame numbers (not root?)");
	EXPECT_EQ(-1, gap)
		TH_LOG("page %lld of %zu bytes does not follow the one before",
		       gap, len);
}

/* Up to the buddy allocator's largest block: one run of page frames. */
TEST(contig_buffer_is_contiguous)
{
	int heap_fd = heap_open("xbuf-contig");

	if (heap_fd < 0)
		SKIP(return, "/dev/dma_heap/xbuf-contig: %s", strerror(-heap_fd));
	check_contiguous(_metadata, heap_fd, 3 * page_size());
	check_contiguous(_metadata, heap_fd, XBUF_BUDDY_MAX);
	close(heap_fd);
}

/*
 * Beyond it, from the CMA area: contiguous too, and CMA's free memory
 * shrinks while the buffer lives. Without CMA, ENOMEM and nothing held.
 */
TEST(contig_large_buffers_from_cma)
{
	const size_t len = 16 * SZ_1M;
	long long total = meminfo_bytes("CmaTotal");
	long long before = meminfo_bytes("CmaFree"), during;
	struct heap_stats st, st2;
	int heap_fd, fd;

	heap_fd = heap_open("xbuf-contig");
	if (heap_fd < 0)
		SKIP(return, "/dev/dma_heap/xbuf-contig: %s", strerror(-heap_fd));
	if (total <= 0) {
		ASSERT_EQ(0, heap_stats("xbuf-contig", &st));
		EXPECT_EQ(-ENOMEM, heap_alloc(heap_fd, len, O_RDWR))
			TH_LOG("no CMA area: a buffer beyond 4 MiB has no source");
		ASSERT_EQ(0, heap_stats("xbuf-contig", &st2));
		EXPECT_EQ(st.buffers, st2.buffers);
		EXPECT_EQ(st.bytes, st2.bytes);
		close(heap_fd);
		return;
	}
	if (before < 2 * (long long)len) {
		close(heap_fd);
		SKIP(return, "CMA area %lld MiB with %lld MiB free: 32 MiB needed",
		     total / (long long)SZ_1M, before / (long long)SZ_1M);
	}
	fd = heap_alloc(heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	during = meminfo_bytes("CmaFree");
	close(fd);
	EXPECT_LE(during + (long long)len / 2, before)
		TH_LOG("CmaFree %lld MiB before, %lld MiB holding 16 MiB",
		       before / (long long)SZ_1M, during / (long long)SZ_1M);
	check_contiguous(_metadata, heap_fd, len);
	check_contiguous(_metadata, heap_fd, len + 3 * page_size());
	close(heap_fd);
}

TEST_F(heap, sizes_not_page_multiples)
{
	const size_t sizes[] = { 1, page_size() - 1, page_size() + 1,
				 3 * page_size() + 5, SZ_1M + 17 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		const char *err = alloc_write_read(self->heap_fd, sizes[i], 3);

		ASSERT_EQ(NULL, err) TH_LOG("%zu bytes: %s", sizes[i], err);
	}
}

/*
 * Memory from freed, dirtied buffers must come back zeroed. Between rounds
 * the pool's worker is let finish, so that on the scatter-gather heaps
 * the later rounds are served from re-zeroed chunks of the earlier ones.
 */
TEST_F_TIMEOUT(heap, zeroed_after_reuse, 300)
{
	enum { ROUNDS = 3, BUFS = 16 };
	bool pooled = strcmp(variant->name, "xbuf-contig") &&
		      pool_stat("max_bytes") > 0;
	long long hits = pool_stat("hits");
	size_t len = SZ_1M;
	int fds[BUFS], round, i;

	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < BUFS; i++) {
			uint8_t *p;

			fds[i] = heap_alloc(self->heap_fd, len, O_RDWR);
			ASSERT_LE(0, fds[i]);
			p = map_rw(fds[i], len, 0);
			ASSERT_NE(MAP_FAILED, p);
			ASSERT_EQ(0, buf_sync(fds[i], DMA_BUF_SYNC_START |
						      DMA_BUF_SYNC_RW));
			EXPECT_EQ(-1, first_nonzero(p, len))
				TH_LOG("round %d buffer %d shows old data",
				       round, i);
			memset(p, 0xa5, len);
			ASSERT_EQ(0, buf_sync(fds[i], DMA_BUF_SYNC_END |
						      DMA_BUF_SYNC_RW));
			munmap(p, len);
		}
		for (i = 0; i < BUFS; i++)
			close(fds[i]);
		if (pooled)
			ASSERT_EQ(0, pool_settle());
	}
	if (pooled)
		EXPECT_LT(hits, pool_stat("hits"))
			TH_LOG("no buffer came from the pool: reuse untested");
}

/*
 * The mapping keeps showing the buffer whatever happens to its page table
 * entries: zapped by MADV_DONTNEED or MADV_PAGEOUT, the pages come back
 * through the fault handler, not as SIGBUS or fresh zero pages.
 */
TEST_F(heap, mmap_after_madvise)
{
	static const int advice[] = { MADV_DONTNEED, MADV_PAGEOUT };
	size_t len = 256 * 1024;
	unsigned int i;
	uint8_t *p;
	int fd;

	fd = heap_alloc(self->heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd);
	p = map_rw(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < ARRAY_SIZE(advice); i++) {
		ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		pattern_fill(p, len, 30 + i);
		ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
		ASSERT_EQ(0, madvise(p, len, advice[i]))
			TH_LOG("advice %d: %s", advice[i], strerror(errno));
		ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		EXPECT_EQ(-1, pattern_check(p, len, 30 + i))
			TH_LOG("advice %d lost the buffer's data", advice[i]);
		ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	}
	munmap(p, len);
	close(fd);
}

/*
 * fork() shares the mapping with the child; mremap() moves it but never
 * grows it; mprotect() cannot make a read-only fd's mapping writable.
 */
TEST_F(heap, mmap_fork_mremap_mprotect)
{
	size_t pg = page_size(), len = 4 * pg;
	uint8_t *p, *moved, *ro;
	int fd, rofd, status;
	pid_t pid;

	fd = heap_alloc(self->heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd);
	p = map_rw(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		p[pg + 1] = 0x5c;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0x5c, p[pg + 1]) TH_LOG("the child wrote a copy");

	EXPECT_EQ(MAP_FAILED, mremap(p, len, 2 * len, MREMAP_MAYMOVE));
	moved = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, moved);
	moved = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, moved);
	ASSERT_NE(MAP_FAILED, moved);
	EXPECT_EQ(0x5c, moved[pg + 1]);
	munmap(moved, len);

	rofd = heap_alloc(self->heap_fd, len, O_RDONLY);
	ASSERT_LE(0, rofd);
	ro = mmap(NULL, len, PROT_READ, MAP_SHARED, rofd, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, mprotect(ro, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(ro, len);
	close(rofd);
	close(fd);
}

TEST_F(heap, mmap_bounds)
{
	size_t pg = page_size(), len = 4 * pg;
	uint8_t *whole, *part;
	int fd;

	fd = heap_alloc(self->heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd);

	/* Longer than the buffer, starting at or past its end, running over. */
	EXPECT_EQ(MAP_FAILED, map_rw(fd, len + pg, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map_rw(fd, pg, len));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map_rw(fd, 2 * pg, len - pg));
	EXPECT_EQ(EINVAL, errno);
	/* A 32-bit kernel's core refuses offsets past 4 GiB itself. */
	EXPECT_EQ(MAP_FAILED, map_rw(fd, pg, (off_t)1 << 40));
	EXPECT_EQ(kernel_is_64bit() == 0 ? EOVERFLOW : EINVAL, errno);

	/* An offset mapping sees the same memory as the whole mapping. */
	whole = map_rw(fd, len, 0);
	ASSERT_NE(MAP_FAILED, whole);
	part = map_rw(fd, len - pg, pg);
	ASSERT_NE(MAP_FAILED, part);
	pattern_fill(whole, len, 9);
	EXPECT_EQ(0, memcmp(whole + pg, part, len - pg));
	part[0] = (uint8_t)~part[0];
	EXPECT_EQ(part[0], whole[pg]);

	munmap(part, len - pg);
	munmap(whole, len);
	close(fd);
}

/*
 * A fault maps the 2 MiB window around it. Windows that straddle chunks,
 * a mapping that starts at an odd page of the buffer, touched from its
 * end backwards, and that mapping split in two by munmap() all show the
 * same memory as the whole mapping.
 */
TEST_F_TIMEOUT(heap, mmap_windows_across_chunks, 300)
{
	size_t pg = page_size(), len = XBUF_BUDDY_MAX, cut = SZ_1M;
	size_t off = 3 * pg, plen = len - 5 * pg, hole = SZ_1M, i;
	uint8_t *whole, *part;
	int fd;

	fd = heap_alloc(self->heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd);
	whole = map_rw(fd, len, 0);
	ASSERT_NE(MAP_FAILED, whole);
	part = map_rw(fd, plen, off);
	ASSERT_NE(MAP_FAILED, part);

	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	for (i = plen; i >= pg; i -= pg)
		part[i - pg] = (uint8_t)(i / pg);
	for (i = pg; i <= plen; i += pg)
		ASSERT_EQ((uint8_t)(i / pg), whole[off + i - pg])
			TH_LOG("page %zu of the offset mapping", i / pg - 1);

	/* Unmap 1 MiB in the middle: both halves still map the buffer. */
	ASSERT_EQ(0, munmap(part + cut, hole));
	pattern_fill(whole, len, 11);
	EXPECT_EQ(0, memcmp(whole + off, part, cut));
	EXPECT_EQ(0, memcmp(whole + off + cut + hole, part + cut + hole,
			    plen - cut - hole));
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));

	munmap(part, cut);
	munmap(part + cut + hole, plen - cut - hole);
	munmap(whole, len);
	close(fd);
}

TEST_F(heap, mmap_private_refused)
{
	size_t len = page_size();
	void *p;
	int fd;

	fd = heap_alloc(self->heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(heap, read_only_fd)
{
	size_t len = page_size();
	void *p;
	int fd;

	fd = heap_alloc(self->heap_fd, len, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, first_nonzero(p, len));
	munmap(p, len);
	close(fd);
}

TEST_F(heap, sync_ioctl)
{
	static const uint64_t dirs[] = { DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE,
					 DMA_BUF_SYNC_RW };
	unsigned int i;
	int fd;

	fd = heap_alloc(self->heap_fd, SZ_64K, O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | dirs[i]));
		EXPECT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | dirs[i]));
	}
	/* No direction, an unknown bit. */
	EXPECT_EQ(-EINVAL, buf_sync(fd, DMA_BUF_SYNC_START));
	EXPECT_EQ(-EINVAL, buf_sync(fd, DMA_BUF_SYNC_RW | (1ULL << 8)));
	EXPECT_EQ(-EINVAL, buf_sync(fd, ~0ULL));
	close(fd);
}

/* Return 1 when /proc/self/fdinfo/<fd> has the line @want. */
static int fdinfo_has(int fd, const char *want)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, want);
	fclose(f);
	return found;
}

TEST_F(heap, set_name_in_fdinfo)
{
	char want[128];
	int fd;

	fd = heap_alloc(self->heap_fd, SZ_4K, O_RDWR);
	ASSERT_LE(0, fd);
	snprintf(want, sizeof(want), "exp_name:\t%s\n", variant->name);
	EXPECT_TRUE(fdinfo_has(fd, want));
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME_B, "camera-frame-0"));
	EXPECT_TRUE(fdinfo_has(fd, "name:\tcamera-frame-0\n"));
	close(fd);
}

TEST_F(heap, cloexec_honoured)
{
	int fd;

	fd = heap_alloc(self->heap_fd, SZ_4K, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = heap_alloc(self->heap_fd, SZ_4K, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* Issue the allocation ioctl with an explicit struct size. */
static int alloc_sized(int heap_fd, void *arg, unsigned int size)
{
	unsigned long cmd = _IOC(_IOC_READ | _IOC_WRITE, DMA_HEAP_IOC_MAGIC, 0,
				 size);

	return ioctl(heap_fd, cmd, arg) ? -errno : 0;
}

/* What every dma-heap node refuses, xbuf's own or the framework's. */
TEST_F(heap, abi_errors)
{
	struct dma_heap_allocation_data data;
	struct heap_stats st;

	data = (struct dma_heap_allocation_data){ .len = SZ_4K,
						  .heap_flags = 1 };
	EXPECT_EQ(-EINVAL, alloc_sized(self->heap_fd, &data, sizeof(data)));
	data = (struct dma_heap_allocation_data){ .len = SZ_4K,
						  .fd_flags = O_NONBLOCK };
	EXPECT_EQ(-EINVAL, alloc_sized(self->heap_fd, &data, sizeof(data)));
	data = (struct dma_heap_allocation_data){ .len = SZ_4K, .fd = 3 };
	EXPECT_EQ(-EINVAL, alloc_sized(self->heap_fd, &data, sizeof(data)));
	data = (struct dma_heap_allocation_data){ .len = 0 };
	EXPECT_EQ(-EINVAL, alloc_sized(self->heap_fd, &data, sizeof(data)));
	data = (struct dma_heap_allocation_data){ .len = 1ULL << 62 };
	EXPECT_EQ(-ENOMEM, alloc_sized(self->heap_fd, &data, sizeof(data)));

	/* A pointer the kernel cannot read. */
	EXPECT_EQ(-EFAULT, alloc_sized(self->heap_fd, (void *)16,
				       sizeof(data)));

	/* Nothing leaked from the failures above. */
	ASSERT_EQ(0, heap_stats(variant->name, &st));
	EXPECT_EQ(self->stats.buffers, st.buffers);
	EXPECT_EQ(self->stats.bytes, st.bytes);
}

/*
 * What xbuf's own nodes refuse beyond that. The 6.1 dma-heap framework,
 * which provides the nodes when xbuf_heap is built into a kernel that has
 * it, accepts these: it treats any ioctl with number 0 as the allocation,
 * and installs an fd it cannot report for a command without the read
 * direction.
 */
TEST_F(heap, abi_strict)
{
	struct dma_heap_allocation_data data;
	unsigned long other;
	char reg[32];

	heap_registration(reg, sizeof(reg));
	if (strcmp(reg, "misc"))
		SKIP(return, "nodes provided by the dma-heap framework (%s)",
		     reg);

	data = (struct dma_heap_allocation_data){ .len = ~0ULL };
	EXPECT_EQ(-ENOMEM, alloc_sized(self->heap_fd, &data, sizeof(data)));

	/* Too short to carry the fd back. */
	data = (struct dma_heap_allocation_data){ .len = SZ_4K };
	EXPECT_EQ(-EINVAL, alloc_sized(self->heap_fd, &data, 8));

	/* Not our ioctl: another number, another type, another direction. */
	other = _IOWR(DMA_HEAP_IOC_MAGIC, 1, struct dma_heap_allocation_data);
	EXPECT_EQ(-1, ioctl(self->heap_fd, other, &data));
	EXPECT_EQ(ENOTTY, errno);
	other = _IOWR('X', 0, struct dma_heap_allocation_data);
	EXPECT_EQ(-1, ioctl(self->heap_fd, other, &data));
	EXPECT_EQ(ENOTTY, errno);
	other = _IOW(DMA_HEAP_IOC_MAGIC, 0, struct dma_heap_allocation_data);
	EXPECT_EQ(-1, ioctl(self->heap_fd, other, &data));
	EXPECT_EQ(ENOTTY, errno);
}

/* Callers built against an older or a newer struct, used as specified. */
TEST_F(heap, abi_struct_sizes)
{
	struct {
		struct dma_heap_allocation_data data;
		uint64_t future;
	} big;
	struct {
		uint64_t len;
		uint32_t fd;
		uint32_t fd_flags;
	} old;

	/* An older caller without heap_flags. */
	old = (typeof(old)){ .len = SZ_4K, .fd_flags = O_RDWR };
	ASSERT_EQ(0, alloc_sized(self->heap_fd, &old, sizeof(old)));
	EXPECT_LT(0, (int)old.fd);
	EXPECT_EQ(SZ_4K, buf_size(old.fd));
	close(old.fd);

	/*
	 * A newer caller: the field this kernel does not know is ignored,
	 * whatever it holds, and left as it was (as the framework does, and
	 * as the upstream dmabuf-heaps kselftest expects).
	 */
	memset(&big, 0, sizeof(big));
	big.data.len = SZ_4K;
	big.data.fd_flags = O_RDWR;
	big.future = 0x8888888811111111ULL;
	ASSERT_EQ(0, alloc_sized(self->heap_fd, &big, sizeof(big)));
	EXPECT_LT(0, (int)big.data.fd);
	EXPECT_EQ(SZ_4K, buf_size(big.data.fd));
	EXPECT_EQ(0x8888888811111111ULL, big.future);
	close(big.data.fd);
}

/*
 * Every length beyond the heap's limit fails with ENOMEM and leaves
 * nothing behind, whatever it would become if narrowed to a 32-bit size_t
 * (4 GiB + 4 KiB to 4 KiB, 4 GiB to 0) or rounded up to whole pages near
 * the top of the u64 range (0). The 6.1 dma-heap framework narrows the
 * length to size_t and rounds it itself before xbuf sees it: nodes it
 * provides get the lengths that survive that.
 */
TEST_F(heap, lengths_beyond_the_limit)
{
	const uint64_t max = (uint64_t)self->stats.max_buffer, pg = page_size();
	const uint64_t lens[] = {
		max + 1, max + pg, 1ULL << 32, (1ULL << 32) + 1,
		(1ULL << 32) + pg, 1ULL << 63, ~0ULL - pg + 2,
	};
	bool whole_u64, whole_size_t;
	struct heap_stats st;
	unsigned int i;
	char reg[32];

	heap_registration(reg, sizeof(reg));
	whole_u64 = !strcmp(reg, "misc");
	whole_size_t = whole_u64 || kernel_is_64bit() == 1;
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		if (lens[i] <= max || (lens[i] > ~0ULL - pg && !whole_u64) ||
		    (lens[i] > UINT32_MAX && !whole_size_t))
			continue;
		EXPECT_EQ(-ENOMEM, heap_alloc(self->heap_fd, lens[i], O_RDWR))
			TH_LOG("len %#llx, heap limit %#llx",
			       (unsigned long long)lens[i],
			       (unsigned long long)max);
	}
	ASSERT_EQ(0, heap_stats(variant->name, &st));
	EXPECT_EQ(self->stats.buffers, st.buffers);
	EXPECT_EQ(self->stats.bytes, st.bytes);
}

TEST_F(heap, size_caps)
{
	struct heap_stats st;
	int fd, fd2;

	ASSERT_EQ(0, heap_param_set("max_buffer_bytes", SZ_1M));
	fd = heap_alloc(self->heap_fd, SZ_1M, O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EFBIG, heap_alloc(self->heap_fd, SZ_1M + 1, O_RDWR));
	ASSERT_EQ(0, heap_param_set("max_buffer_bytes", 0));

	ASSERT_EQ(0, heap_stats(variant->name, &st));
	ASSERT_EQ(0, heap_param_set("max_heap_bytes", st.bytes + 2 * SZ_1M));
	fd = heap_alloc(self->heap_fd, SZ_1M, O_RDWR);
	ASSERT_LE(0, fd);
	fd2 = heap_alloc(self->heap_fd, SZ_1M, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-ENOSPC, heap_alloc(self->heap_fd, SZ_4K, O_RDWR));
	close(fd2);
	fd2 = heap_alloc(self->heap_fd, SZ_4K, O_RDWR);
	EXPECT_LE(0, fd2);
	close(fd2);
	close(fd);
}

/*
 * A write-combine buffer's caches are cleaned once when it is made, through
 * the DMA API: behind bounce buffers (swiotlb=force, 256 MiB of them in the
 * test VMs) a buffer larger than all of them must still be allocated.
 */
FIXTURE(uncached) {
	int heap_fd;
};

FIXTURE_SETUP(uncached)
{
	self->heap_fd = heap_open("xbuf-uncached");
	if (self->heap_fd < 0)
		SKIP(return, "/dev/dma_heap/xbuf-uncached: %s",
		     strerror(-self->heap_fd));
}

FIXTURE_TEARDOWN(uncached)
{
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

TEST_F_TIMEOUT(uncached, larger_than_bounce_buffers, 300)
{
	size_t len = 320 * SZ_1M;
	int fd;

	fd = heap_alloc(self->heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(-fd));
	EXPECT_EQ((long long)len, buf_size(fd));
	close(fd);
}

/*
 * Buffers of 2 GiB and more, where the machine has the memory: 2 GiB is
 * where a size in a signed 32-bit type turns negative, and on a 32-bit
 * kernel most of such a buffer is highmem, which the kernel reaches only
 * through temporary mappings.
 */
FIXTURE(big) {
	int heap_fd;
	struct heap_stats stats;
};

FIXTURE_SETUP(big)
{
	self->heap_fd = heap_open("xbuf");
	if (self->heap_fd < 0)
		SKIP(return, "/dev/dma_heap/xbuf: %s (is xbuf_heap loaded?)",
		     strerror(-self->heap_fd));
	if (heap_stats("xbuf", &self->stats))
		SKIP(return, "%s has no line for xbuf (debugfs not mounted?)",
		     XBUF_DEBUGFS_HEAPS);
}

FIXTURE_TEARDOWN(big)
{
	heap_param_set("max_buffer_bytes", 0);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

/* Memory a big buffer leaves the rest of the system: its tables, the pool. */
#define BIG_HEADROOM	(256 * SZ_1M)

/*
 * Check that the page at @off of @fd reads as zeroes, write a pattern to
 * it through @whole (a mapping of the whole buffer) or, when that is NULL,
 * through a mapping of the page alone, and read the pattern back through
 * another mapping of just that page. NULL, or what went wrong.
 */
static const char *touch_page(int fd, uint8_t *whole, uint64_t off,
			      uint8_t seed)
{
	size_t pg = page_size();
	const char *err = NULL;
	uint8_t *p, *again;

	p = whole ? whole + off : map_rw(fd, pg, (off_t)off);
	if (p == MAP_FAILED)
		return "mmap of the page failed";
	if (first_nonzero(p, pg) >= 0)
		err = "not zeroed";
	else
		pattern_fill(p, pg, seed);
	again = map_rw(fd, pg, (off_t)off);
	if (again == MAP_FAILED) {
		err = err ? err : "second mmap of the page failed";
	} else {
		if (!err && pattern_check(again, pg, seed) >= 0)
			err = "the second mapping does not show the write";
		munmap(again, pg);
	}
	if (!whole)
		munmap(p, pg);
	return err;
}

/*
 * Map a buffer of @len bytes whole if the process has the room, else
 * NULL. A 32-bit process has about 3 GiB of address space, not always
 * @len of it in one piece: the kernel may refuse with ENOMEM, as for any
 * file. A 64-bit process must get it.
 */
static uint8_t *map_whole(struct __test_metadata *_metadata, int fd,
			  uint64_t len)
{
	uint8_t *p = map_rw(fd, len, 0);

	if (p != MAP_FAILED) {
		TH_LOG("%llu MiB: mapped whole", (unsigned long long)(len / SZ_1M));
		return p;
	}
	ASSERT_EQ(ENOMEM, errno);
	ASSERT_EQ(4, (int)sizeof(void *));
	TH_LOG("%llu MiB: no room in one piece; pages mapped alone",
	       (unsigned long long)(len / SZ_1M));
	return NULL;
}

/*
 * Allocate @len bytes, check the size and accounting, and touch pages at
 * the start, in the middle and at the end (its last byte).
 */
static void big_buffer(struct __test_metadata *_metadata, int heap_fd,
		       const struct heap_stats *before, uint64_t len)
{
	uint64_t offs[] = { 0, len / 2, len - page_size() };
	struct heap_stats st;
	const char *err;
	uint8_t *whole;
	unsigned int i;
	int fd;

	fd = heap_alloc(heap_fd, len, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%llu MiB: %s",
				(unsigned long long)(len / SZ_1M),
				strerror(-fd));
	EXPECT_EQ((long long)len, buf_size(fd));
	ASSERT_EQ(0, heap_stats("xbuf", &st));
	EXPECT_EQ(before->bytes + (long long)len, st.bytes);

	whole = map_whole(_metadata, fd, len);
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		err = touch_page(fd, whole, offs[i], (uint8_t)(i + 1));
		EXPECT_EQ(NULL, err)
			TH_LOG("%llu MiB, page at %#llx: %s",
			       (unsigned long long)(len / SZ_1M),
			       (unsigned long long)offs[i], err);
	}
	EXPECT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	if (whole)
		munmap(whole, len);
	close(fd);
}

/* Whether @len bytes fit the heap's limit and leave BIG_HEADROOM free. */
static bool big_fits(const struct heap_stats *st, uint64_t len)
{
	long long avail = meminfo_bytes("MemAvailable");

	return len <= (uint64_t)st->max_buffer &&
	       avail >= (long long)(len + BIG_HEADROOM);
}

/* 2 GiB, then 3 GiB where that fits too. */
TEST_F_TIMEOUT(big, two_gib_and_more, 900)
{
	const uint64_t lens[] = { 2 * SZ_1G, 3 * SZ_1G };
	unsigned int i;

	if (!big_fits(&self->stats, lens[0]))
		SKIP(return, "MemAvailable %lld MiB, heap limit %lld MiB: %s %llu MiB",
		     meminfo_bytes("MemAvailable") / (long long)SZ_1M,
		     self->stats.max_buffer / (long long)SZ_1M,
		     "2 GiB needs",
		     (unsigned long long)((lens[0] + BIG_HEADROOM) / SZ_1M));
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		if (!big_fits(&self->stats, lens[i])) {
			TH_LOG("%llu MiB: does not fit (MemAvailable %lld MiB)",
			       (unsigned long long)(lens[i] / SZ_1M),
			       meminfo_bytes("MemAvailable") / (long long)SZ_1M);
			break;
		}
		big_buffer(_metadata, self->heap_fd, &self->stats, lens[i]);
		/* Its pages back in the page allocator before the next. */
		ASSERT_EQ(0, pool_settle());
	}
}

/*
 * A 32-bit kernel's size_t holds less than 4 GiB: with more RAM than that
 * (LPAE) the heap's limit is the largest page-aligned size_t, not a value
 * wrapped from the RAM size, and longer requests fail with ENOMEM rather
 * than wrapping to a small buffer (4 GiB + 4 KiB to 4 KiB). Lengths from
 * 2 GiB up to the heap's limit, negative as a 32-bit ssize_t, still meet
 * max_buffer_bytes with EFBIG.
 */
TEST_F(big, limits_of_a_32bit_kernel)
{
	const uint64_t pg = page_size(), size_max = UINT32_MAX & ~(pg - 1);
	const uint64_t max = (uint64_t)self->stats.max_buffer;
	long long total = meminfo_bytes("MemTotal");
	struct heap_stats st;

	if (kernel_is_64bit() != 0)
		SKIP(return, "not a 32-bit kernel: size_t holds any length");
	EXPECT_GE(size_max, max);
	if (total > (long long)size_max) {
		EXPECT_EQ(size_max, max)
			TH_LOG("MemTotal %lld MiB", total / (long long)SZ_1M);
	} else {
		TH_LOG("MemTotal %lld MiB: the limit is RAM, below the size_t cap",
		       total / (long long)SZ_1M);
	}
	EXPECT_EQ(-ENOMEM, heap_alloc(self->heap_fd, size_max + 1, O_RDWR));
	EXPECT_EQ(-ENOMEM, heap_alloc(self->heap_fd, (1ULL << 32) + pg,
				      O_RDWR));

	/* Up to the heap's limit: beyond it, ENOMEM comes first. */
	ASSERT_EQ(0, heap_param_set("max_buffer_bytes", 2 * SZ_1G));
	if (max > 2 * SZ_1G) {
		EXPECT_EQ(-EFBIG, heap_alloc(self->heap_fd, 2 * SZ_1G + 1,
					     O_RDWR));
		EXPECT_EQ(-EFBIG, heap_alloc(self->heap_fd, max, O_RDWR));
	} else {
		TH_LOG("heap limit %llu MiB: no length above 2 GiB to cap",
		       (unsigned long long)(max / SZ_1M));
	}
	ASSERT_EQ(0, heap_stats("xbuf", &st));
	EXPECT_EQ(self->stats.buffers, st.buffers);
	EXPECT_EQ(self->stats.bytes, st.bytes);
}

/* The heaps whose freed chunks go through the page pool. */
FIXTURE(pool) {
	int heap_fd;
	unsigned long pool_max;	/* pool_max_bytes before the test */
};

FIXTURE_VARIANT(pool) {
	const char *name;
};

FIXTURE_VARIANT_ADD(pool, xbuf) {
	.name = "xbuf",
};

FIXTURE_VARIANT_ADD(pool, uncached) {
	.name = "xbuf-uncached",
};

FIXTURE_SETUP(pool)
{
	self->heap_fd = heap_open(variant->name);
	if (self->heap_fd < 0)
		SKIP(return, "/dev/dma_heap/%s: %s (is xbuf_heap loaded?)",
		     variant->name, strerror(-self->heap_fd));
	if (pool_stat("max_bytes") < 0)
		SKIP(return, "no %s (debugfs not mounted?)", XBUF_DEBUGFS_POOL);
	ASSERT_EQ(0, heap_param_get("pool_max_bytes", &self->pool_max));
	if (!self->pool_max)
		SKIP(return, "pool_max_bytes is 0: the pool is off");
}

FIXTURE_TEARDOWN(pool)
{
	if (self->pool_max)
		heap_param_set("pool_max_bytes", self->pool_max);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

/* Allocate @n buffers of @len, check they are zeroed, then dirty them. */
static const char *alloc_check_dirty(int heap_fd, int *fds, int n, size_t len)
{
	const char *err = NULL;
	int i;

	for (i = 0; i < n && !err; i++) {
		uint8_t *p;

		fds[i] = heap_alloc(heap_fd, len, O_RDWR);
		if (fds[i] < 0)
			return "allocation failed";
		p = map_rw(fds[i], len, 0);
		if (p == MAP_FAILED)
			return "mmap failed";
		if (buf_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW))
			err = "SYNC_START failed";
		else if (first_nonzero(p, len) >= 0)
			err = "buffer shows old data";
		memset(p, 0x5a, len);
		if (buf_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW))
			err = "SYNC_END failed";
		munmap(p, len);
	}
	return err;
}

/*
 * Chunks of every order the pool keeps (2 MiB, 64 KiB, 4 KiB), dirtied,
 * freed and re-zeroed by the pool's worker, must come back zeroed when the
 * pool serves the next buffers.
 */
TEST_F_TIMEOUT(pool, zeroed_from_warm_pool, 300)
{
	enum { BUFS = 8 };
	size_t len = 2 * SZ_1M + SZ_64K + page_size();
	int fds[BUFS], round, i;
	long long hits = 0;

	for (round = 0; round < 2; round++) {
		hits = pool_stat("hits");
		ASSERT_EQ(NULL, alloc_check_dirty(self->heap_fd, fds, BUFS, len))
			TH_LOG("round %d", round);
		for (i = 0; i < BUFS; i++)
			close(fds[i]);
		ASSERT_EQ(0, pool_settle());
	}
	/* The second round was served, at least in part, by the pool. */
	EXPECT_LT(hits, pool_stat("hits"));
}

/* The pool never holds more than its cap, and the shrinker empties it. */
TEST_F_TIMEOUT(pool, cap_and_shrinker, 300)
{
	long long zeroed;
	int fd;

	ASSERT_EQ(0, heap_param_set("pool_max_bytes", 4 * SZ_1M));
	ASSERT_EQ(4 * SZ_1M, pool_stat("max_bytes"));
	fd = heap_alloc(self->heap_fd, SZ_16M, O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, pool_settle());
	/* Filled from the 16 MiB freed, to within a 2 MiB chunk of its cap. */
	zeroed = pool_stat("zeroed_bytes");
	EXPECT_GE(4 * SZ_1M, zeroed);
	EXPECT_LT(2 * SZ_1M, zeroed);

	/* drop_caches runs every shrinker until they free next to nothing. */
	ASSERT_EQ(0, heap_param_set("pool_max_bytes", 64 * SZ_1M));
	fd = heap_alloc(self->heap_fd, SZ_16M, O_RDWR);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, pool_settle());
	EXPECT_LE(SZ_16M, pool_stat("zeroed_bytes"));
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "2", 1));
	close(fd);
	EXPECT_EQ(0, pool_stat("zeroed_bytes"));
	EXPECT_EQ(0, pool_stat("pending_bytes"));
}

/*
 * A page of a mapping handed to a pipe with vmsplice() is the pipe's for
 * as long as the pipe holds it, buffer freed or not. Were the pool to take
 * it back, its worker would zero it and a later buffer would share it with
 * the pipe: the pipe must still read what the buffer held.
 */
TEST_F_TIMEOUT(pool, pinned_page_not_reused, 300)
{
	size_t len = 2 * SZ_1M, pg = page_size();
	struct iovec iov;
	int fd, pipefd[2];
	ssize_t spliced;
	uint8_t *p, *back;

	fd = heap_alloc(self->heap_fd, len, O_RDWR);
	ASSERT_LE(0, fd);
	p = map_rw(fd, len, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	pattern_fill(p, len, 7);
	ASSERT_EQ(0, buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));

	ASSERT_EQ(0, pipe(pipefd));
	iov.iov_base = p + pg;
	iov.iov_len = pg;
	spliced = vmsplice(pipefd[1], &iov, 1, 0);
	/*
	 * Special page table entries (mmap.c): no page to hold, no risk.
	 * get_user_pages() says so with EFAULT, or with EEXIST (6.1: an
	 * entry without a page).
	 */
	if (spliced < 0 && (errno == EFAULT || errno == EEXIST))
		SKIP(return, "special page table entries: pages cannot be pinned");
	ASSERT_EQ((ssize_t)pg, spliced) TH_LOG("vmsplice: %s", strerror(errno));
	munmap(p, len);
	close(fd);
	ASSERT_EQ(0, pool_settle());

	back = malloc(pg);
	ASSERT_NE(NULL, back);
	ASSERT_EQ((ssize_t)pg, read(pipefd[0], back, pg));
	EXPECT_EQ(-1, pattern_check(back, pg, (uint8_t)(7 + pg * 7 + 1)))
		TH_LOG("the page the pipe holds was reused");
	free(back);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F_TIMEOUT(heap, many_small_buffers, 600)
{
	enum { COUNT = 10000 };
	struct rlimit lim = { COUNT + 64, COUNT + 64 };
	long long pg = (long long)page_size();
	struct heap_stats st;
	int *fds, i;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	fds = calloc(COUNT, sizeof(*fds));
	ASSERT_NE(NULL, fds);
	for (i = 0; i < COUNT; i++) {
		fds[i] = heap_alloc(self->heap_fd, pg, O_RDWR);
		ASSERT_LE(0, fds[i]) TH_LOG("buffer %d: %s", i,
					    strerror(-fds[i]));
	}
	ASSERT_EQ(0, heap_stats(variant->name, &st));
	EXPECT_EQ(self->stats.buffers + COUNT, st.buffers);
	EXPECT_EQ(self->stats.bytes + COUNT * pg, st.bytes);
	for (i = 0; i < COUNT; i++)
		close(fds[i]);
	free(fds);

	/* Every buffer of every earlier test is closed too: back to zero. */
	ASSERT_EQ(0, heap_stats(variant->name, &st));
	EXPECT_EQ(0, st.buffers);
	EXPECT_EQ(0, st.bytes);
}

TEST_HARNESS_MAIN
