// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl, the board user's command (tools/xbuf/xbufctl), run as a user
 * runs it: its help and exit codes, and what it prints checked against
 * sysfs, debugfs and the data the engine moved.
 *
 * xbufctl is the program $XBUFCTL names, else the one next to this test.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "xbuf_drm.h"
#include "xbuf_util.h"

#define OUT_MAX			(64 * 1024)
#define MAX_ARGS		16

static const char *const xbuf_heaps[] = {
	"xbuf", "xbuf-contig", "xbuf-uncached",
};

static const char *const verbs[] = {
	"heaps", "alloc", "stats", "dma-test", "bench",
};

/* One run of xbufctl: what it printed and how it ended. */
struct ctl {
	pid_t pid;
	int out_fd, err_fd;
	size_t out_len, err_len;
	int status;		/* the exit status, or 128 + the signal */
	char out[OUT_MAX];
	char err[OUT_MAX];
};

/*
 * xbufctl's path, from $XBUFCTL or next to this program: 0, or -1 with
 * the reason in @why.
 */
static int find_xbufctl(char *path, size_t len, char *why, size_t wlen)
{
	const char *env = getenv("XBUFCTL");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(path, len, "%s", env);
		if (access(path, X_OK)) {
			snprintf(why, wlen, "$XBUFCTL=%.256s: %s", env,
				 strerror(errno));
			return -1;
		}
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		snprintf(why, wlen, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	exe[n] = 0;
	snprintf(path, len, "%s/xbufctl", dirname(exe));
	if (access(path, X_OK)) {
		snprintf(why, wlen, "%.256s: %s, and $XBUFCTL is not set",
			 path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Start xbufctl with the NULL-terminated @args: 0 or -errno. */
static int ctl_start(struct ctl *c, const char *path,
		     const char *const *args)
{
	const char *argv[MAX_ARGS + 2] = { "xbufctl" };
	int out[2], errp[2], i;

	for (i = 0; args[i] && i < MAX_ARGS; i++)
		argv[i + 1] = args[i];
	c->out_len = 0;
	c->err_len = 0;
	c->out[0] = 0;
	c->err[0] = 0;
	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (!c->pid) {
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		execv(path, (char **)argv);
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	c->out_fd = out[0];
	c->err_fd = errp[0];
	return 0;
}

/* Read what is there of @fd into @buf; false at end of file. */
static bool ctl_read(int fd, char *buf, size_t *len)
{
	char scratch[4096];
	ssize_t n;

	if (*len < OUT_MAX - 1)
		n = read(fd, buf + *len, OUT_MAX - 1 - *len);
	else
		n = read(fd, scratch, sizeof(scratch));	/* drop the rest */
	if (n <= 0)
		return false;
	if (*len < OUT_MAX - 1) {
		*len += (size_t)n;
		buf[*len] = 0;
	}
	return true;
}

/*
 * Collect output for up to @ms milliseconds (-1: until both pipes end),
 * or until stdout holds @until. Whether the pipes ended.
 */
static bool ctl_collect(struct ctl *c, int ms, const char *until)
{
	struct pollfd pfd[2] = {
		{ .fd = c->out_fd, .events = POLLIN },
		{ .fd = c->err_fd, .events = POLLIN },
	};

	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (until && strstr(c->out, until))
			return false;
		if (poll(pfd, 2, ms) <= 0)
			return false;
		if (pfd[0].revents && !ctl_read(c->out_fd, c->out, &c->out_len))
			pfd[0].fd = -1;
		if (pfd[1].revents && !ctl_read(c->err_fd, c->err, &c->err_len))
			pfd[1].fd = -1;
	}
	return true;
}

/* Wait for the end of a started xbufctl: its status. */
static int ctl_finish(struct ctl *c)
{
	int status;

	ctl_collect(c, -1, NULL);
	close(c->out_fd);
	close(c->err_fd);
	if (waitpid(c->pid, &status, 0) < 0)
		return c->status = -1;
	c->status = WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status);
	return c->status;
}

/* Run xbufctl with the arguments up to NULL: its exit status, or -1. */
static int ctl_run(struct ctl *c, const char *path, ...)
{
	const char *args[MAX_ARGS + 1];
	va_list ap;
	int n = 0;

	va_start(ap, path);
	while (n < MAX_ARGS && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	if (ctl_start(c, path, args))
		return c->status = -1;
	return ctl_finish(c);
}

/* Whether @text has @needle. */
static bool has(const char *text, const char *needle)
{
	return strstr(text, needle);
}

/* The line of @text that starts with @prefix, copied to @line; or NULL. */
static char *find_line(const char *text, const char *prefix, char *line,
		       size_t len)
{
	size_t plen = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, plen)) {
			snprintf(line, len, "%.*s", (int)strcspn(p, "\n"), p);
			return line;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* The row of heap @name in the output of xbufctl heaps, as words. */
static int heap_row(const char *out, const char *name, char words[][64],
		    int max)
{
	char line[1024], prefix[80], *w, *save;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "%s ", name);
	if (!find_line(out, prefix, line, sizeof(line)))
		return -1;
	for (w = strtok_r(line, " ", &save); w && n < max;
	     w = strtok_r(NULL, " ", &save))
		snprintf(words[n++], 64, "%s", w);
	return n;
}

/* "4.0MiB", "512B": bytes, or -1. */
static double human_size(const char *s)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	char *end;
	double v = strtod(s, &end);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(units); i++, v *= 1024)
		if (!strcmp(end, units[i]))
			return v;
	return -1;
}

/* The first number after @key at the start of a line of @text, or -1. */
static long long out_number(const char *text, const char *key)
{
	char line[256];

	if (!find_line(text, key, line, sizeof(line)))
		return -1;
	return strtoll(line + strlen(key), NULL, 10);
}

FIXTURE(ctl) {
	bool skipped;
	char path[PATH_MAX];
	struct ctl *c;
};

FIXTURE_SETUP(ctl)
{
	char why[512];

	self->c = malloc(sizeof(*self->c));
	ASSERT_TRUE(!!self->c);
	if (find_xbufctl(self->path, sizeof(self->path), why, sizeof(why)))
		SETUP_SKIP(return, "no xbufctl: %s", why);
}

FIXTURE_TEARDOWN(ctl)
{
	free(self->c);
}

/*
 * Whether a test runs: xbufctl was found, there is an xbuf heap and, for
 * @dma, /dev/xbuf_dma. Says why not.
 */
static bool need(struct __test_metadata *_metadata, bool skipped, bool dma)
{
	if (skipped)
		return false;
	if (access("/dev/dma_heap/xbuf", F_OK))
		SKIP(return false, "/dev/dma_heap/xbuf: %s (is xbuf_heap loaded?)",
		     strerror(errno));
	if (dma && access("/dev/xbuf_dma", F_OK))
		SKIP(return false, "/dev/xbuf_dma: %s (is xbuf_dma loaded?)",
		     strerror(errno));
	return true;
}

TEST_F(ctl, help_of_every_verb)
{
	char usage[64];
	unsigned int i;

	if (self->skipped)
		return;
	ASSERT_EQ(0, ctl_run(self->c, self->path, "--help", NULL));
	for (i = 0; i < ARRAY_SIZE(verbs); i++) {
		EXPECT_TRUE(has(self->c->out, verbs[i]))
			TH_LOG("xbufctl --help does not list %s", verbs[i]);
	}
	EXPECT_TRUE(has(self->c->out, "Exit status"));
	for (i = 0; i < ARRAY_SIZE(verbs); i++) {
		EXPECT_EQ(0, ctl_run(self->c, self->path, verbs[i], "--help",
				     NULL));
		snprintf(usage, sizeof(usage), "usage: xbufctl %s", verbs[i]);
		EXPECT_TRUE(has(self->c->out, usage))
			TH_LOG("xbufctl %s --help: %s", verbs[i], self->c->out);
	}
}

/* Usage errors exit with 2 and say something on stderr. */
TEST_F(ctl, usage_errors_exit_2)
{
	static const char *const bad[][4] = {
		{ "frobnicate" },
		{ "heaps", "--frobnicate" },
		{ "alloc", "--frobnicate", "4K" },
		{ "alloc" },
		{ "alloc", "0" },
		{ "alloc", "-1" },
		{ "alloc", "1Q" },
		{ "alloc", "4K", "4K" },
		{ "alloc", "--fill", "256", "4K" },
		{ "alloc", "--heap" },
		{ "dma-test", "--op", "frobnicate" },
		{ "dma-test", "--src", "frobnicate" },
		{ "dma-test", "--iterations", "0" },
		{ "bench", "--sizes", "4K,x" },
		{ "stats", "extra" },
	};
	unsigned int i;

	if (self->skipped)
		return;
	EXPECT_EQ(2, ctl_run(self->c, self->path, NULL));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(2, ctl_run(self->c, self->path, bad[i][0], bad[i][1],
				     bad[i][2], bad[i][3], NULL))
			TH_LOG("xbufctl %s %s %s: %s", bad[i][0],
			       bad[i][1] ?: "", bad[i][2] ?: "", self->c->err);
		EXPECT_LT(0, self->c->err_len);
	}
}

