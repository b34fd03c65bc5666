// SPDX-License-Identifier: GPL-2.0
/*
 * Memory cgroup accounting of xbuf buffers: the pages of every buffer are
 * charged to the cgroup of the task that allocated it, chunks from the
 * page pool included, so that memory.max bounds what a cgroup's tasks can
 * take from the heaps while the rest of the system carries on.
 *
 * Each test runs its allocations in a child moved into a cgroup v2 group
 * of its own; the results come back through a shared page the parent
 * touched first, so that it is charged to the parent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/xbuf.h>

#include "../kselftest_harness.h"
#include "xbuf_util.h"

#define SZ_1M		(1024LL * 1024)
#define CHUNK		(4 * SZ_1M)	/* every heap gives 4 MiB buffers */
#define MAX_BUFS	64
#define VIDEO_GID	44	/* Debian's group video, of 60-xbuf.rules */
#define NOBODY		65534

/* The cgroup v2 hierarchy: where it is mounted, or mounted here for us. */
static const char *cgroup_root(void)
{
	static char root[PATH_MAX];
	char dev[64], dir[PATH_MAX], type[64];

	FILE *f;

	f = fopen("/proc/self/mounts", "r");
	if (f) {
		while (fscanf(f, "%63s %4095s %63s %*[^\n]", dev, dir,
			      type) == 3) {
			if (!strcmp(type, "cgroup2")) {
				fclose(f);
				snprintf(root, sizeof(root), "%s", dir);
				return root;
			}
		}
		fclose(f);
	}
	snprintf(root, sizeof(root), "/tmp/xbuf-cgroup2");
	mkdir(root, 0755);
	if (mount("none", root, "cgroup2", 0, NULL))
		return NULL;
	return root;
}

/* Write @val to <root>/<cg>/<file> (cg may be ""); 0 or -errno. */
static int cg_write(const char *root, const char *cg, const char *file,
		    const char *val)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", root, cg, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The number in <root>/<cg>/<file>, or the one after "key " in it; -1. */
static long long cg_read(const char *root, const char *cg, const char *file,
			 const char *key)
{
	char path[PATH_MAX], line[256];
	size_t klen = key ? strlen(key) : 0;
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, cg, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			val = strtoll(line, NULL, 10);
			break;
		}
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			val = strtoll(line + klen + 1, NULL, 10);
	}
	fclose(f);
	return val;
}

/* What a child measured, in a page shared with the parent. */
struct report {
	long long before;	/* memory.current before allocating */
	long long after;	/* ...holding the first buffers */
	long long again;	/* ...holding the second buffers */
	long long bytes;	/* allocated in all */
	long long pooled;	/* pool's charged bytes before the second */
	long long hits;		/* pool hits during the second allocation */
	int err;		/* errno of the failed allocation, or 0 */
	int step;		/* unprivileged child: the step that failed */
	int step_err;		/* ...and its errno */
};

/* A test's cgroup, heap and shared report. */
struct cg_ctx {
	const char *root;
	const char *heap;
	char cg[64];
	int heap_fd;
	struct report *rep;
};

FIXTURE(memcg) {
	bool skipped;
	struct cg_ctx c;
};

FIXTURE_VARIANT(memcg) {
	const char *heap;
	bool pooled;
};

FIXTURE_VARIANT_ADD(memcg, xbuf) {
	.heap = "xbuf",
	.pooled = true,
};

FIXTURE_VARIANT_ADD(memcg, contig) {
	.heap = "xbuf-contig",
	.pooled = false,
};

FIXTURE_VARIANT_ADD(memcg, uncached) {
	.heap = "xbuf-uncached",
	.pooled = true,
};

