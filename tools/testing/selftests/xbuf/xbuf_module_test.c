// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: a live buffer pins xbuf_heap, rmmod fails while one is
 * open and succeeds once it is closed; xbuf_dma refuses to load with an
 * engine that is not there. Both modules are loaded again afterwards with
 * modprobe, which takes their options from the kernel command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "xbuf_util.h"

static int delete_module(const char *name)
{
	return syscall(__NR_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

TEST(rmmod_refused_while_buffer_open)
{
	int heap_fd, buf_fd, ret;

	if (access("/sys/module/xbuf_heap/refcnt", F_OK))
		SKIP(return, "xbuf_heap is not a loaded module (built in?)");
	heap_fd = heap_open("xbuf");
	ASSERT_LE(0, heap_fd);
	buf_fd = heap_alloc(heap_fd, 1 << 20, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, buf_fd);
	close(heap_fd);

	ret = delete_module("xbuf_heap");
	EXPECT_EQ(-EWOULDBLOCK, ret);
	if (!ret)
		goto reload;
	EXPECT_EQ(0, access("/dev/dma_heap/xbuf", F_OK));

	close(buf_fd);
	buf_fd = -1;
	ASSERT_EQ(0, delete_module("xbuf_heap"));
	EXPECT_NE(0, access("/dev/dma_heap/xbuf", F_OK));
reload:
	if (buf_fd >= 0)
		close(buf_fd);
	ASSERT_EQ(0, system("modprobe xbuf_heap"));
	EXPECT_EQ(0, access("/dev/dma_heap/xbuf", F_OK));
}

/* Name of the engine xbuf_dma uses, from debugfs; "" if not loaded. */
static void dma_engine_name(char name[32])
{
	char line[128];
	FILE *f = fopen("/sys/kernel/debug/xbuf_dma/engine", "r");

	name[0] = 0;
	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		sscanf(line, "engine: %31s", name);
	fclose(f);
}

TEST(dma_engine_selection)
{
	char before[32], name[32];
	int ret;

	if (access("/sys/module/xbuf_dma/refcnt", F_OK))
		SKIP(return, "xbuf_dma is not a loaded module (built in?)");
	dma_engine_name(before);
	ASSERT_NE(0, before[0]);
	ASSERT_EQ(0, delete_module("xbuf_dma"));

	/* x86 QEMU has no dmaengine memcpy channel: loading must fail. */
	ret = system("modprobe xbuf_dma engine=dmaengine 2>/dev/null");
	if (ret == 0) {
		dma_engine_name(name);
		EXPECT_STREQ("dmaengine", name);
		ASSERT_EQ(0, delete_module("xbuf_dma"));
	} else {
		EXPECT_NE(0, access("/dev/xbuf_dma", F_OK));
	}
	EXPECT_NE(0, system("modprobe xbuf_dma engine=no-such-engine 2>/dev/null"));
	EXPECT_NE(0, access("/dev/xbuf_dma", F_OK));

	ASSERT_EQ(0, system("modprobe xbuf_dma"));
	dma_engine_name(name);
	EXPECT_STREQ(before, name);
}

TEST_HARNESS_MAIN
