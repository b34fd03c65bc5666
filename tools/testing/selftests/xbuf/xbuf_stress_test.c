// SPDX-License-Identifier: GPL-2.0
/*
 * xbuf under hostile userspace. Eight threads share a table of dma-buf fds
 * from every xbuf heap and three /dev/xbuf_dma files, and each has a
 * private /dev/xbuf_dma file of its own, for a bounded time. They race
 * allocations and closes of the shared buffers (so fd numbers go stale and
 * get reused), mmap + touch + munmap, DMA_BUF_IOCTL_SYNC, attach, map,
 * unmap and detach on their own handles and on guessed ones that other
 * threads own, copy/fill/checksum jobs with and without waiting and
 * out-fences, closes of files with jobs in flight, fork() with live
 * mappings, and every copying-out ioctl with its argument in a read-only
 * page.
 *
 * It proves that every call returns 0 or an errno the ABI allows for that
 * call (exact ones where a thread alone owns the state: its private file),
 * that a read-only argument fails with EFAULT and leaves nothing behind,
 * that nothing hangs, that at least XBUF_STRESS_MIN_OPS ioctls (100000 by
 * default) ran, and that once everything is closed the jobs drain and the
 * heaps' buffers and bytes, the engine's attachments and mappings and the
 * process's fds are back where they started.
 *
 * The threads run for XBUF_STRESS_SECONDS (default 20 s of wall time),
 * and on past that until XBUF_STRESS_MIN_OPS ioctls have run, for at most
 * MAX_SECONDS in all: a debug kernel (KASAN, lockdep) under TCG needs
 * minutes for what a stock one does in seconds.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/xbuf.h>

#include "../kselftest_harness.h"
#include "xbuf_util.h"

#define KIB		1024UL
#define NR_THREADS	8
#define NR_HEAPS	3
#define NR_SHARED	3		/* /dev/xbuf_dma files of all */
#define PRIV		NR_SHARED	/* file index of a thread's own file */
#define NR_FILES	(NR_SHARED + 1)
#define NR_SLOTS	32		/* shared dma-buf fds */
#define NR_OWN		8		/* handles a thread keeps per file */
#define GUESS_MAX	64		/* guessed handles are 1..GUESS_MAX */
#define MAX_BUF		(64 * KIB)
#define MAX_JOB		(32 * KIB)
/* QEMU's edu device moves 4 KiB per 100 ms: small jobs, far apart. */
#define EDU_MAX_JOB	(4 * KIB)
#define EDU_JOB_GAP_MS	500
#define MAX_BURST	300		/* jobs queued before closing a file */
#define DEFAULT_SECONDS	20
#define MAX_SECONDS	720
#define DEFAULT_MIN_OPS	100000
#define STRESS_TIMEOUT	900
#define NR_ERRS		134		/* errno slots; the last is "other" */
#define MAX_FD		1024
#define MAX_FAIL_LOGS	40

static const char *const heap_names[NR_HEAPS] = {
	"xbuf", "xbuf-contig", "xbuf-uncached",
};

/* What is counted: one entry per kind of system call result. */
enum call {
	C_ALLOC, C_ALLOC_RO, C_INFO, C_INFO_RO, C_SYNC, C_ATTACH, C_ATTACH_RO,
	C_MAP, C_MAP_RO, C_UNMAP, C_DETACH, C_JOB, C_JOB_RO,
	C_NR_IOCTLS,
	/* Not ioctls. */
	C_JOB_STATUS = C_NR_IOCTLS, C_MMAP, C_MUNMAP, C_MPROTECT, C_CLOSE,
	C_OPEN, C_FORK, C_CHILD,
	C_NR
};

static const char *const call_names[C_NR] = {
	[C_ALLOC] = "alloc", [C_ALLOC_RO] = "alloc(ro arg)",
	[C_INFO] = "info", [C_INFO_RO] = "info(ro arg)",
	[C_SYNC] = "dma-buf sync", [C_ATTACH] = "attach",
	[C_ATTACH_RO] = "attach(ro arg)", [C_MAP] = "map",
	[C_MAP_RO] = "map(ro arg)", [C_UNMAP] = "unmap",
	[C_DETACH] = "detach", [C_JOB] = "job", [C_JOB_RO] = "job(ro arg)",
	[C_JOB_STATUS] = "job status", [C_MMAP] = "mmap",
	[C_MUNMAP] = "munmap", [C_MPROTECT] = "mprotect", [C_CLOSE] = "close",
	[C_OPEN] = "open xbuf_dma", [C_FORK] = "fork",
	[C_CHILD] = "forked child",
};

/*
 * Allowed results, each list ended by END; 0 is success. A call on a
 * shared fd that another thread may have closed meanwhile (its number
 * then names nothing or another file) may also end as in stale_fd.
 */
#define END	(-1)
static const int ok_only[] = { 0, END };
static const int efault[] = { EFAULT, END };
static const int enoent[] = { ENOENT, END };
static const int ebusy[] = { EBUSY, END };
static const int enxio[] = { ENXIO, END };
static const int eacces[] = { EACCES, END };
static const int ebusy_eacces[] = { EBUSY, EACCES, END };
static const int ok_ebusy[] = { 0, EBUSY, END };
static const int stale_fd[] = { 0, EBADF, EINVAL, ENOTTY, ENODEV, EACCES,
				END };