TEST_F(ctl, missing_heap_exits_3)
{
	if (self->skipped)
		return;
	EXPECT_EQ(3, ctl_run(self->c, self->path, "alloc", "--heap",
			     "nosuchheap", "4K", NULL));
	EXPECT_TRUE(has(self->c->err, "nosuchheap"));
	EXPECT_EQ(3, ctl_run(self->c, self->path, "dma-test", "--src",
			     "heap:nosuchheap", NULL));
	EXPECT_EQ(3, ctl_run(self->c, self->path, "bench", "--heap",
			     "nosuchheap", NULL));
}

/* What a column of xbufctl heaps --bytes shows for a sysfs value. */
static void expected_cell(const char *file, const char *value, char *cell,
			  size_t len)
{
	if (!strcmp(file, "contiguous") || !strcmp(file, "dma32") ||
	    !strcmp(file, "accounted"))
		snprintf(cell, len, "%s", !strcmp(value, "1") ? "yes" :
					  !strcmp(value, "0") ? "no" : value);
	else if (!strcmp(file, "max_heap_bytes") && !strcmp(value, "0"))
		snprintf(cell, len, "none");
	else
		snprintf(cell, len, "%s", value);
}

/*
 * Every column of xbufctl heaps --bytes between the heap's name and
 * ABOUT is the sysfs file of that name, shown as it is there (booleans as
 * yes or no, no heap limit as none); without --bytes sizes are rounded.
 */
