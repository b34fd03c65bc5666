// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl heaps: every dma-heap of /dev/dma_heap, one line each; xbuf's
 * with the properties xbuf_heap publishes in /sys/kernel/xbuf/heaps/.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xbufctl.h"

enum prop_kind {
	PROP_BOOL,	/* 0 or 1, shown as no or yes */
	PROP_TEXT,
	PROP_COUNT,
	PROP_SIZE,	/* bytes */
	PROP_LIMIT,	/* bytes, 0 for none */
};

/* The files of /sys/kernel/xbuf/heaps/<heap>/, in the table's order. */
static const struct {
	const char *file;
	enum prop_kind kind;
} props[] = {
	{ "contiguous", PROP_BOOL },
	{ "caching", PROP_TEXT },
	{ "dma32", PROP_BOOL },
	{ "accounted", PROP_BOOL },
	{ "max_buffer_bytes", PROP_SIZE },
	{ "max_heap_bytes", PROP_LIMIT },
	{ "buffers", PROP_COUNT },
	{ "bytes", PROP_SIZE },
};

#define NPROPS	ARRAY_SIZE(props)
#define CELL	SIZE_STR_LEN

struct heap_row {
	char name[NAME_MAX + 1];
	char cell[NPROPS][CELL];
	char about[96];
};

/* One property of an xbuf heap as the table shows it. */
static void prop_cell(char *cell, const char *value, enum prop_kind kind,
		      bool bytes)
{
	uint64_t v;

	if (kind == PROP_TEXT || kind == PROP_COUNT ||
	    (kind == PROP_BOOL && strcmp(value, "0") && strcmp(value, "1")) ||
	    (kind >= PROP_SIZE && parse_u64(value, UINT64_MAX, &v))) {
		snprintf(cell, CELL, "%s", value);
		return;
	}
	if (kind == PROP_BOOL)
		snprintf(cell, CELL, "%s", strcmp(value, "1") ? "no" : "yes");
	else if (kind == PROP_LIMIT && !v)
		snprintf(cell, CELL, "none");
	else if (bytes)
		snprintf(cell, CELL, "%s", value);
	else
		size_short(cell, v);
}

/* What the name of a heap that is not xbuf's says about it. */
static const char *other_heap(const char *name)
{
	if (!strcmp(name, "system"))
		return "not an xbuf heap: by its name, the kernel's system heap";
	if (!strcmp(name, "system-uncached"))
		return "not an xbuf heap: by its name, the kernel's uncached system heap";
	if (!strcmp(name, "reserved") || !strcmp(name, "linux,cma") ||
	    strstr(name, "cma"))
		return "not an xbuf heap: by its name, a CMA heap (contiguous)";
	if (!strncmp(name, "xbuf", 4))
		return "not in " XBUF_SYSFS_HEAPS " (an older xbuf_heap?)";
	return "not an xbuf heap";
}

static void heap_row_fill(struct heap_row *row, const char *name, bool bytes)
{
	char dir[320], path[384], value[CELL];
	unsigned int i;

	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(dir, sizeof(dir), XBUF_SYSFS_HEAPS "/%s", name);
	if (access(dir, F_OK)) {
		for (i = 0; i < NPROPS; i++)
			snprintf(row->cell[i], CELL, "-");
		snprintf(row->about, sizeof(row->about), "%s", other_heap(name));
		return;
	}
	for (i = 0; i < NPROPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, props[i].file);
		if (read_line(path, value, sizeof(value)))
			snprintf(row->cell[i], CELL, "?");
		else
			prop_cell(row->cell[i], value, props[i].kind, bytes);
	}
	snprintf(row->about, sizeof(row->about), "xbuf heap");
}

static int heaps_run(const struct verb *verb, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bytes", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t width[NPROPS + 1];
	struct dirent **names;
	struct heap_row *rows;
	bool bytes = false;
	char head[CELL];
	int n, i, opt;
	unsigned int c;

	while ((opt = verb_getopt(verb, argc, argv, ":bh", longopts)) != -1)
		if (opt == 'b')
			bytes = true;
	if (optind < argc)
		return verb_usage_error(verb, "unexpected argument '%s'",
					argv[optind]);

	n = scandir(DMA_HEAP_DIR, &names, NULL, alphasort);
	if (n < 0) {
		ctl_err("%s: %s (no dma-heap here: is xbuf_heap loaded?)",
			DMA_HEAP_DIR, strerror(errno));
		return unavail_or_failed(errno);
	}
	rows = calloc((size_t)n, sizeof(*rows));
	if (!rows) {
		ctl_err("%s", strerror(ENOMEM));
		return EXIT_FAILED;
	}

	width[0] = strlen("HEAP");
	for (c = 0; c < NPROPS; c++)
		width[c + 1] = strlen(props[c].file);
	for (i = 0, c = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			heap_row_fill(&rows[c], names[i]->d_name, bytes);
			c++;
		}
		free(names[i]);
	}
	free(names);
	n = (int)c;
	if (!n) {
		free(rows);
		ctl_err("%s is empty: is xbuf_heap loaded?", DMA_HEAP_DIR);
		return EXIT_UNAVAIL;
	}

	for (i = 0; i < n; i++) {
		if (strlen(rows[i].name) > width[0])
			width[0] = strlen(rows[i].name);
		for (c = 0; c < NPROPS; c++)
			if (strlen(rows[i].cell[c]) > width[c + 1])
				width[c + 1] = strlen(rows[i].cell[c]);
	}

	printf("%-*s", (int)width[0], "HEAP");
	for (c = 0; c < NPROPS; c++) {
		for (i = 0; props[c].file[i]; i++)
			head[i] = (char)toupper(props[c].file[i]);
		head[i] = 0;
		printf("  %-*s", (int)width[c + 1], head);
	}
	printf("  ABOUT\n");
	for (i = 0; i < n; i++) {
		printf("%-*s", (int)width[0], rows[i].name);
		for (c = 0; c < NPROPS; c++)
			printf("  %-*s", (int)width[c + 1], rows[i].cell[c]);
		printf("  %s\n", rows[i].about);
	}
	free(rows);
	return EXIT_OK;
}

const struct verb verb_heaps = {
	.name = "heaps",
	.summary = "list the dma-heaps and the properties of xbuf's",
	.usage = "[--bytes]",
	.help =
	"List every heap of " DMA_HEAP_DIR "/, sorted, one line each. For\n"
	"xbuf's heaps the columns are the files of " XBUF_SYSFS_HEAPS "/NAME/:\n"
	"  CONTIGUOUS        physically contiguous buffers\n"
	"  CACHING           cached or writecombine CPU mappings\n"
	"  DMA32             memory below 4 GiB only\n"
	"  ACCOUNTED         charged to the allocating task's memory cgroup\n"
	"  MAX_BUFFER_BYTES  the largest buffer it gives\n"
	"  MAX_HEAP_BYTES    the most its live buffers may hold (none: no limit)\n"
	"  BUFFERS, BYTES    its live buffers and the bytes they hold\n"
	"Other heaps (system, reserved, ...) show '-' and what their name says.\n"
	"\n"
	"Options:\n"
	"  -b, --bytes  sizes as exact numbers of bytes\n"
	"  -h, --help   this help\n",
	.run = heaps_run,
};