static const int alloc_ok[] = { 0, ENOMEM, ENOSPC, EINTR, EMFILE, END };
static const int alloc_ro[] = { EFAULT, ENOMEM, ENOSPC, EINTR, EMFILE, END };
static const int sync_ok[] = { 0, EINTR, END };
static const int mmap_ok[] = { 0, ENOMEM, END };
static const int attach_ok[] = { 0, ENOMEM, EMFILE, END };
static const int attach_ro[] = { EFAULT, ENOMEM, EMFILE, END };
/* EIO: the DMA layer found no room (a full swiotlb, say). */
static const int map_ok[] = { 0, ENOENT, EBUSY, EACCES, ENOSPC, ENOMEM, EIO,
			      EINTR, END };
static const int map_ro[] = { EFAULT, ENOENT, EBUSY, EACCES, ENOSPC, ENOMEM,
			      EIO, EINTR, END };
/* A handle of ours, unmapped, in a direction its buffer allows. */
static const int map_own[] = { 0, EBUSY, ENOSPC, ENOMEM, EIO, EINTR, END };
static const int map_own_ro[] = { EFAULT, EBUSY, ENOSPC, ENOMEM, EIO, EINTR,
				  END };
static const int unmap_ok[] = { 0, ENOENT, EBUSY, ENXIO, END };
static const int detach_ok[] = { 0, ENOENT, EBUSY, END };
static const int job_ok[] = { 0, ENOENT, ENXIO, EACCES, ERANGE, EINVAL,
			      EAGAIN, ENOMEM, EMFILE, EINTR, END };
static const int job_ro[] = { EFAULT, ENOENT, ENXIO, EACCES, ERANGE, EINVAL,
			      EAGAIN, ENOMEM, EMFILE, EINTR, END };
/* Fills queued on a mapped handle of the thread's private file. */
static const int job_burst[] = { 0, EAGAIN, ENOMEM, END };
static const int job_status[] = { 0, EIO, ETIMEDOUT, ENOMEM, END };
static const int open_ok[] = { 0, ENOMEM, EMFILE, ENFILE, END };
static const int fork_ok[] = { 0, EAGAIN, ENOMEM, END };

static bool in_set(int err, const int *set)
{
	for (; *set != END; set++)
		if (*set == err)
			return true;
	return false;
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" },
	{ ENOTTY, "ENOTTY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" },
	{ ERANGE, "ERANGE" }, { ETIMEDOUT, "ETIMEDOUT" },
};

static const char *errno_name(int err, char *buf, size_t len)
{
	unsigned int i;

	if (!err)
		return "ok";
	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	snprintf(buf, len, "errno %d", err);
	return buf;
}

/* A shared dma-buf fd and what its allocation asked for. */
struct slot {
	int fd;			/* -1: empty */
	uint64_t size;
	int mode;		/* O_RDONLY, O_WRONLY or O_RDWR */
};

/* A handle a thread made; on shared files others may have replaced it. */
struct own {
	uint32_t id;
	uint64_t size;
	int mode;		/* of its buffer; -1 when unknown */
	int dir;		/* mapped direction; -1 when not mapped */
};

struct worker {
	pthread_t thread;
	int idx;
	uint64_t rng;
	int priv_fd;
	struct own own[NR_FILES][NR_OWN];
	int nown[NR_FILES];
	uint8_t *ro;		/* two pages: writable, then read-only */
	const char *action;	/* for a report if it hangs */
	unsigned long fails;
	unsigned long counts[C_NR][NR_ERRS];
};