TEST_F(ctl, heaps_agree_with_sysfs)
{
	char header[16][64], row[16][64], human[16][64], out[OUT_MAX];
	char value[64], cell[64], file[64];
	int ncols, col, k, missing;
	unsigned int i;

	if (!need(_metadata, self->skipped, false))
		return;
	ASSERT_EQ(0, ctl_run(self->c, self->path, "heaps", NULL));
	snprintf(out, sizeof(out), "%s", self->c->out);
	for (i = 0, missing = 0; i < ARRAY_SIZE(xbuf_heaps); i++) {
		const char *heap = xbuf_heaps[i];

		if (heap_row(out, heap, row, 16) <= 0) {
			TH_LOG("no line for %s", heap);
			missing++;
		}
	}
	ASSERT_EQ(0, missing) TH_LOG("xbufctl heaps:\n%s", out);
	if (access(XBUF_SYSFS_HEAPS, F_OK))
		SKIP(return, "%s: %s: this xbuf_heap has no properties to compare",
		     XBUF_SYSFS_HEAPS, strerror(errno));

	ASSERT_EQ(0, ctl_run(self->c, self->path, "heaps", "--bytes", NULL));
	ncols = heap_row(self->c->out, "HEAP", header, 16);
	ASSERT_EQ(10, ncols);
	ASSERT_STREQ("ABOUT", header[ncols - 1]);
	for (i = 0; i < ARRAY_SIZE(xbuf_heaps); i++) {
		ASSERT_LE(ncols, heap_row(self->c->out, xbuf_heaps[i], row, 16));
		ASSERT_LE(ncols, heap_row(out, xbuf_heaps[i], human, 16));
		for (col = 1; col < ncols - 1; col++) {
			for (k = 0; header[col][k] && k < 63; k++)
				file[k] = (char)tolower(header[col][k]);
			file[k] = 0;
			ASSERT_EQ(0, heap_prop_str(xbuf_heaps[i], file, value,
						   sizeof(value)))
				TH_LOG("%s%s/%s", XBUF_SYSFS_HEAPS,
				       xbuf_heaps[i], file);
			expected_cell(file, value, cell, sizeof(cell));
			EXPECT_STREQ(cell, row[col])
				TH_LOG("%s: %s", xbuf_heaps[i], file);
			/* The human form: the same, or the size within 5%. */
			if (strcmp(cell, human[col])) {
				double h = human_size(human[col]);
				double v = strtod(value, NULL);

				EXPECT_TRUE(h >= v * 0.95 && h <= v * 1.05)
					TH_LOG("%s: %s %s for %s", xbuf_heaps[i],
					       file, human[col], value);
			}
		}
	}
}

