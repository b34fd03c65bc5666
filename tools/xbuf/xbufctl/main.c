// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl: inspect and exercise xbuf on a board. The verbs, their usage,
 * option parsing and the exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbufctl.h"

static const struct verb *const verbs[] = {
	&verb_heaps, &verb_alloc, &verb_stats, &verb_dma_test, &verb_bench,
};

static const char exit_codes[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  the operation failed (an ioctl error, a data mismatch)\n"
	"  2  usage error (unknown verb or option, bad size or number)\n"
	"  3  not available (no such heap, device node or module; debugfs\n"
	"     not mounted)\n";

static void print_usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: xbufctl VERB [OPTION]... [ARG]...\n"
		"       xbufctl VERB --help\n\n"
		"Inspect and exercise xbuf's dma-buf heaps (xbuf_heap) and DMA\n"
		"importer (xbuf_dma).\n\nVerbs:\n");
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-10s %s\n", verbs[i]->name, verbs[i]->summary);
	fprintf(f, "\n%s", exit_codes);
}

static void print_verb_usage(const struct verb *verb, FILE *f)
{
	fprintf(f, "usage: xbufctl %s %s\n\n%s\n%s", verb->name, verb->usage,
		verb->help, exit_codes);
}

/* After a usage error of @verb: where to look; EXIT_USAGE. */
int verb_usage_hint(const struct verb *verb)
{
	fprintf(stderr, "Try 'xbufctl %s --help'.\n", verb->name);
	return EXIT_USAGE;
}

/*
 * getopt_long() for a verb, with --help (-h) handled here: the next
 * option, or -1 at the end. @shortopts starts with ':' and has "h".
 * Exits on --help (0) and on an unknown option or a missing argument (2).
 */
int verb_getopt(const struct verb *verb, int argc, char **argv,
		const char *shortopts, const struct option *longopts)
{
	int opt = getopt_long(argc, argv, shortopts, longopts, NULL);

	switch (opt) {
	case 'h':
		print_verb_usage(verb, stdout);
		exit(EXIT_OK);
	case '?':
		exit(verb_usage_error(verb, "%s: unknown option '%s'",
				      verb->name, argv[optind - 1]));
	case ':':
		exit(verb_usage_error(verb, "%s: option '%s' needs an argument",
				      verb->name, argv[optind - 1]));
	}
	return opt;
}

int main(int argc, char **argv)
{
	unsigned int i;

	/* Lines show up at once, in a pipe too: alloc --hold sleeps. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (strcmp(argv[1], verbs[i]->name))
			continue;
		opterr = 0;
		optind = 1;
		return verbs[i]->run(verbs[i], argc - 1, argv + 1);
	}
	fprintf(stderr, "xbufctl: unknown verb '%s'\nTry 'xbufctl --help'.\n",
		argv[1]);
	return EXIT_USAGE;
}