/* State every thread shares. */
static struct {
	pthread_mutex_t lock;		/* guards slots[] */
	struct slot slots[NR_SLOTS];
	unsigned long gen;		/* bumped before a slot's fd closes */
	int heap_fds[NR_HEAPS];
	int dma_fds[NR_SHARED];
	char engine[16];
	uint64_t align;		/* of job offsets and lengths */
	bool edu;
	uint64_t max_job;
	int stop;
	unsigned long ioctls;		/* so far, for the stop condition */
	long long last_job_ms;		/* edu: when the last job went */
	int logged;			/* failures printed */
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* xorshift64*: each thread its own sequence. */
static uint64_t rnd64(struct worker *w)
{
	uint64_t x = w->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n). */
static uint64_t rnd(struct worker *w, uint64_t n)
{
	return (rnd64(w) >> 16) % n;
}

static void fail(struct worker *w, enum call kind, int err, const char *what)
{
	char buf[24];

	w->fails++;
	if (__atomic_fetch_add(&g.logged, 1, __ATOMIC_RELAXED) <
	    MAX_FAIL_LOGS)
		fprintf(stderr, "# thread %d: %s: %s: %s\n", w->idx,
			call_names[kind], errno_name(err, buf, sizeof(buf)),
			what);
}

/*
 * Count the result @err (0 or an errno) of a call of @kind. It is a
 * failure, reported with @what, unless listed in @allowed, or in stale_fd
 * when @stale says the fd used may have been closed meanwhile. Returns
 * whether it was allowed.
 */
static bool check_why(struct worker *w, enum call kind, int err,
		      const int *allowed, bool stale, const char *what)
{
	w->counts[kind][err >= 0 && err < NR_ERRS ? err : NR_ERRS - 1]++;
	if (kind < C_NR_IOCTLS)
		__atomic_fetch_add(&g.ioctls, 1, __ATOMIC_RELAXED);
	if (in_set(err, allowed) || (stale && in_set(err, stale_fd)))
		return true;
	if (!what)
		what = err ? "errno not allowed here" :
			     "succeeded where it must fail";
	fail(w, kind, err, what);
	return false;
}

static bool check(struct worker *w, enum call kind, int err,
		  const int *allowed, bool stale)
{
	return check_why(w, kind, err, allowed, stale, NULL);
}

static long stress_ioctls(void)
{
	return (long)__atomic_load_n(&g.ioctls, __ATOMIC_RELAXED);
}

static int sys_err(int ret)
{
	return ret < 0 ? errno : 0;
}

static void close_checked(struct worker *w, int fd)
{
	check(w, C_CLOSE, sys_err(close(fd)), ok_only, false);
}

static unsigned long gen_now(void)
{
	return __atomic_load_n(&g.gen, __ATOMIC_ACQUIRE);
}

/* Copy a random used slot; false when the table is empty. */
static bool slot_get(struct worker *w, struct slot *s, unsigned long *gen)
{
	unsigned int i, start = rnd(w, NR_SLOTS);
	bool found = false;

	pthread_mutex_lock(&g.lock);
	for (i = 0; i < NR_SLOTS && !found; i++) {
		*s = g.slots[(start + i) % NR_SLOTS];
		found = s->fd >= 0;
	}
	*gen = gen_now();
	pthread_mutex_unlock(&g.lock);
	return found;
}

/* Take a slot's fd out of the table: the caller closes it. */
static int slot_take(unsigned int i, const struct slot *with)
{
	int fd;

	pthread_mutex_lock(&g.lock);
	fd = g.slots[i].fd;
	if (with)
		g.slots[i] = *with;
	else
		g.slots[i].fd = -1;
	if (fd >= 0)
		__atomic_add_fetch(&g.gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g.lock);
	return fd;
}

static int file_fd(struct worker *w, int f)
{
	return f == PRIV ? w->priv_fd : g.dma_fds[f];
}

/* One of the shared files, or (one time in four) the thread's own. */
static int pick_file(struct worker *w)
{
	int f = rnd(w, NR_FILES);

	return f == PRIV && w->priv_fd < 0 ? 0 : f;
}

static bool dir_allowed(int mode, uint32_t dir)
{
	switch (dir) {
	case XBUF_DMA_TO_DEVICE:
		return mode != O_WRONLY;
	case XBUF_DMA_FROM_DEVICE:
		return mode != O_RDONLY;
	default:
		return mode == O_RDWR;
	}
}

static int own_find(struct worker *w, int f, uint32_t id)
{
	int i;

	for (i = 0; i < w->nown[f]; i++)
		if (w->own[f][i].id == id)
			return i;
	return -1;
}

static void own_drop(struct worker *w, int f, int i)
{
	w->own[f][i] = w->own[f][--w->nown[f]];
}

/* A random handle of ours mapped so the device may do @dir, or -1. */
static int own_mapped(struct worker *w, int f, uint32_t dir)
{
	int n = w->nown[f], start, i;

	if (!n)
		return -1;
	start = rnd(w, n);
	for (i = 0; i < n; i++) {
		struct own *o = &w->own[f][(start + i) % n];

		if (o->dir == (int)dir || o->dir == XBUF_DMA_BIDIRECTIONAL)
			return (start + i) % n;
	}
	return -1;
}

/*
 * Pick a handle: one of ours (*own set to its index), or a guess in
 * 1..GUESS_MAX (*own set to its index if it happens to be ours, else -1).
 */
static uint32_t pick_handle(struct worker *w, int f, int *own)
{
	uint32_t id;

	if (w->nown[f] && rnd(w, 5) < 3) {
		*own = rnd(w, w->nown[f]);
		return w->own[f][*own].id;
	}
	id = 1 + rnd(w, GUESS_MAX);
	*own = own_find(w, f, id);
	return id;
}

/*
 * Place a copy of @arg where the kernel cannot write it back: at the
 * start of the read-only page, or straddling the end of the writable page
 * before it. NULL if the page could not be prepared.
 */
static void *ro_arg(struct worker *w, const void *arg, size_t len)
{
	size_t pg = page_size(), off = pg;

	if (rnd(w, 2))
		off -= 8 * (1 + rnd(w, (len - 1) / 8));
	if (!check(w, C_MPROTECT, sys_err(mprotect(w->ro + pg, pg,
						   PROT_READ | PROT_WRITE)),
		   ok_only, false))
		return NULL;
	memcpy(w->ro + off, arg, len);
	if (!check(w, C_MPROTECT, sys_err(mprotect(w->ro + pg, pg, PROT_READ)),
		   ok_only, false))
		return NULL;
	return w->ro + off;
}

static bool job_allowed(void)
{
	long long now, last;

	if (!g.edu)
		return true;
	now = now_ms();
	last = __atomic_load_n(&g.last_job_ms, __ATOMIC_RELAXED);
	if (now - last < EDU_JOB_GAP_MS)
		return false;
	return __atomic_compare_exchange_n(&g.last_job_ms, &last, now, false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static void act_alloc(struct worker *w)
{
	uint64_t r = rnd(w, 20), len = 1 + rnd(w, MAX_BUF);
	int mode = r < 16 ? O_RDWR : r < 19 ? O_RDONLY : O_WRONLY;
	struct slot s = { .size = page_align(len), .mode = mode };
	int old;

	s.fd = heap_alloc(g.heap_fds[rnd(w, NR_HEAPS)], len, mode | O_CLOEXEC);
	check(w, C_ALLOC, s.fd < 0 ? -s.fd : 0, alloc_ok, false);
	if (s.fd < 0)
		return;
	old = slot_take(rnd(w, NR_SLOTS), &s);
	if (old >= 0)
		close_checked(w, old);
}

static void act_alloc_ro(struct worker *w)
{
	struct dma_heap_allocation_data data = {
		.len = 1 + rnd(w, MAX_BUF),
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	void *arg = ro_arg(w, &data, sizeof(data));
	int ret;

	if (!arg)
		return;
	ret = ioctl(g.heap_fds[rnd(w, NR_HEAPS)], DMA_HEAP_IOCTL_ALLOC, arg);
	check(w, C_ALLOC_RO, sys_err(ret), alloc_ro, false);
}

static void act_close(struct worker *w)
{
	unsigned int i, start = rnd(w, NR_SLOTS);
	int fd = -1;

	for (i = 0; i < NR_SLOTS && fd < 0; i++)
		fd = slot_take((start + i) % NR_SLOTS, NULL);
	if (fd >= 0)
		close_checked(w, fd);
}

static void touch(uint8_t *p, size_t len, bool write)
{
	size_t pg = page_size(), i;

	for (i = 0; i < len; i += pg) {
		uint8_t v = __atomic_load_n(p + i, __ATOMIC_RELAXED);

		if (write)
			__atomic_store_n(p + i, v + 1, __ATOMIC_RELAXED);
	}
}

static void buf_sync_checked(struct worker *w, int fd, uint64_t flags,
			     unsigned long gen)
{
	struct dma_buf_sync sync = { .flags = flags };
	int ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);

	check(w, C_SYNC, sys_err(ret), sync_ok, gen_now() != gen);
}

/* Let a child process touch the mapping too, and exit cleanly. */
static void fork_touch(struct worker *w, uint8_t *p, size_t len, bool write)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		touch(p, len, write);
		_exit(0);
	}
	if (!check(w, C_FORK, sys_err(pid), fork_ok, false) || pid < 0)
		return;
	if (waitpid(pid, &status, 0) != pid) {
		fail(w, C_CHILD, errno, "waitpid");
		return;
	}
	w->counts[C_CHILD][0]++;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail(w, C_CHILD, 0, WIFSIGNALED(status) ?
			"killed by a signal touching the inherited mapping" :
			"exited with an error");
}

/* mmap a shared buffer, touch every page, maybe fork, munmap. */
static void mmap_touch(struct worker *w, bool do_fork)
{
	unsigned long gen;
	bool refused, write;
	struct slot s;
	uint8_t *p;
	int prot;

	if (!slot_get(w, &s, &gen))
		return act_alloc(w);
	prot = PROT_READ | PROT_WRITE;
	if (s.mode == O_RDONLY && rnd(w, 8))
		prot = PROT_READ;
	/* Every mapping needs a readable fd; a writable one a writable fd. */
	refused = s.mode == O_WRONLY ||
		  (s.mode == O_RDONLY && (prot & PROT_WRITE));
	write = prot & PROT_WRITE;

	p = mmap(NULL, s.size, prot, MAP_SHARED, s.fd, 0);
	if (!check(w, C_MMAP, p == MAP_FAILED ? errno : 0,
		   refused ? eacces : mmap_ok, gen_now() != gen) ||
	    p == MAP_FAILED) {
		if (p != MAP_FAILED)
			munmap(p, s.size);
		return;
	}
	if (rnd(w, 2))
		buf_sync_checked(w, s.fd, DMA_BUF_SYNC_START |
			(write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ), gen);
	touch(p, s.size, write);
	if (do_fork)
		fork_touch(w, p, s.size, write);
	if (rnd(w, 2))
		buf_sync_checked(w, s.fd, DMA_BUF_SYNC_END |
			(write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ), gen);
	check(w, C_MUNMAP, sys_err(munmap(p, s.size)), ok_only, false);
}

static void act_mmap(struct worker *w)
{
	mmap_touch(w, false);
}

static void act_fork(struct worker *w)
{
	mmap_touch(w, true);
}

static void act_sync(struct worker *w)
{
	static const uint64_t rw[] = {
		DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
	};
	uint64_t flags;
	unsigned long gen;
	struct slot s;

	if (!slot_get(w, &s, &gen))
		return act_alloc(w);
	flags = rw[rnd(w, ARRAY_SIZE(rw))];
	buf_sync_checked(w, s.fd, DMA_BUF_SYNC_START | flags, gen);
	buf_sync_checked(w, s.fd, DMA_BUF_SYNC_END | flags, gen);
}

static void info(struct worker *w, bool ro)
{
	struct xbuf_dma_info info = { 0 };
	void *arg = ro ? ro_arg(w, &info, sizeof(info)) : &info;
	int ret;

	if (!arg)
		return;
	ret = ioctl(file_fd(w, pick_file(w)), XBUF_DMA_IOC_INFO, arg);
	if (check(w, ro ? C_INFO_RO : C_INFO, sys_err(ret),
		  ro ? efault : ok_only, false) &&
	    !ro && strncmp(info.engine, g.engine, sizeof(info.engine)))
		fail(w, C_INFO, 0, "the engine changed its name");
}

static void act_info(struct worker *w)
{
	info(w, false);
}

static void act_info_ro(struct worker *w)
{
	info(w, true);
}

static int handle_ioctl(int fd, unsigned long cmd, uint32_t id)
{
	struct xbuf_dma_handle_arg h = { .handle = id };

	return sys_err(ioctl(fd, cmd, &h));
}

/*
 * Detach handle @id of file @f. On the private file the thread knows
 * everything: a handle of its own detaches or is busy with a job, any
 * other number names nothing (@why says what it means if it does).
 */
static void detach(struct worker *w, int f, uint32_t id, int own,
		   const char *why)
{
	int err = handle_ioctl(file_fd(w, f), XBUF_DMA_IOC_DETACH, id);
	const int *allowed = detach_ok;

	if (f == PRIV)
		allowed = own >= 0 ? ok_ebusy : enoent;
	check_why(w, C_DETACH, err, allowed, false, why);
	if (own >= 0 && (!err || err == ENOENT))
		own_drop(w, f, own);
}

/*
 * After an attach with a read-only argument failed on the private file,
 * no handle may have been left behind: every number that is not one of
 * the thread's handles still names nothing.
 */
static void probe_private(struct worker *w)
{
	uint32_t id, max = 0;
	int i;

	for (i = 0; i < w->nown[PRIV]; i++)
		if (w->own[PRIV][i].id > max)
			max = w->own[PRIV][i].id;
	for (id = 1; id <= max + 1; id++)
		if (own_find(w, PRIV, id) < 0)
			detach(w, PRIV, id, -1,
			       "an attach that failed left a handle");
}

static void attach(struct worker *w, bool ro)
{
	struct xbuf_dma_attach at = { 0 };
	int f = pick_file(w), err;
	unsigned long gen;
	struct slot s;
	bool stale;
	void *arg;

	if (w->nown[f] >= NR_OWN)
		detach(w, f, w->own[f][0].id, 0, NULL);
	if (w->nown[f] >= NR_OWN)
		return;
	if (!slot_get(w, &s, &gen))
		return act_alloc(w);
	at.fd = s.fd;
	arg = ro ? ro_arg(w, &at, sizeof(at)) : &at;
	if (!arg)
		return;
	err = sys_err(ioctl(file_fd(w, f), XBUF_DMA_IOC_ATTACH, arg));
	stale = gen_now() != gen;
	check(w, ro ? C_ATTACH_RO : C_ATTACH, err, ro ? attach_ro : attach_ok,
	      stale);
	if (ro) {
		if (err == EFAULT && f == PRIV)
			probe_private(w);
		return;
	}
	if (err)
		return;
	if (at.handle < 1 || at.handle > 4096)
		fail(w, C_ATTACH, 0, "handle out of 1..4096");
	if (!stale && at.size != s.size)
		fail(w, C_ATTACH, 0, "size is not the buffer's");
	w->own[f][w->nown[f]++] = (struct own){
		.id = at.handle, .size = at.size,
		.mode = stale ? -1 : s.mode, .dir = -1,
	};
}

static void act_attach(struct worker *w)
{
	attach(w, false);
}

static void act_attach_ro(struct worker *w)
{
	attach(w, true);
}

static void try_map(struct worker *w, bool ro)
{
	int f = pick_file(w), own, err;
	struct xbuf_dma_map req = { 0 };
	const int *allowed;
	struct own *o;
	void *arg;

	req.handle = pick_handle(w, f, &own);
	req.dir = rnd(w, 3);
	o = own >= 0 ? &w->own[f][own] : NULL;
	allowed = ro ? map_ro : map_ok;
	/*
	 * Its private file the thread knows: a number that is not its
	 * handle names nothing; a mapped handle is busy (and, in a
	 * direction its buffer refuses, may say so first); an unmapped
	 * one maps unless its buffer's access mode refuses the direction.
	 */
	if (f == PRIV && !o)
		allowed = enoent;
	else if (f == PRIV && o->dir >= 0)
		allowed = o->mode >= 0 && dir_allowed(o->mode, req.dir) ?
			  ebusy : ebusy_eacces;
	else if (f == PRIV && o->mode < 0)
		allowed = ro ? map_ro : map_ok;
	else if (f == PRIV && !dir_allowed(o->mode, req.dir))
		allowed = eacces;
	else if (f == PRIV)
		allowed = ro ? map_own_ro : map_own;

	arg = ro ? ro_arg(w, &req, sizeof(req)) : &req;
	if (!arg)
		return;
	err = sys_err(ioctl(file_fd(w, f), XBUF_DMA_IOC_MAP, arg));
	check_why(w, ro ? C_MAP_RO : C_MAP, err, allowed, false,
		  f == PRIV && !o ? "a handle the thread never got is there" :
		  NULL);
	if (!err && !ro) {
		if (!req.nents || !req.dma_len)
			fail(w, C_MAP, 0, "no segments reported");
		if (o)
			o->dir = req.dir;
	}
	/* A mapping whose copy-out failed was undone. */
	if (ro && err == EFAULT && f == PRIV)
		check_why(w, C_UNMAP, handle_ioctl(w->priv_fd,
						   XBUF_DMA_IOC_UNMAP,
						   req.handle), enxio, false,
			  "a map that failed with EFAULT kept its mapping");
}

static void act_map(struct worker *w)
{
	try_map(w, false);
}

static void act_map_ro(struct worker *w)
{
	try_map(w, true);
}

static void act_unmap(struct worker *w)
{
	int f = pick_file(w), own, err;
	const int *allowed = unmap_ok;
	uint32_t id = pick_handle(w, f, &own);
	struct own *o = own >= 0 ? &w->own[f][own] : NULL;
	const char *why = NULL;

	if (f == PRIV && !o) {
		allowed = enoent;
		why = "a handle the thread never got is there";
	} else if (f == PRIV && o->dir < 0) {
		allowed = enxio;
		why = "a handle the thread did not map is mapped";
	} else if (f == PRIV) {
		allowed = ok_ebusy;
	}
	err = handle_ioctl(file_fd(w, f), XBUF_DMA_IOC_UNMAP, id);
	check_why(w, C_UNMAP, err, allowed, false, why);
	if (o && (!err || err == ENXIO))
		o->dir = -1;
}

static void act_detach(struct worker *w)
{
	int f = pick_file(w), own;
	uint32_t id = pick_handle(w, f, &own);

	detach(w, f, id, own, f == PRIV && own < 0 ?
	       "a handle the thread never got is there" : NULL);
}

/* A random job on file @f, mostly on mapped handles of ours. */
static void job_build(struct worker *w, int f, struct xbuf_dma_job *job)
{
	uint64_t ssize = 4 * KIB, dsize = 4 * KIB, lim;
	int i;

	memset(job, 0, sizeof(*job));
	job->op = 1 + rnd(w, 3);
	if (job->op != XBUF_DMA_OP_FILL) {
		i = own_mapped(w, f, XBUF_DMA_TO_DEVICE);
		if (i >= 0 && rnd(w, 4)) {
			job->src = w->own[f][i].id;
			ssize = w->own[f][i].size;
		} else {
			job->src = 1 + rnd(w, GUESS_MAX);
		}
	}
	if (job->op != XBUF_DMA_OP_CHECKSUM) {
		i = own_mapped(w, f, XBUF_DMA_FROM_DEVICE);
		if (i >= 0 && rnd(w, 4)) {
			job->dst = w->own[f][i].id;
			dsize = w->own[f][i].size;
		} else {
			job->dst = 1 + rnd(w, GUESS_MAX);
		}
	}
	lim = g.max_job;
	if (ssize < lim)
		lim = ssize;
	if (dsize < lim)
		lim = dsize;
	job->len = 1 + rnd(w, lim);
	if (job->src)
		job->src_offset = rnd(w, ssize - job->len + 1);
	if (job->dst)
		job->dst_offset = rnd(w, dsize - job->len + 1);
	/*
	 * An engine with an alignment gets mostly jobs it can run (sizes
	 * are multiples of 4 KiB, so the ranges stay within them), and now
	 * and then one it must refuse.
	 */
	if (g.align > 1 && rnd(w, 8)) {
		job->len = align_up(job->len, g.align);
		job->src_offset = align_down(job->src_offset, g.align);
		job->dst_offset = align_down(job->dst_offset, g.align);
	}
	if (job->op == XBUF_DMA_OP_FILL)
		job->pattern = rnd(w, 256);
	if (rnd(w, 2))
		job->flags |= XBUF_DMA_JOB_WAIT;
	if (!rnd(w, 3))
		job->flags |= XBUF_DMA_JOB_OUT_FENCE;
	if (job->op == XBUF_DMA_OP_CHECKSUM)
		job->flags |= XBUF_DMA_JOB_WAIT;
}

static void job_done(struct worker *w, const struct xbuf_dma_job *job)
{
	if (job->flags & XBUF_DMA_JOB_WAIT)
		check(w, C_JOB_STATUS, -job->status, job_status, false);
	if (!(job->flags & XBUF_DMA_JOB_OUT_FENCE)) {
		if (job->fence_fd != -1)
			fail(w, C_JOB, 0, "fence_fd not -1 without OUT_FENCE");
	} else if (job->fence_fd < 0) {
		fail(w, C_JOB, 0, "no fence fd with OUT_FENCE");
	} else {
		close_checked(w, job->fence_fd);
	}
}

static void job(struct worker *w, bool ro)
{
	struct xbuf_dma_job req;
	int f, err;
	void *arg;

	if (!job_allowed())
		return info(w, false);
	f = pick_file(w);
	job_build(w, f, &req);
	arg = ro ? ro_arg(w, &req, sizeof(req)) : &req;
	if (!arg)
		return;
	err = sys_err(ioctl(file_fd(w, f), XBUF_DMA_IOC_JOB, arg));
	check(w, ro ? C_JOB_RO : C_JOB, err, ro ? job_ro : job_ok, false);
	if (!ro && !err)
		job_done(w, &req);
}

static void act_job(struct worker *w)
{
	job(w, false);
}

static void act_job_ro(struct worker *w)
{
	job(w, true);
}

/*
 * Queue fills on the private file, up to the in-flight limit, then close
 * it with the jobs still running and open a new one.
 */
static void act_reopen(struct worker *w)
{
	int i = w->priv_fd >= 0 ? own_mapped(w, PRIV, XBUF_DMA_FROM_DEVICE)
				: -1;
	int n = 0, k, fd;

	if (i >= 0)
		n = g.edu ? job_allowed() : 1 + rnd(w, MAX_BURST);
	for (k = 0; k < n; k++) {
		struct own *o = &w->own[PRIV][i];
		struct xbuf_dma_job req = {
			.op = XBUF_DMA_OP_FILL, .dst = o->id,
			.len = align_up(1 + rnd(w, o->size < 64 ? o->size : 64),
					g.align),
			.pattern = k & 0xff,
		};
		int err = sys_err(ioctl(w->priv_fd, XBUF_DMA_IOC_JOB, &req));

		check(w, C_JOB, err, job_burst, false);
		if (err)
			break;
		if (req.fence_fd != -1)
			fail(w, C_JOB, 0, "fence_fd not -1 without OUT_FENCE");
	}
	if (w->priv_fd >= 0)
		close_checked(w, w->priv_fd);
	w->nown[PRIV] = 0;
	fd = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);
	check(w, C_OPEN, sys_err(fd), open_ok, false);
	w->priv_fd = fd;
}