FIXTURE_SETUP(memcg)
{
	char controllers[256] = "";
	char path[PATH_MAX + 32];
	FILE *f;

	self->c.heap_fd = -1;
	self->c.rep = MAP_FAILED;
	self->c.heap = variant->heap;
	self->c.heap_fd = heap_open(variant->heap);
	if (self->c.heap_fd < 0)
		SETUP_SKIP(return, "/dev/dma_heap/%s: %s (is xbuf_heap loaded?)",
			   variant->heap, strerror(-self->c.heap_fd));
	if (heap_prop(variant->heap, "accounted") != 1)
		SETUP_SKIP(return, "%s%s/accounted is not 1 (memcg_account=0 or no sysfs)",
			   XBUF_SYSFS_HEAPS, variant->heap);
	self->c.root = cgroup_root();
	if (!self->c.root)
		SETUP_SKIP(return, "no cgroup v2 hierarchy, and mounting one failed: %s",
			   strerror(errno));
	snprintf(path, sizeof(path), "%s/cgroup.controllers", self->c.root);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(controllers, sizeof(controllers), f))
			controllers[0] = '\0';
		fclose(f);
	}
	if (!strstr(controllers, "memory"))
		SETUP_SKIP(return, "the kernel has no memory cgroup controller (CONFIG_MEMCG)");
	ASSERT_EQ(0, cg_write(self->c.root, "", "cgroup.subtree_control",
			      "+memory"));

	snprintf(self->c.cg, sizeof(self->c.cg), "xbuf-memcg-%d", getpid());
	snprintf(path, sizeof(path), "%s/%s", self->c.root, self->c.cg);
	ASSERT_EQ(0, mkdir(path, 0755)) TH_LOG("%s: %s", path, strerror(errno));
	/* No swap here, but say so: only memory.max may stop the child. */
	cg_write(self->c.root, self->c.cg, "memory.swap.max", "0");

	self->c.rep = mmap(NULL, sizeof(*self->c.rep),
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	ASSERT_NE(MAP_FAILED, self->c.rep);
	memset(self->c.rep, 0, sizeof(*self->c.rep));
}

FIXTURE_TEARDOWN(memcg)
{
	char path[PATH_MAX];

	if (self->c.rep != MAP_FAILED)
		munmap(self->c.rep, sizeof(*self->c.rep));
	if (self->c.heap_fd >= 0)
		close(self->c.heap_fd);
	if (self->skipped || !self->c.cg[0])
		return;
	snprintf(path, sizeof(path), "%s/%s", self->c.root, self->c.cg);
	rmdir(path);
}

/*
 * Allocate @total bytes as 4 MiB buffers into @fds, counting them in
 * *@done as they come (a killed child leaves its count behind).
 */
static void alloc_chunks(int heap_fd, int *fds, long long total,
			 long long *done, int *err)
{
	int i;

	*done = 0;
	*err = 0;
	for (i = 0; *done < total && i < MAX_BUFS; i++) {
		fds[i] = heap_alloc(heap_fd, CHUNK, O_RDWR);
		if (fds[i] < 0) {
			*err = -fds[i];
			break;
		}
		*done += CHUNK;
	}
}

static void close_all(int *fds, long long bytes)
{
	int i;

	for (i = 0; i < bytes / CHUNK; i++)
		close(fds[i]);
}

/*
 * Fork a child that moves itself into the fixture's cgroup and runs @fn;
 * returns the child's wait status.
 */
static int run_in_cgroup(struct cg_ctx *self,
			 int (*fn)(struct cg_ctx *self))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (cg_write(self->root, self->cg, "cgroup.procs", "0"))
			_exit(100);
		/*
		 * Every page of the child's own is faulted in (copied from
		 * the parent's) now, charged while the cgroup has room: near
		 * its limit, a fault would call the cgroup's OOM killer.
		 */
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			_exit(101);
		_exit(fn(self));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static long long cg_current(struct cg_ctx *self)
{
	return cg_read(self->root, self->cg, "memory.current", NULL);
}

