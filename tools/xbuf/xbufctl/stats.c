// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl stats: what xbuf_heap and xbuf_dma count, from debugfs
 * (<debugfs>/xbuf/{registration,heaps,pool}, <debugfs>/xbuf_dma/engine)
 * and sysfs (/sys/kernel/xbuf/heaps/<heap>/{buffers,bytes}).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include <linux/magic.h>

#include "xbufctl.h"

#define XBUF_DEBUGFS_HEAPS	XBUF_DEBUGFS "/heaps"
#define XBUF_DEBUGFS_POOL	XBUF_DEBUGFS "/pool"
#define XBUF_DEBUGFS_REG	XBUF_DEBUGFS "/registration"
#define XBUF_DMA_ENGINE		XBUF_DMA_DEBUGFS "/engine"

/* A number of a "key: value" file, or 0 and *@ok false. */
static unsigned long long stat_u64(const char *path, const char *key, bool *ok)
{
	char value[64];
	uint64_t v;

	if (file_value(path, key, value, sizeof(value)) ||
	    parse_u64(value, UINT64_MAX, &v)) {
		*ok = false;
		return 0;
	}
	return v;
}

/* The lines of <debugfs>/xbuf/heaps: "heap buffers bytes max_buffer". */
static int stats_heap_table(void)
{
	char line[256], name[64], sz[SIZE_STR_LEN], max[SIZE_STR_LEN];
	unsigned long long buffers, bytes, max_buffer;
	FILE *f = fopen(XBUF_DEBUGFS_HEAPS, "re");
	int ret = -errno;

	if (!f) {
		ctl_err("%s: %s", XBUF_DEBUGFS_HEAPS, strerror(-ret));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu %llu %llu", name, &buffers, &bytes,
			   &max_buffer) != 4)
			continue;	/* the header */
		printf("  heap %-16s %llu buffer%s, %s; largest buffer %s\n",
		       name, buffers, buffers == 1 ? "" : "s",
		       size_str(sz, bytes), size_str(max, max_buffer));
	}
	fclose(f);
	return 0;
}

/* /sys/kernel/xbuf/heaps/<heap>/{buffers,bytes}, where there. */
static void stats_heap_sysfs(void)
{
	char path[320], sz[SIZE_STR_LEN];
	struct dirent **names;
	uint64_t buffers, bytes;
	int n, i;

	n = scandir(XBUF_SYSFS_HEAPS, &names, NULL, alphasort);
	if (n < 0) {
		printf("  sysfs: %s: %s\n", XBUF_SYSFS_HEAPS, strerror(errno));
		return;
	}
	printf("  sysfs: %s\n", XBUF_SYSFS_HEAPS);
	for (i = 0; i < n; i++) {
		const char *heap = names[i]->d_name;

		if (heap[0] == '.')
			goto next;
		snprintf(path, sizeof(path), XBUF_SYSFS_HEAPS "/%s/buffers",
			 heap);
		if (read_u64(path, &buffers))
			goto next;
		snprintf(path, sizeof(path), XBUF_SYSFS_HEAPS "/%s/bytes", heap);
		if (read_u64(path, &bytes))
			goto next;
		printf("    %-16s %llu buffer%s, %s\n", heap,
		       (unsigned long long)buffers, buffers == 1 ? "" : "s",
		       size_str(sz, bytes));
next:
		free(names[i]);
	}
	free(names);
}

/* Every figure of <debugfs>/xbuf/pool, those in bytes readable. */
static void stats_pool(void)
{
	char line[128], key[64], sz[SIZE_STR_LEN];
	unsigned long long v;
	size_t klen;
	FILE *f;

	f = fopen(XBUF_DEBUGFS_POOL, "re");
	if (!f) {
		printf("  pool: %s: %s\n", XBUF_DEBUGFS_POOL, strerror(errno));
		return;
	}
	printf("  pool:\n");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %llu", key, &v) != 2)
			continue;
		klen = strlen(key);
		if (klen > 6 && !strcmp(key + klen - 6, "_bytes"))
			printf("    %-16s %s\n", key, size_str(sz, v));
		else
			printf("    %-16s %llu\n", key, v);
	}
	fclose(f);
}

static int stats_heap(void)
{
	char reg[32];
	int ret;

	if (!module_loaded("xbuf_heap")) {
		printf("xbuf_heap: not loaded\n");
		return 0;
	}
	if (read_line(XBUF_DEBUGFS_REG, reg, sizeof(reg)))
		snprintf(reg, sizeof(reg), "?");
	printf("xbuf_heap: loaded; heap nodes: %s (%s)\n", reg,
	       !strcmp(reg, "misc") ? "xbuf's own" :
	       !strcmp(reg, "dma-heap") ? "the kernel's dma-heap framework" :
	       "unknown");
	ret = stats_heap_table();
	if (ret)
		return ret;
	stats_pool();
	stats_heap_sysfs();
	return 0;
}