/* Heaps that are not xbuf's show no property, and say so. */
TEST_F(ctl, other_heaps_have_no_properties)
{
	char row[16][64], path[PATH_MAX], out[OUT_MAX];
	struct dirent *d;
	int n, others = 0, col;
	DIR *dir;

	if (!need(_metadata, self->skipped, false))
		return;
	if (access(XBUF_SYSFS_HEAPS, F_OK))
		SKIP(return, "%s: %s: xbuf's heaps cannot be told from others",
		     XBUF_SYSFS_HEAPS, strerror(errno));
	ASSERT_EQ(0, ctl_run(self->c, self->path, "heaps", NULL));
	snprintf(out, sizeof(out), "%s", self->c->out);
	dir = opendir("/dev/dma_heap");
	ASSERT_TRUE(!!dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		n = heap_row(out, d->d_name, row, 16);
		EXPECT_LE(10, n) TH_LOG("no line for %s", d->d_name);
		snprintf(path, sizeof(path), XBUF_SYSFS_HEAPS "%s", d->d_name);
		if (n < 10 || !access(path, F_OK))
			continue;
		others++;
		for (col = 1; col < 9; col++)
			EXPECT_STREQ("-", row[col]) TH_LOG("%s", d->d_name);
		EXPECT_STREQ("not", row[9]) TH_LOG("%s", d->d_name);
	}
	closedir(dir);
	if (!others)
		SKIP(return, "no dma-heap here but xbuf's");
}

TEST_F(ctl, alloc_fill_and_describe)
{
	char line[256];

	if (!need(_metadata, self->skipped, false))
		return;
	ASSERT_EQ(0, ctl_run(self->c, self->path, "alloc", "--fill", "0x5a",
			     "1M", "--hold", "0", NULL))
		TH_LOG("%s", self->c->err);
	ASSERT_TRUE(!!find_line(self->c->out, "size:", line, sizeof(line)));
	EXPECT_TRUE(has(line, "1048576")) TH_LOG("%s", line);
	ASSERT_TRUE(!!find_line(self->c->out, "exp_name:", line,
				sizeof(line)));
	EXPECT_TRUE(has(line, "xbuf")) TH_LOG("%s", line);
	EXPECT_TRUE(!!find_line(self->c->out, "inode:", line, sizeof(line)));
	ASSERT_TRUE(!!find_line(self->c->out, "fill:", line, sizeof(line)));
	EXPECT_TRUE(has(line, "0x5a"));

	/* A partial page is rounded up, from any of xbuf's heaps. */
	ASSERT_EQ(0, ctl_run(self->c, self->path, "alloc", "--heap",
			     "xbuf-contig", "--hold", "0", "5000", NULL))
		TH_LOG("%s", self->c->err);
	ASSERT_TRUE(!!find_line(self->c->out, "size:", line, sizeof(line)));
	EXPECT_TRUE(has(line, page_size() == 4096 ? "8192" : "("))
		TH_LOG("%s", line);
}