/* 16 MiB held: memory.current counts all of it. */
static int child_charged(struct cg_ctx *self)
{
	int fds[MAX_BUFS];

	self->rep->before = cg_current(self);
	alloc_chunks(self->heap_fd, fds, 16 * SZ_1M, &self->rep->bytes,
		     &self->rep->err);
	self->rep->after = cg_current(self);
	close_all(fds, self->rep->bytes);
	return 0;
}

TEST_F(memcg, charged_to_allocator)
{
	int status;

	if (self->skipped)
		return;
	ASSERT_EQ(0, cg_write(self->c.root, self->c.cg, "memory.max", "256M"));
	status = run_in_cgroup(&self->c, child_charged);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status %#x", status);
	ASSERT_EQ(0, self->c.rep->err) TH_LOG("%s", strerror(self->c.rep->err));
	ASSERT_EQ(16 * SZ_1M, self->c.rep->bytes);
	EXPECT_LE(self->c.rep->before + 16 * SZ_1M, self->c.rep->after)
		TH_LOG("memory.current %lld -> %lld for 16 MiB of buffers",
		       self->c.rep->before, self->c.rep->after);
}

/* 128 MiB asked for under a 64 MiB limit. */
static int child_over_limit(struct cg_ctx *self)
{
	int fds[MAX_BUFS];

	alloc_chunks(self->heap_fd, fds, 128 * SZ_1M, &self->rep->bytes,
		     &self->rep->err);
	close_all(fds, self->rep->bytes);
	return 0;
}

/*
 * The child is refused with ENOMEM or killed by the cgroup's OOM killer,
 * having got no more than the limit; then the parent, outside the cgroup,
 * allocates the same 128 MiB.
 */
TEST_F(memcg, limit_enforced)
{
	long long ooms, bytes;
	int status, err, fds[MAX_BUFS];

	if (self->skipped)
		return;
	ASSERT_EQ(0, cg_write(self->c.root, self->c.cg, "memory.max", "64M"));
	status = run_in_cgroup(&self->c, child_over_limit);
	ooms = cg_read(self->c.root, self->c.cg, "memory.events", "oom_kill");
	if (WIFSIGNALED(status)) {
		TH_LOG("killed by the cgroup's OOM killer after %lld MiB",
		       self->c.rep->bytes / SZ_1M);
		ASSERT_EQ(SIGKILL, WTERMSIG(status));
		ASSERT_LE(1, ooms) TH_LOG("killed, but not by the cgroup's OOM killer");
	} else {
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("child status %#x", status);
		TH_LOG("refused with %s after %lld MiB",
		       strerror(self->c.rep->err), self->c.rep->bytes / SZ_1M);
		EXPECT_EQ(ENOMEM, self->c.rep->err)
			TH_LOG("allocation stopped by %s after %lld MiB",
			       strerror(self->c.rep->err),
			       self->c.rep->bytes / SZ_1M);
	}
	EXPECT_GE(64 * SZ_1M, self->c.rep->bytes)
		TH_LOG("%lld MiB allocated under a 64 MiB limit",
		       self->c.rep->bytes / SZ_1M);
	EXPECT_LE(1, cg_read(self->c.root, self->c.cg, "memory.events", "max"));
	/*
	 * Freed, the chunks were pooled only while the cgroup used at most
	 * half its limit (the pool's rule), 1 MiB allowed for the rest.
	 */
	EXPECT_GE(33 * SZ_1M, cg_current(&self->c));

	alloc_chunks(self->c.heap_fd, fds, 128 * SZ_1M, &bytes, &err);
	EXPECT_EQ(128 * SZ_1M, bytes) TH_LOG("outside the cgroup: %s",
					     strerror(err));
	close_all(fds, bytes);
}

/*
 * Allocate, free, let the pool zero the chunks, allocate again: the
 * second buffers come from the chunks the cgroup was already charged for.
 */