static const struct action {
	const char *name;
	void (*fn)(struct worker *w);
	unsigned int weight;
} actions[] = {
	{ "info", act_info, 60 },
	{ "info(ro)", act_info_ro, 20 },
	{ "alloc", act_alloc, 50 },
	{ "alloc(ro)", act_alloc_ro, 15 },
	{ "close", act_close, 35 },
	{ "mmap", act_mmap, 40 },
	{ "sync", act_sync, 60 },
	{ "attach", act_attach, 110 },
	{ "attach(ro)", act_attach_ro, 20 },
	{ "map", act_map, 140 },
	{ "map(ro)", act_map_ro, 25 },
	{ "unmap", act_unmap, 120 },
	{ "detach", act_detach, 120 },
	{ "job", act_job, 70 },
	{ "job(ro)", act_job_ro, 10 },
	{ "reopen", act_reopen, 3 },
	{ "fork", act_fork, 2 },
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int total = 0, i;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		total += actions[i].weight;
	while (!__atomic_load_n(&g.stop, __ATOMIC_RELAXED)) {
		unsigned int r = rnd(w, total);

		for (i = 0; r >= actions[i].weight; i++)
			r -= actions[i].weight;
		__atomic_store_n(&w->action, actions[i].name, __ATOMIC_RELAXED);
		actions[i].fn(w);
	}
	__atomic_store_n(&w->action, "exit", __ATOMIC_RELAXED);
	if (w->priv_fd >= 0)
		close_checked(w, w->priv_fd);
	w->priv_fd = -1;
	return NULL;
}

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);

	return s && *s ? strtol(s, NULL, 0) : def;
}

