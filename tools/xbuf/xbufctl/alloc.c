// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl alloc: one buffer from a dma-heap, optionally filled through
 * its mapping, described, and held for a while or until a signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "xbufctl.h"

/* Fill through mmap inside a write bracket, read back inside a read one. */
static int alloc_fill(int fd, uint64_t size, uint8_t byte)
{
	uint8_t *p;
	size_t i;
	int ret;

	if ((uint64_t)(size_t)size != size)
		return -EFBIG;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		ctl_err("mmap: %s", strerror(errno));
		return ret;
	}
	ret = buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	if (!ret) {
		memset(p, byte, (size_t)size);
		ret = buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	}
	if (!ret)
		ret = buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	if (ret) {
		ctl_err("DMA_BUF_IOCTL_SYNC: %s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < size && p[i] == byte; i++)
		;
	buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (i < size) {
		ctl_err("read back 0x%02x at offset %zu, wrote 0x%02x", p[i], i,
			byte);
		ret = -EIO;
	}
out:
	munmap(p, (size_t)size);
	return ret;
}

/* The exp_name line of the fd's /proc fdinfo, or "?". */
static void print_exp_name(int fd)
{
	char path[64], name[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (file_value(path, "exp_name", name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	printf("exp_name: %s\n", name);
}

/*
 * Hold for @seconds, or until SIGINT or SIGTERM when @seconds is
 * negative; either signal, blocked in @set, ends the hold early. The
 * signal's name, or NULL when the time ran out.
 */
static const char *alloc_hold(const sigset_t *set, long long seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds };
	int sig;

	if (!seconds)
		return NULL;
	do {
		sig = seconds < 0 ? sigwaitinfo(set, NULL) :
				    sigtimedwait(set, NULL, &ts);
	} while (sig < 0 && errno == EINTR);
	if (sig < 0)
		return NULL;
	return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

static int alloc_run(const struct verb *verb, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "heap", required_argument, NULL, 'H' },
		{ "fill", required_argument, NULL, 'f' },
		{ "hold", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *heap = "xbuf", *sig;
	long long hold = -1;
	char sz[SIZE_STR_LEN];
	int opt, heap_fd, fd;
	uint64_t size, v;
	int fill = -1;
	struct stat st;
	sigset_t set;
	off_t end;

	while ((opt = verb_getopt(verb, argc, argv, ":H:f:s:h",
				  longopts)) != -1) {
		switch (opt) {
		case 'H':
			heap = optarg;
			break;
		case 'f':
			if (parse_u64(optarg, 0xff, &v))
				return verb_usage_error(verb, "bad --fill '%s': 0 to 255",
							optarg);
			fill = (int)v;
			break;
		case 's':
			if (parse_u64(optarg, INT32_MAX, &v))
				return verb_usage_error(verb, "bad --hold '%s': whole seconds",
							optarg);
			hold = (long long)v;
			break;
		}
	}
	if (optind == argc)
		return verb_usage_error(verb, "SIZE missing");
	if (optind < argc - 1)
		return verb_usage_error(verb, "one SIZE, no more");
	if (parse_size(argv[optind], &size))
		return verb_usage_error(verb, "bad SIZE '%s': bytes above 0, with K, M or G",
					argv[optind]);

	heap_fd = heap_open(heap);
	if (heap_fd < 0) {
		ctl_err("%s/%s: %s", DMA_HEAP_DIR, heap, strerror(-heap_fd));
		return unavail_or_failed(heap_fd);
	}
	fd = heap_alloc(heap_fd, size);
	close(heap_fd);
	if (fd < 0) {
		ctl_err("%s: allocation of %s failed: %s (%s)", heap,
			size_str(sz, size), strerror(-fd), heap_errno_hint(fd));
		return EXIT_FAILED;
	}
	/*
	 * Either signal now ends the hold, and only that; until here it
	 * ended the process (and a long allocation with it).
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (fstat(fd, &st)) {
		ctl_err("fstat: %s", strerror(errno));
		return EXIT_FAILED;
	}
	end = lseek(fd, 0, SEEK_END);
	printf("heap:     %s (%s/%s)\n", heap, DMA_HEAP_DIR, heap);
	printf("fd:       %d\n", fd);
	printf("size:     %s\n", size_str(sz, end < 0 ? 0 : (uint64_t)end));
	if (end >= 0 && (uint64_t)end != size)
		printf("          (asked for %llu, rounded up to pages)\n",
		       (unsigned long long)size);
	printf("inode:    %llu\n", (unsigned long long)st.st_ino);
	print_exp_name(fd);
	if (fill >= 0) {
		if (end < 0 || alloc_fill(fd, (uint64_t)end, (uint8_t)fill))
			return EXIT_FAILED;
		printf("fill:     0x%02x written through mmap and read back\n",
		       fill);
	}
	if (hold < 0)
		printf("hold:     until SIGINT or SIGTERM (pid %d)\n", getpid());
	else
		printf("hold:     %lld s\n", hold);
	sig = alloc_hold(&set, hold);
	close(fd);
	printf("released%s%s\n", sig ? " on " : "", sig ? sig : "");
	return EXIT_OK;
}

const struct verb verb_alloc = {
	.name = "alloc",
	.summary = "allocate a buffer from a heap, fill it, hold it",
	.usage = "[--heap NAME] [--fill BYTE] [--hold SECONDS] SIZE",
	.help =
	"Allocate SIZE bytes from " DMA_HEAP_DIR "/NAME (DMA_HEAP_IOCTL_ALLOC),\n"
	"print the buffer's heap, fd, size, inode and exporter name, hold it\n"
	"and release it. SIZE is in bytes, with an optional suffix K, M or G\n"
	"(or KiB, MiB, GiB; binary multiples); 0x for hexadecimal.\n"
	"\n"
	"Options:\n"
	"  --heap NAME      the heap (default: xbuf)\n"
	"  --fill BYTE      write BYTE over the buffer through mmap inside\n"
	"                   DMA_BUF_IOCTL_SYNC brackets, and read it back\n"
	"  --hold SECONDS   keep the buffer that long (default: until SIGINT\n"
	"                   or SIGTERM, which also end a timed hold)\n"
	"  -h, --help       this help\n"
	"\n"
	"Allocation errors (exit status 1): ENOMEM, the heap cannot give\n"
	"that much ever or now; EFBIG, above max_buffer_bytes; ENOSPC, the\n"
	"heap would hold more than max_heap_bytes.\n",
	.run = alloc_run,
};