static int child_reuse(struct cg_ctx *self)
{
	int fds[MAX_BUFS];
	long long hits;

	self->rep->before = cg_current(self);
	alloc_chunks(self->heap_fd, fds, 8 * SZ_1M, &self->rep->bytes,
		     &self->rep->err);
	self->rep->after = cg_current(self);
	close_all(fds, self->rep->bytes);
	if (self->rep->err || pool_settle())
		return 1;
	hits = pool_stat("hits");
	self->rep->pooled = pool_stat("charged_bytes");
	alloc_chunks(self->heap_fd, fds, 8 * SZ_1M, &self->rep->bytes,
		     &self->rep->err);
	self->rep->hits = pool_stat("hits") - hits;
	self->rep->again = cg_current(self);
	close_all(fds, self->rep->bytes);
	return self->rep->err ? 1 : 0;
}

/*
 * Chunks the root cgroup freed are not handed to the cgroup (they are
 * charged to nobody); the cgroup's own freed chunks are, without a second
 * charge; and the pool lets go of them, and of their charge, within its
 * time limit once nobody reuses them.
 */
TEST_F(memcg, pooled_chunks_follow_owner)
{
	long long expired, bytes;
	int status, err, fds[MAX_BUFS];
	unsigned long pool_max;

	if (self->skipped)
		return;
	if (!variant->pooled)
		SKIP(return, "%s does not use the page pool", variant->heap);
	if (pool_stat("charged_bytes") < 0)
		SKIP(return, "no charged_bytes in %s (debugfs not mounted?)",
		     XBUF_DEBUGFS_POOL);
	ASSERT_EQ(0, cg_write(self->c.root, self->c.cg, "memory.max", "256M"));
	/*
	 * A full pool frees what comes back: earlier tests may have filled
	 * it. Lowering the cap to 0 empties it.
	 */
	ASSERT_EQ(0, heap_param_get("pool_max_bytes", &pool_max));
	ASSERT_EQ(0, heap_param_set("pool_max_bytes", 0));
	ASSERT_EQ(0, heap_param_set("pool_max_bytes", pool_max));

	/* Uncharged chunks in the pool, freed by this (root cgroup) task. */
	alloc_chunks(self->c.heap_fd, fds, 8 * SZ_1M, &bytes, &err);
	ASSERT_EQ(0, err) TH_LOG("%s", strerror(err));
	close_all(fds, bytes);
	ASSERT_EQ(0, pool_settle());
	expired = pool_stat("expired_bytes");

	status = run_in_cgroup(&self->c, child_reuse);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status %#x, %s", status,
		       strerror(self->c.rep->err));
	/* Charged in full: the root's chunks were not used. */
	EXPECT_LE(self->c.rep->before + 8 * SZ_1M, self->c.rep->after);
	/* The second round reused the cgroup's chunks, charged once. */
	EXPECT_LT(0, self->c.rep->hits)
		TH_LOG("the pool held %lld charged bytes", self->c.rep->pooled);
	EXPECT_GT(self->c.rep->after + 4 * SZ_1M, self->c.rep->again)
		TH_LOG("memory.current %lld -> %lld -> %lld",
		       self->c.rep->before, self->c.rep->after, self->c.rep->again);

	/* Idle, the charged chunks leave the pool and the cgroup. */
	ASSERT_EQ(0, pool_settle());
	ASSERT_EQ(0, pool_wait_zero("charged_bytes", 30000, 100));
	EXPECT_LT(expired, pool_stat("expired_bytes"));
	EXPECT_GT(self->c.rep->before + 2 * SZ_1M, cg_current(&self->c))
		TH_LOG("memory.current %lld after the pool let go, %lld before",
		       cg_current(&self->c), self->c.rep->before);
}

/* Record the failed step and its errno; the child's exit status. */
static int failed_step(struct cg_ctx *self, int step)
{
	self->rep->step = step;
	self->rep->step_err = errno;
	return 1;
}