static int stats_dma(void)
{
	char engine[32], device[64], mask[32], iommu[8], align[16];
	char sz[SIZE_STR_LEN], busy[32];
	uint64_t bytes, busy_ns;
	bool ok = true;
	int ret;

	if (!module_loaded("xbuf_dma")) {
		printf("xbuf_dma: not loaded\n");
		return 0;
	}
	ret = file_value(XBUF_DMA_ENGINE, "engine", engine, sizeof(engine));
	if (ret) {
		ctl_err("%s: %s", XBUF_DMA_ENGINE, strerror(-ret));
		return ret;
	}
	if (file_value(XBUF_DMA_ENGINE, "device", device, sizeof(device)))
		snprintf(device, sizeof(device), "?");
	if (file_value(XBUF_DMA_ENGINE, "dma_mask", mask, sizeof(mask)))
		snprintf(mask, sizeof(mask), "?");
	if (file_value(XBUF_DMA_ENGINE, "iommu", iommu, sizeof(iommu)))
		snprintf(iommu, sizeof(iommu), "?");
	if (file_value(XBUF_DMA_ENGINE, "align", align, sizeof(align)))
		snprintf(align, sizeof(align), "1");
	printf("xbuf_dma: loaded; engine %s on %s\n", engine, device);
	printf("  dma_mask: %s, align %s, iommu %s\n", mask, align, iommu);
	printf("  handles:  %llu attached, %llu mapped\n",
	       stat_u64(XBUF_DMA_ENGINE, "attached", &ok),
	       stat_u64(XBUF_DMA_ENGINE, "mapped", &ok));
	printf("  inflight: %llu\n",
	       stat_u64(XBUF_DMA_ENGINE, "inflight", &ok));
	printf("  jobs:     %llu\n",
	       stat_u64(XBUF_DMA_ENGINE, "jobs", &ok));
	printf("  errors:   %llu\n",
	       stat_u64(XBUF_DMA_ENGINE, "errors", &ok));
	bytes = stat_u64(XBUF_DMA_ENGINE, "bytes", &ok);
	busy_ns = stat_u64(XBUF_DMA_ENGINE, "busy_ns", &ok);
	printf("  bytes:    %s\n", size_str(sz, bytes));
	printf("  busy:     %s", dur_str(busy, sizeof(busy), busy_ns));
	if (busy_ns)
		printf(", %.1f MB/s while busy", mb_per_s(bytes, busy_ns));
	printf("\n");
	if (!ok)
		printf("  (some figures missing from %s: shown as 0)\n",
		       XBUF_DMA_ENGINE);
	return 0;
}

static int stats_run(const struct verb *verb, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct statfs fs;
	int ret;

	while (verb_getopt(verb, argc, argv, ":h", longopts) != -1)
		;
	if (optind < argc)
		return verb_usage_error(verb, "unexpected argument '%s'",
					argv[optind]);
	if (statfs(DEBUGFS_DIR, &fs) || fs.f_type != DEBUGFS_MAGIC) {
		ctl_err("debugfs is not mounted on %s: mount -t debugfs none %s",
			DEBUGFS_DIR, DEBUGFS_DIR);
		return EXIT_UNAVAIL;
	}
	if (!module_loaded("xbuf_heap") && !module_loaded("xbuf_dma")) {
		ctl_err("neither xbuf_heap nor xbuf_dma is loaded (modprobe them)");
		return EXIT_UNAVAIL;
	}
	ret = stats_heap();
	ret = stats_dma() ?: ret;
	return ret ? unavail_or_failed(ret) : EXIT_OK;
}

const struct verb verb_stats = {
	.name = "stats",
	.summary = "show what xbuf_heap and xbuf_dma counted",
	.usage = "",
	.help =
	"Show the figures of both modules: per heap its live buffers, their\n"
	"bytes and its largest buffer, the page pool, and xbuf_dma's engine\n"
	"(handles, jobs, errors, bytes moved, busy time), from debugfs\n"
	"(" XBUF_DEBUGFS "/ and " XBUF_DMA_DEBUGFS "/) and\n"
	XBUF_SYSFS_HEAPS "/. A module that is not loaded is said so.\n"
	"Needs debugfs mounted (exit status 3 otherwise) and, usually, root.\n"
	"\n"
	"Options:\n"
	"  -h, --help  this help\n",
	.run = stats_run,
};
