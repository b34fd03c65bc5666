/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xbuf_dma: attach dma-buf buffers to a DMA engine, map them and run DMA
 * jobs on them, from userspace, through /dev/xbuf_dma.
 *
 * Every struct is made of __u32 and __u64 fields at naturally aligned
 * offsets, so 32-bit and 64-bit callers share one layout. Reserved fields
 * and unknown flags must be zero, else the ioctl fails with EINVAL.
 */
#ifndef _UAPI_LINUX_XBUF_H
#define _UAPI_LINUX_XBUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define XBUF_DMA_IOC_MAGIC	0xBC

/* Directions of a mapping; the values of enum dma_data_direction. */
#define XBUF_DMA_BIDIRECTIONAL	0
#define XBUF_DMA_TO_DEVICE	1	/* the device reads the buffer */
#define XBUF_DMA_FROM_DEVICE	2	/* the device writes the buffer */

/* xbuf_dma_info.flags */
#define XBUF_DMA_INFO_IOMMU	(1U << 0)	/* addresses are IOVAs */

/**
 * struct xbuf_dma_info - the engine and its DMA device
 * @engine: engine name: "loopback", "edu" or "dmaengine"
 * @device: name of the device that maps buffers
 * @dma_mask: the device's streaming DMA mask
 * @max_mapping: longest single mapping the DMA layer allows the device
 *	(less than the buffer when a bounce buffer is in the way)
 * @flags: XBUF_DMA_INFO_*
 * @align: offsets and lengths of jobs must be multiples of this (a power
 *	of two); kernels that predate it leave it 0, which means 1
 * @reserved: zero
 */
struct xbuf_dma_info {
	char engine[16];
	char device[32];
	__u64 dma_mask;
	__u64 max_mapping;
	__u32 flags;
	__u32 align;
	__u32 reserved[4];
};

/**
 * struct xbuf_dma_attach - attach a dma-buf to the engine's device
 * @fd: in: the dma-buf file descriptor, from any exporter
 * @handle: out: names the attachment in later calls; belongs to the
 *	open file of /dev/xbuf_dma
 * @size: out: size of the dma-buf in bytes
 * @reserved: zero
 */
struct xbuf_dma_attach {
	__s32 fd;
	__u32 handle;
	__u64 size;
	__u64 reserved[2];
};

/**
 * struct xbuf_dma_handle_arg - names an attachment, for detach and unmap
 * @handle: the attachment
 * @reserved: zero
 */
struct xbuf_dma_handle_arg {
	__u32 handle;
	__u32 reserved;
};

/**
 * struct xbuf_dma_map - map an attachment for DMA
 * @handle: in: the attachment
 * @dir: in: XBUF_DMA_TO_DEVICE, XBUF_DMA_FROM_DEVICE or
 *	XBUF_DMA_BIDIRECTIONAL
 * @flags: in: zero
 * @nents: out: DMA segments of the mapping
 * @dma_len: out: bytes covered by those segments
 * @reserved: zero
 */
struct xbuf_dma_map {
	__u32 handle;
	__u32 dir;
	__u32 flags;
	__u32 nents;
	__u64 dma_len;
	__u64 reserved[2];
};

/* xbuf_dma_job.op */
#define XBUF_DMA_OP_COPY	1	/* src range to dst range */
#define XBUF_DMA_OP_FILL	2	/* dst range with the pattern byte */
#define XBUF_DMA_OP_CHECKSUM	3	/* CRC-32 of the src range */

/* xbuf_dma_job.flags */
#define XBUF_DMA_JOB_OUT_FENCE	(1U << 0)	/* return a sync_file */
#define XBUF_DMA_JOB_WAIT	(1U << 1)	/* return once complete */

/**
 * struct xbuf_dma_job - run one DMA job
 * @op: XBUF_DMA_OP_*
 * @flags: XBUF_DMA_JOB_*; CHECKSUM needs XBUF_DMA_JOB_WAIT
 * @src: handle the device reads (COPY, CHECKSUM), mapped TO_DEVICE or
 *	BIDIRECTIONAL; else zero
 * @dst: handle the device writes (COPY, FILL), mapped FROM_DEVICE or
 *	BIDIRECTIONAL; else zero
 * @src_offset: byte offset of the range in @src
 * @dst_offset: byte offset of the range in @dst
 * @len: bytes to move, read or write; not zero
 *
 * @src_offset, @dst_offset and @len are multiples of xbuf_dma_info.align.
 * @pattern: FILL: the byte in bits 0-7, other bits zero; else zero
 * @fence_fd: out: with XBUF_DMA_JOB_OUT_FENCE a sync_file fd that signals
 *	when the job completes, else -1
 * @checksum: out: CHECKSUM: the CRC-32 (as zlib's crc32()) of the range as
 *	the device read it
 * @status: out: with XBUF_DMA_JOB_WAIT, 0 or the negative errno the job
 *	failed with
 * @seqno: out: the sequence number of the job's fence
 * @reserved: zero
 *
 * The job first waits for the fences already on its buffers (writers of
 * @src; readers and writers of @dst), then runs on the engine. It
 * publishes its own fence on the buffers' reservation objects, as a writer
 * of @dst and a reader of @src, so poll() on the dma-buf fds and
 * DMA_BUF_IOCTL_SYNC wait for it.
 */
struct xbuf_dma_job {
	__u32 op;
	__u32 flags;
	__u32 src;
	__u32 dst;
	__u64 src_offset;
	__u64 dst_offset;
	__u64 len;
	__u32 pattern;
	__s32 fence_fd;
	__u32 checksum;
	__s32 status;
	__u64 seqno;
	__u64 reserved[2];
};

#define XBUF_DMA_IOC_INFO	_IOR(XBUF_DMA_IOC_MAGIC, 0x00, struct xbuf_dma_info)
#define XBUF_DMA_IOC_ATTACH	_IOWR(XBUF_DMA_IOC_MAGIC, 0x01, struct xbuf_dma_attach)
#define XBUF_DMA_IOC_DETACH	_IOW(XBUF_DMA_IOC_MAGIC, 0x02, struct xbuf_dma_handle_arg)
#define XBUF_DMA_IOC_MAP	_IOWR(XBUF_DMA_IOC_MAGIC, 0x03, struct xbuf_dma_map)
#define XBUF_DMA_IOC_UNMAP	_IOW(XBUF_DMA_IOC_MAGIC, 0x04, struct xbuf_dma_handle_arg)
#define XBUF_DMA_IOC_JOB	_IOWR(XBUF_DMA_IOC_MAGIC, 0x05, struct xbuf_dma_job)

#endif /* _UAPI_LINUX_XBUF_H */