/* Mark the open fds in @open[MAX_FD], but for the directory's own. */
static int fd_snapshot(bool *open)
{
	struct dirent *e;
	DIR *d;

	memset(open, 0, MAX_FD * sizeof(*open));
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd != dirfd(d) && fd < MAX_FD)
			open[fd] = true;
	}
	closedir(d);
	return 0;
}

/* Log the counts of one call, by result. */
static void log_counts(struct __test_metadata *_metadata, enum call kind,
		       unsigned long *counts)
{
	char line[512], buf[24];
	unsigned long total = 0;
	size_t len = 0;
	int e;

	for (e = 0; e < NR_ERRS; e++)
		total += counts[e];
	if (!total)
		return;
	for (e = 0; e < NR_ERRS && len < sizeof(line) - 40; e++)
		if (counts[e])
			len += snprintf(line + len, sizeof(line) - len,
					"%s%s %lu", len ? ", " : "",
					e == NR_ERRS - 1 ? "other" :
					errno_name(e, buf, sizeof(buf)),
					counts[e]);
	TH_LOG("%-15s %8lu: %s", call_names[kind], total, line);
}

FIXTURE(stress) {
	bool skipped;
	bool fds[MAX_FD];
	struct heap_stats heaps[NR_HEAPS];
	long long attached;
	long long mapped;
	struct worker *workers;
	bool running;		/* threads may still be using the state */
};