/* The hold ends at SIGTERM, and the buffer goes with it. */
TEST_F(ctl, alloc_hold_ends_on_sigterm)
{
	static const char *const args[] = {
		"alloc", "--heap", "xbuf-uncached", "4M", NULL
	};
	struct heap_stats before, held;

	if (!need(_metadata, self->skipped, false))
		return;
	if (heap_stats("xbuf-uncached", &before))
		SKIP(return, "%s: no line for xbuf-uncached (debugfs not mounted?)",
		     XBUF_DEBUGFS_HEAPS);
	ASSERT_EQ(0, ctl_start(self->c, self->path, args));
	ctl_collect(self->c, 10000, "hold:");
	ASSERT_TRUE(has(self->c->out, "hold:")) {
		kill(self->c->pid, SIGKILL);
		ctl_finish(self->c);
	}
	EXPECT_EQ(0, heap_stats("xbuf-uncached", &held));
	EXPECT_EQ(before.buffers + 1, held.buffers);
	EXPECT_EQ(before.bytes + 4 * 1024 * 1024, held.bytes);
	ASSERT_EQ(0, kill(self->c->pid, SIGTERM));
	EXPECT_EQ(0, ctl_finish(self->c)) TH_LOG("%s", self->c->err);
	EXPECT_TRUE(has(self->c->out, "released on SIGTERM"));
	EXPECT_EQ(0, heap_stats("xbuf-uncached", &held));
	EXPECT_EQ(before.buffers, held.buffers);
}

/* Beyond the heap's largest buffer: exit 1, and the errno's text. */
TEST_F(ctl, alloc_beyond_max_buffer_fails)
{
	struct heap_stats st;
	unsigned long long max;
	unsigned int i;
	char size[32];

	if (!need(_metadata, self->skipped, false))
		return;
	for (i = 0; i < ARRAY_SIZE(xbuf_heaps); i++) {
		if (!heap_prop_str(xbuf_heaps[i], "max_buffer_bytes", size,
				   sizeof(size))) {
			max = strtoull(size, NULL, 10);
		} else if (!heap_stats(xbuf_heaps[i], &st)) {
			max = (unsigned long long)st.max_buffer;
		} else {
			SKIP(return, "no max_buffer_bytes in sysfs nor debugfs for %s",
			     xbuf_heaps[i]);
		}
		snprintf(size, sizeof(size), "%llu", max + page_size());
		EXPECT_EQ(1, ctl_run(self->c, self->path, "alloc", "--heap",
				     xbuf_heaps[i], "--hold", "0", size, NULL))
			TH_LOG("%s: %s", xbuf_heaps[i], self->c->out);
		EXPECT_TRUE(has(self->c->err, strerror(ENOMEM)) ||
			    has(self->c->err, strerror(EFBIG)))
			TH_LOG("%s: %s", xbuf_heaps[i], self->c->err);
	}
}

/* xbufctl stats shows the engine's jobs, and dma-test adds its three. */
TEST_F_TIMEOUT(ctl, stats_count_dma_test_jobs, 300)
{
	long long jobs, after;

	if (!need(_metadata, self->skipped, true))
		return;
	if (engine_stat("jobs") < 0)
		SKIP(return, "%s: no jobs figure (debugfs not mounted?)",
		     XBUF_DMA_DEBUGFS_ENGINE);
	ASSERT_EQ(0, ctl_run(self->c, self->path, "stats", NULL))
		TH_LOG("%s", self->c->err);
	EXPECT_TRUE(has(self->c->out, "xbuf_heap: loaded"));
	EXPECT_TRUE(has(self->c->out, "heap xbuf-contig "));
	EXPECT_TRUE(has(self->c->out, "  pool:\n"));
	jobs = out_number(self->c->out, "  jobs:");
	EXPECT_EQ(engine_stat("jobs"), jobs);

	ASSERT_EQ(0, ctl_run(self->c, self->path, "dma-test", "--op", "all",
			     NULL))
		TH_LOG("%s%s", self->c->out, self->c->err);
	ASSERT_EQ(0, ctl_run(self->c, self->path, "stats", NULL));
	after = out_number(self->c->out, "  jobs:");
	EXPECT_EQ(jobs + 3, after) TH_LOG("%s", self->c->out);
}

