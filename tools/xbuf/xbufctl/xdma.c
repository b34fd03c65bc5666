// SPDX-License-Identifier: GPL-2.0
/*
 * xbufctl and /dev/xbuf_dma: the engine's description, attaching and
 * mapping buffers, jobs.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xbufctl.h"

/* Open /dev/xbuf_dma and describe its engine: the fd or -errno. */
int xdma_open(struct xbuf_dma_info *info)
{
	int fd = open(XBUF_DMA_DEV, O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, XBUF_DMA_IOC_INFO, info)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* Offsets and lengths of jobs are multiples of this; 0 meant 1. */
uint32_t xdma_align(const struct xbuf_dma_info *info)
{
	return info->align ? info->align : 1;
}

/* Attach @buf_fd and map it for @dir: 0 and *@handle, or -errno. */
int xdma_attach_map(int dma_fd, int buf_fd, uint32_t dir, uint32_t *handle)
{
	struct xbuf_dma_attach at = { .fd = buf_fd };
	struct xbuf_dma_map map = { .dir = dir };
	int ret;

	if (ioctl(dma_fd, XBUF_DMA_IOC_ATTACH, &at))
		return -errno;
	map.handle = at.handle;
	if (ioctl(dma_fd, XBUF_DMA_IOC_MAP, &map)) {
		ret = -errno;
		xdma_detach(dma_fd, at.handle);
		return ret;
	}
	*handle = at.handle;
	return 0;
}

/* Unmap and detach: 0 or -errno. */
int xdma_detach(int dma_fd, uint32_t handle)
{
	struct xbuf_dma_handle_arg arg = { .handle = handle };

	return ioctl(dma_fd, XBUF_DMA_IOC_DETACH, &arg) ? -errno : 0;
}

/* Run @job and wait for it: 0, or the -errno of the ioctl or the job. */
int xdma_job(int dma_fd, struct xbuf_dma_job *job)
{
	job->flags |= XBUF_DMA_JOB_WAIT;
	if (ioctl(dma_fd, XBUF_DMA_IOC_JOB, job))
		return -errno;
	return job->status;
}