FIXTURE_SETUP(stress)
{
	int i;

	for (i = 0; i < NR_HEAPS; i++)
		g.heap_fds[i] = -1;
	for (i = 0; i < NR_SHARED; i++)
		g.dma_fds[i] = -1;
	for (i = 0; i < NR_SLOTS; i++)
		g.slots[i].fd = -1;
	ASSERT_EQ(0, fd_snapshot(self->fds));

	for (i = 0; i < NR_HEAPS; i++) {
		g.heap_fds[i] = heap_open(heap_names[i]);
		if (g.heap_fds[i] < 0)
			SETUP_SKIP(return, "/dev/dma_heap/%s: %s (is xbuf_heap loaded?)",
				   heap_names[i], strerror(-g.heap_fds[i]));
		if (heap_stats(heap_names[i], &self->heaps[i]))
			SETUP_SKIP(return, "%s has no line for %s (debugfs not mounted?)",
				   XBUF_DEBUGFS_HEAPS, heap_names[i]);
	}
	for (i = 0; i < NR_SHARED; i++) {
		g.dma_fds[i] = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);
		if (g.dma_fds[i] < 0)
			SETUP_SKIP(return, "/dev/xbuf_dma: %s (is xbuf_dma loaded?)",
				   strerror(errno));
	}
	self->attached = engine_stat("attached");
	if (self->attached < 0)
		SETUP_SKIP(return, "%s: no \"attached\" figure (debugfs not mounted?)",
			   XBUF_DMA_DEBUGFS_ENGINE);
	self->mapped = engine_stat("mapped");
}

