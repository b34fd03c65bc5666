// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl helpers: sizes as the user types and reads them,
 * time, and one-value files of sysfs and debugfs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xbufctl.h"

/*
 * A decimal number, or hexadecimal after "0x", with nothing else: 0 and
 * the number in *@v, or -1. @end, when not NULL, gets what follows the
 * digits instead of requiring that nothing does.
 */
static int parse_number(const char *s, uint64_t *v, const char **end)
{
	unsigned int base = 10;
	uint64_t n = 0;
	const char *p = s;
	int digits = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++, digits++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (n > (UINT64_MAX - d) / base)
			return -1;
		n = n * base + d;
	}
	if (!digits || (!end && *p))
		return -1;
	if (end)
		*end = p;
	*v = n;
	return 0;
}

/* A number no larger than @max: 0, or -1 when @s is not one. */
int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n;

	if (parse_number(s, &n, NULL) || n > max)
		return -1;
	*v = n;
	return 0;
}

/*
 * A size in bytes: a number with an optional binary suffix, K, M or G,
 * alone or followed by "iB" (any case): "4096", "4K", "64MiB", "0x1000".
 * 0, or -1 when @s is not a size or is 0.
 */
int parse_size(const char *s, uint64_t *size)
{
	static const char units[] = "kmg";
	const char *p, *u;
	unsigned int shift;
	uint64_t n;

	if (parse_number(s, &n, &p))
		return -1;
	shift = 0;
	if (*p) {
		u = strchr(units, *p | 0x20);
		if (!u)
			return -1;
		shift = 10 * (unsigned int)(u - units + 1);
		p++;
		if (*p && strcasecmp(p, "iB"))
			return -1;
	}
	if (!n || n > UINT64_MAX >> shift)
		return -1;
	*size = n << shift;
	return 0;
}

static const char *const size_units[] = { "B", "KiB", "MiB", "GiB", "TiB",
					   "PiB", "EiB" };

/* @bytes in its largest binary unit, with one decimal: "4.0 MiB". */
static void size_format(char *buf, size_t len, uint64_t bytes,
			const char *sep)
{
	unsigned int u = 0;
	double v = (double)bytes;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu%sB", (unsigned long long)bytes, sep);
		return;
	}
	while (v >= 1024 && u < ARRAY_SIZE(size_units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%s%s", v, sep, size_units[u]);
}

/* "4.0 MiB"; @buf has SIZE_STR_LEN bytes. */
const char *size_human(char *buf, uint64_t bytes)
{
	size_format(buf, SIZE_STR_LEN, bytes, " ");
	return buf;
}

/* "4.0 MiB (4194304)", or "512 B" where the two would say the same. */
const char *size_str(char *buf, uint64_t bytes)
{
	size_t n;

	size_format(buf, SIZE_STR_LEN, bytes, " ");
	n = strlen(buf);
	if (bytes >= 1024)
		snprintf(buf + n, SIZE_STR_LEN - n, " (%llu)",
			 (unsigned long long)bytes);
	return buf;
}

/* "4.0MiB": one word, for tables. */
const char *size_short(char *buf, uint64_t bytes)
{
	size_format(buf, SIZE_STR_LEN, bytes, "");
	return buf;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A duration in the unit that suits it: "812 ns", "25.3 us", "1.204 s". */
const char *dur_str(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", ns / 1e9);
	return buf;
}

/* Throughput in MB/s (10^6 bytes a second); 0 when no time passed. */
double mb_per_s(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 1e3 / (double)ns : 0;
}

/* The first line of @path, without its newline: 0 or -errno. */
int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!ret)
		buf[strcspn(buf, "\n")] = 0;
	return ret;
}

/* A file holding one decimal number: 0, -errno, or -EINVAL for others. */
int read_u64(const char *path, uint64_t *v)
{
	char line[64];
	int ret = read_line(path, line, sizeof(line));

	if (ret)
		return ret;
	return parse_u64(line, UINT64_MAX, v) ? -EINVAL : 0;
}

/*
 * The value of the "@key: value" line of @path (debugfs and /proc style),
 * leading blanks stripped: 0, -errno, or -ENOENT when no line has @key.
 */
int file_value(const char *path, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	char line[256];
	int ret = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *v = line + klen + 1;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		v += strspn(v, " \t");
		snprintf(buf, len, "%.*s", (int)strcspn(v, "\n"), v);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* Whether the kernel has module @name, loaded or built in. */
bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/*
 * The exit code for a device node or file that could not be opened: not
 * there (EXIT_UNAVAIL), or there and failing (EXIT_FAILED).
 */
int unavail_or_failed(int err)
{
	if (err < 0)
		err = -err;
	return err == ENOENT || err == ENODEV || err == ENXIO ?
	       EXIT_UNAVAIL : EXIT_FAILED;
}
