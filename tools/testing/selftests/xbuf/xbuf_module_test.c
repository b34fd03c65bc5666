// SPDX-License-Identifier: GPL-2.0
/*
 * A live buffer pins xbuf_heap: rmmod fails while one is open and succeeds
 * once it is closed. The module is loaded again afterwards with modprobe.
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

TEST_HARNESS_MAIN