FIXTURE_TEARDOWN(stress)
{
	int i;

	/* Failed with threads running: the process exit cleans up. */
	if (self->running)
		return;
	if (self->workers)
		for (i = 0; i < NR_THREADS; i++)
			if (self->workers[i].ro)
				munmap(self->workers[i].ro, 2 * page_size());
	free(self->workers);
	for (i = 0; i < NR_SLOTS; i++)
		if (g.slots[i].fd >= 0)
			close(slot_take(i, NULL));
	for (i = 0; i < NR_SHARED; i++)
		if (g.dma_fds[i] >= 0)
			close(g.dma_fds[i]);
	for (i = 0; i < NR_HEAPS; i++)
		if (g.heap_fds[i] >= 0)
			close(g.heap_fds[i]);
}

TEST_F_TIMEOUT(stress, hostile_threads, STRESS_TIMEOUT)
{
	long seconds = env_long("XBUF_STRESS_SECONDS", DEFAULT_SECONDS);
	long min_ops = env_long("XBUF_STRESS_MIN_OPS", DEFAULT_MIN_OPS);
	static unsigned long counts[C_NR][NR_ERRS];
	struct xbuf_dma_info dinfo = { 0 };
	unsigned long ioctls = 0, fails = 0;
	struct heap_stats st;
	long long start, deadline, seed, attached, mapped;
	bool fds[MAX_FD], settled = false;
	struct timespec until;
	int i, c, e, ms;

	if (self->skipped)
		return;
	if (seconds < 1 || seconds > MAX_SECONDS) {
		TH_LOG("XBUF_STRESS_SECONDS=%ld: clamped to 1..%d", seconds,
		       MAX_SECONDS);
		seconds = seconds < 1 ? 1 : MAX_SECONDS;
	}
	ASSERT_EQ(0, ioctl(g.dma_fds[0], XBUF_DMA_IOC_INFO, &dinfo));
	memcpy(g.engine, dinfo.engine, sizeof(g.engine));
	g.edu = !strncmp(dinfo.engine, "edu", sizeof(dinfo.engine));
	g.max_job = g.edu ? EDU_MAX_JOB : MAX_JOB;
	g.align = info_align(dinfo.align);
	seed = now_ms() ^ getpid();
	TH_LOG("%d threads for %ld s, engine %.16s (jobs <= %llu bytes, align %llu%s), seed %lld",
	       NR_THREADS, seconds, dinfo.engine,
	       (unsigned long long)g.max_job, (unsigned long long)g.align,
	       g.edu ? ", one per 500 ms" : "", seed);
	if (self->mapped < 0)
		TH_LOG("%s reports no \"mapped\": not checked",
		       XBUF_DMA_DEBUGFS_ENGINE);

	for (i = 0; i < NR_SLOTS / 2; i++) {
		g.slots[i].fd = heap_alloc(g.heap_fds[i % NR_HEAPS],
					   (i + 1) * 8 * KIB,
					   O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, g.slots[i].fd) TH_LOG("%s", heap_names[i % 3]);
		g.slots[i].size = (i + 1) * 8 * KIB;
		g.slots[i].mode = O_RDWR;
	}

	self->workers = calloc(NR_THREADS, sizeof(*self->workers));
	ASSERT_NE(NULL, self->workers);
	for (i = 0; i < NR_THREADS; i++) {
		struct worker *w = &self->workers[i];

		w->idx = i;
		w->rng = (seed + i + 1) * 0x9e3779b97f4a7c15ULL | 1;
		w->priv_fd = open("/dev/xbuf_dma", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, w->priv_fd);
		w->ro = mmap(NULL, 2 * page_size(), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, w->ro);
		ASSERT_EQ(0, mprotect(w->ro + page_size(), page_size(),
				      PROT_READ));
	}
	self->running = true;
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&self->workers[i].thread, NULL,
					    worker_main, &self->workers[i]));

	start = now_ms();
	deadline = start + seconds * 1000;
	while (now_ms() < deadline ||
	       (stress_ioctls() < min_ops &&
		now_ms() < start + MAX_SECONDS * 1000))
		usleep(100000);
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELAXED);
	seconds = (now_ms() - start) / 1000;

	/* A thread that does not finish its last call in 2 min is stuck. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 120;
	for (i = 0; i < NR_THREADS; i++) {
		struct worker *w = &self->workers[i];

		ASSERT_EQ(0, pthread_timedjoin_np(w->thread, NULL, &until))
			TH_LOG("thread %d stuck in %s", i, w->action);
		for (c = 0; c < C_NR; c++)
			for (e = 0; e < NR_ERRS; e++)
				counts[c][e] += w->counts[c][e];
		fails += w->fails;
	}
	self->running = false;

	/* Everything closed: nothing may stay behind. */
	for (i = 0; i < NR_SLOTS; i++)
		if (g.slots[i].fd >= 0)
			EXPECT_EQ(0, close(slot_take(i, NULL)));
	for (i = 0; i < NR_SHARED; i++) {
		EXPECT_EQ(0, close(g.dma_fds[i]));
		g.dma_fds[i] = -1;
	}
	for (i = 0; i < NR_HEAPS; i++) {
		EXPECT_EQ(0, close(g.heap_fds[i]));
		g.heap_fds[i] = -1;
	}
	ASSERT_EQ(0, fd_snapshot(fds));
	for (i = 0; i < MAX_FD; i++) {
		char link[64] = "?", path[32];

		if (!fds[i] || self->fds[i])
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
		if (readlink(path, link, sizeof(link) - 1) < 0)
			strcpy(link, "?");
		EXPECT_FALSE(fds[i]) TH_LOG("fd %d (%s) left open", i, link);
	}

	e = engine_wait_idle(30000);
	if (e == -ENOENT)
		TH_LOG("%s reports no \"inflight\": not checked",
		       XBUF_DMA_DEBUGFS_ENGINE);
	else
		EXPECT_EQ(0, e) TH_LOG("jobs still in flight after 30 s: %lld",
				       engine_stat("inflight"));

	for (ms = 0; !settled && ms <= 10000; ms += 50) {
		if (ms)
			usleep(50000);
		settled = engine_stat("attached") == self->attached &&
			  engine_stat("mapped") == self->mapped;
		for (i = 0; i < NR_HEAPS && settled; i++)
			settled = !heap_stats(heap_names[i], &st) &&
				  st.buffers == self->heaps[i].buffers &&
				  st.bytes == self->heaps[i].bytes;
	}
	attached = engine_stat("attached");
	mapped = engine_stat("mapped");
	EXPECT_EQ(self->attached, attached);
	EXPECT_EQ(self->mapped, mapped);
	for (i = 0; i < NR_HEAPS; i++) {
		ASSERT_EQ(0, heap_stats(heap_names[i], &st));
		EXPECT_EQ(self->heaps[i].buffers, st.buffers)
			TH_LOG("%s: buffers", heap_names[i]);
		EXPECT_EQ(self->heaps[i].bytes, st.bytes)
			TH_LOG("%s: bytes", heap_names[i]);
	}

	for (c = 0; c < C_NR; c++) {
		log_counts(_metadata, c, counts[c]);
		if (c < C_NR_IOCTLS)
			for (e = 0; e < NR_ERRS; e++)
				ioctls += counts[c][e];
	}
	TH_LOG("%lu ioctls in %ld s, %lu failures", ioctls, seconds, fails);
	EXPECT_EQ(0, fails);
	ASSERT_LE(min_ops, (long)ioctls)
		TH_LOG("fewer ioctls than XBUF_STRESS_MIN_OPS=%ld", min_ops);
}

TEST_HARNESS_MAIN
