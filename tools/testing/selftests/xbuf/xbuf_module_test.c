// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: a live buffer pins xbuf_heap, rmmod fails while one is
 * open and succeeds once it is closed; heaps registered with the kernel's
 * dma-heap framework pin it for good; xbuf_dma refuses to load with an
 * engine that is not there. Both modules are loaded again afterwards with
 * modprobe, which takes their options from the kernel command line.
 */
#define _GNU_SOURCE
#include <dirent.h>
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

/* Whether xbuf_heap's heaps are in the kernel's dma-heap framework. */
static int framework_heaps(void)
{
	char reg[32];

	heap_registration(reg, sizeof(reg));
	return !strcmp(reg, "dma-heap");
}

TEST(rmmod_refused_while_buffer_open)
{
	int heap_fd, buf_fd, ret;

	if (access("/sys/module/xbuf_heap/refcnt", F_OK))
		SKIP(return, "xbuf_heap is not a loaded module (built in?)");
	if (framework_heaps())
		SKIP(return, "the dma-heap framework keeps xbuf_heap loaded");
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

/*
 * The dma-heap framework never lets a heap go, so a module that added
 * heaps to it must refuse to unload, buffers or not.
 */
TEST(framework_heaps_pin_module)
{
	if (access("/sys/module/xbuf_heap/refcnt", F_OK))
		SKIP(return, "xbuf_heap is not a loaded module (built in?)");
	if (!framework_heaps())
		SKIP(return, "xbuf_heap has device nodes of its own here");
	EXPECT_EQ(-EWOULDBLOCK, delete_module("xbuf_heap"));
	EXPECT_EQ(0, access("/dev/dma_heap/xbuf", F_OK));
	EXPECT_EQ(0, access("/sys/class/dma_heap/xbuf", F_OK));
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

/*
 * Unload xbuf_dma: its job fences pin it until an RCU grace period after
 * their last reference, so a module busy for that reason gets a while.
 */
static int delete_dma_module(void)
{
	int i, ret;

	for (i = 0; i < 100; i++) {
		ret = delete_module("xbuf_dma");
		if (ret != -EWOULDBLOCK)
			break;
		usleep(50000);
	}
	return ret;
}

/* Whether the dmaengine framework has any channel at all. */
static int dma_channels(void)
{
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = opendir("/sys/class/dma");
	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

TEST(dma_engine_selection)
{
	char before[32], name[32];
	int ret;

	if (access("/sys/module/xbuf_dma/refcnt", F_OK))
		SKIP(return, "xbuf_dma is not a loaded module (built in?)");
	dma_engine_name(before);
	ASSERT_NE(0, before[0]);
	ASSERT_EQ(0, delete_dma_module());

	/*
	 * With no dmaengine channel at all (QEMU's x86 machines) loading
	 * with engine=dmaengine must fail and create no device. Channels
	 * may lack DMA_MEMCPY, which sysfs does not show: where there are
	 * some, a successful load must really use a dmaengine channel.
	 */
	ret = system("modprobe xbuf_dma engine=dmaengine 2>/dev/null");
	if (!dma_channels())
		EXPECT_NE(0, ret);
	if (ret == 0) {
		dma_engine_name(name);
		EXPECT_STREQ("dmaengine", name);
		ASSERT_EQ(0, delete_dma_module());
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