/*
 * dma-test of @size (xbufctl's default when NULL): every op verified, or
 * the exit status says otherwise.
 */
static void dma_test(struct __test_metadata *_metadata, struct ctl *c,
		     const char *path, const char *src, const char *dst,
		     const char *size)
{
	static const char *const ops[] = { "copy:", "fill:", "checksum:" };
	char line[256];
	unsigned int i;

	ASSERT_EQ(0, ctl_run(c, path, "dma-test", "--op", "all", "--src", src,
			     "--dst", dst, size ? "--size" : NULL, size, NULL))
		TH_LOG("%s -> %s:\n%s%s", src, dst, c->out, c->err);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		ASSERT_TRUE(!!find_line(c->out, ops[i], line, sizeof(line)))
			TH_LOG("no %s line", ops[i]);
		EXPECT_TRUE(has(line, "verified")) TH_LOG("%s", line);
	}
	EXPECT_TRUE(has(c->out, "3 of 3 ops verified"));
}

TEST_F_TIMEOUT(ctl, dma_test_xbuf_to_contig, 300)
{
	if (!need(_metadata, self->skipped, true))
		return;
	dma_test(_metadata, self->c, self->path, "heap:xbuf",
		 "heap:xbuf-contig", NULL);
}

TEST_F_TIMEOUT(ctl, dma_test_system_heap, 300)
{
	if (!need(_metadata, self->skipped, true))
		return;
	if (access("/dev/dma_heap/system", F_OK))
		SKIP(return, "/dev/dma_heap/system: %s (no CONFIG_DMABUF_HEAPS_SYSTEM)",
		     strerror(errno));
	/*
	 * 192 KiB: the system heap builds larger buffers of 1 MiB chunks
	 * and hands an importer one segment per chunk, which swiotlb cannot
	 * bounce (256 KiB at most): mapping them fails with EIO there, a
	 * limit of that exporter (xbuf's heaps split their segments).
	 */
	dma_test(_metadata, self->c, self->path, "heap:system", "heap:xbuf",
		 "192K");
}

TEST_F_TIMEOUT(ctl, dma_test_vgem, 300)
{
	int fd;

	if (!need(_metadata, self->skipped, true))
		return;
	fd = drm_open_driver("vgem");
	if (fd < 0)
		SKIP(return, "no vgem DRM device (modprobe vgem)");
	close(fd);
	dma_test(_metadata, self->c, self->path, "vgem", "heap:xbuf-uncached",
		 NULL);
}

TEST_F_TIMEOUT(ctl, bench_reports_every_size, 120)
{
	char line[512];

	if (!need(_metadata, self->skipped, false))
		return;
	ASSERT_EQ(0, ctl_run(self->c, self->path, "bench", "--seconds", "2",
			     "--sizes", "4K,1M", NULL))
		TH_LOG("%s%s", self->c->out, self->c->err);
	ASSERT_TRUE(!!find_line(self->c->out, "size 4.0 KiB:", line,
				sizeof(line))) TH_LOG("%s", self->c->out);
	EXPECT_TRUE(has(line, "alloc+close median")) TH_LOG("%s", line);
	ASSERT_TRUE(!!find_line(self->c->out, "size 1.0 MiB:", line,
				sizeof(line))) TH_LOG("%s", self->c->out);
	EXPECT_TRUE(has(line, "mmap+touch+munmap median"))
		TH_LOG("%s", line);
}

TEST_HARNESS_MAIN