/*
 * As user nobody, in group video alone: open the heap and xbuf_dma, attach
 * a buffer, then ask for 128 MiB under the cgroup's 64 MiB.
 */
static int child_unprivileged(struct cg_ctx *self)
{
	struct xbuf_dma_info info = { 0 };
	struct xbuf_dma_attach at = { 0 };
	gid_t video = VIDEO_GID;
	char node[64];
	int heap, dma, fds[MAX_BUFS];

	if (setgroups(1, &video) || setgid(NOBODY) || setuid(NOBODY))
		return failed_step(self, 1);
	snprintf(node, sizeof(node), "/dev/dma_heap/%s", self->heap);
	heap = open(node, O_RDWR | O_CLOEXEC);
	if (heap < 0)
		return failed_step(self, 2);
	dma = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);
	if (dma >= 0) {
		at.fd = heap_alloc(heap, CHUNK, O_RDWR);
		if (at.fd < 0 || ioctl(dma, XBUF_DMA_IOC_INFO, &info) ||
		    ioctl(dma, XBUF_DMA_IOC_ATTACH, &at))
			return failed_step(self, 3);
		close(at.fd);
		close(dma);
	} else if (errno != ENOENT) {
		return failed_step(self, 4);
	}
	alloc_chunks(heap, fds, 128 * SZ_1M, &self->rep->bytes,
		     &self->rep->err);
	close_all(fds, self->rep->bytes);
	close(heap);
	return 0;
}

/* As user nobody in no group: the nodes stay shut. */
static int child_outsider(struct cg_ctx *self)
{
	char node[64];

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return failed_step(self, 1);
	snprintf(node, sizeof(node), "/dev/dma_heap/%s", self->heap);
	if (open(node, O_RDWR) >= 0 || errno != EACCES)
		return failed_step(self, 2);
	return 0;
}

/* Give @path to group video, mode 0660, as 60-xbuf.rules does. */
static int share_node(const char *path, struct stat *saved)
{
	if (stat(path, saved))
		return -errno;
	if (chown(path, 0, VIDEO_GID) || chmod(path, 0660))
		return -errno;
	return 0;
}

static void restore_node(const char *path, const struct stat *saved)
{
	if (chown(path, saved->st_uid, saved->st_gid) ||
	    chmod(path, saved->st_mode & 07777))
		perror(path);
}

/*
 * With the nodes as the udev rule makes them, an unprivileged member of
 * group video allocates, attaches to xbuf_dma, and is held to its
 * cgroup's limit; a user outside the group cannot open the heap.
 */
TEST_F(memcg, group_video_without_root)
{
	struct stat heap_st, dma_st;
	bool dma_shared;
	char node[64];
	int status;

	if (self->skipped)
		return;
	snprintf(node, sizeof(node), "/dev/dma_heap/%s", variant->heap);
	ASSERT_EQ(0, share_node(node, &heap_st));
	dma_shared = !share_node("/dev/xbuf_dma", &dma_st);
	ASSERT_EQ(0, cg_write(self->c.root, self->c.cg, "memory.max", "64M"));

	status = run_in_cgroup(&self->c, child_unprivileged);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("member of video: status %#x, step %d: %s", status,
		       self->c.rep->step, strerror(self->c.rep->step_err));
	EXPECT_EQ(ENOMEM, self->c.rep->err)
		TH_LOG("%lld MiB, then %s", self->c.rep->bytes / SZ_1M,
		       strerror(self->c.rep->err));
	EXPECT_GE(64 * SZ_1M, self->c.rep->bytes);

	status = run_in_cgroup(&self->c, child_outsider);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("outsider: status %#x, step %d: %s", status,
		       self->c.rep->step, strerror(self->c.rep->step_err));

	restore_node(node, &heap_st);
	if (dma_shared)
		restore_node("/dev/xbuf_dma", &dma_st);
}

TEST_HARNESS_MAIN
