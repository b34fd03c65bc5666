/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xbufctl, the board user's command for xbuf: what its verbs (one file
 * each) and its helpers share.
 */
#ifndef XBUFCTL_H
#define XBUFCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/xbuf.h>

/* Exit codes, as xbufctl --help lists them. */
#define EXIT_OK		0
#define EXIT_FAILED	1	/* the operation failed */
#define EXIT_USAGE	2	/* unknown verb or option, bad argument */
#define EXIT_UNAVAIL	3	/* no such heap, node or module; no debugfs */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define DMA_HEAP_DIR		"/dev/dma_heap"
#define XBUF_DMA_DEV		"/dev/xbuf_dma"
#define XBUF_SYSFS_HEAPS	"/sys/kernel/xbuf/heaps"
#define DEBUGFS_DIR		"/sys/kernel/debug"
#define XBUF_DEBUGFS		DEBUGFS_DIR "/xbuf"
#define XBUF_DMA_DEBUGFS	DEBUGFS_DIR "/xbuf_dma"

/* Room for size_str(): "1023.9 KiB (18446744073709551615)". */
#define SIZE_STR_LEN	48

/**
 * struct verb - one command of xbufctl
 * @name: what the user types after xbufctl
 * @summary: one line for xbufctl --help
 * @usage: the arguments, after "xbufctl NAME "
 * @help: what it does and its options, for xbufctl NAME --help
 * @run: the verb; gets argv from the verb's name on, returns an exit code
 */
struct verb {
	const char *name;
	const char *summary;
	const char *usage;
	const char *help;
	int (*run)(const struct verb *verb, int argc, char **argv);
};

extern const struct verb verb_heaps;
extern const struct verb verb_alloc;
extern const struct verb verb_stats;
extern const struct verb verb_dma_test;
extern const struct verb verb_bench;

/*
 * An error, on stderr after "xbufctl: ". @fmt is a string literal: the
 * compiler checks the arguments against it.
 */
#define ctl_err(fmt, ...)						\
	((void)fflush(stdout),						\
	 (void)fprintf(stderr, "xbufctl: " fmt "\n", ##__VA_ARGS__))

/* A usage error of @verb: the message and a hint on stderr; EXIT_USAGE. */
#define verb_usage_error(verb, fmt, ...)				\
	(ctl_err(fmt, ##__VA_ARGS__), verb_usage_hint(verb))

/* main.c */
int verb_getopt(const struct verb *verb, int argc, char **argv,
		const char *shortopts, const struct option *longopts);
int verb_usage_hint(const struct verb *verb);

/* util.c */
int parse_size(const char *s, uint64_t *size);
int parse_u64(const char *s, uint64_t max, uint64_t *v);
const char *size_human(char *buf, uint64_t bytes);
const char *size_str(char *buf, uint64_t bytes);
const char *size_short(char *buf, uint64_t bytes);
uint64_t now_ns(void);
const char *dur_str(char *buf, size_t len, uint64_t ns);
double mb_per_s(uint64_t bytes, uint64_t ns);
int read_line(const char *path, char *buf, size_t len);
int read_u64(const char *path, uint64_t *v);
int file_value(const char *path, const char *key, char *buf, size_t len);
bool module_loaded(const char *name);
int unavail_or_failed(int err);

/* buffer.c: dma-buf buffers from a dma-heap or from vgem */
struct xbuf_buf {
	char exporter[72];	/* "heap:NAME" or "vgem" */
	int fd;
	uint64_t size;
	uint8_t *map;		/* shared mapping of the whole buffer, or NULL */
};

int heap_open(const char *name);
int heap_alloc(int heap_fd, uint64_t len);
const char *heap_errno_hint(int err);
int buf_sync(int fd, uint64_t flags);
int buf_new(struct xbuf_buf *b, const char *exporter, uint64_t size);
int buf_map(struct xbuf_buf *b);
void buf_free(struct xbuf_buf *b);

/* xdma.c: /dev/xbuf_dma */
int xdma_open(struct xbuf_dma_info *info);
uint32_t xdma_align(const struct xbuf_dma_info *info);
int xdma_attach_map(int dma_fd, int buf_fd, uint32_t dir, uint32_t *handle);
int xdma_detach(int dma_fd, uint32_t handle);
int xdma_job(int dma_fd, struct xbuf_dma_job *job);

#endif /* XBUFCTL_H */
