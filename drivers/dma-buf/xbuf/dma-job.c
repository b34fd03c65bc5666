// SPDX-License-Identifier: GPL-2.0
/*
 * DMA jobs: checked, bound to their handles, published as a dma_fence on
 * the buffers' reservation objects, then run asynchronously on the
 * engine's ordered workqueue once every fence they depend on signalled.
 *
 * No thread waits for a dependency: each arms a callback, and the last
 * one to signal queues the job. A job waiting for a fence that never
 * signals therefore holds up nobody else; after XBUF_JOB_DEP_TIMEOUT it
 * stops waiting for other drivers' fences and fails with -ETIMEDOUT.
 * Each open file is a timeline of its own (its fences' context): a job
 * also depends on the file's previous job, so a file's fences signal in
 * order, as fences of one context must.
 *
 * Implicit fencing: a job waits for the fences already on its buffers
 * (writers of the source; readers and writers of the destination) and
 * adds its own, as a reader of the source and a writer of the
 * destination. poll() on a dma-buf fd and DMA_BUF_IOCTL_SYNC therefore
 * wait for it, and a later job on the same buffer runs after it.
 *
 * Locking order: file lock, then the buffers' dma_resv locks (taken
 * together with a ww acquire context).
 */

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xbuf.h>

#include "dma.h"

/* A dependency not signalled in this time fails the job: never hang. */
#define XBUF_JOB_DEP_TIMEOUT	(10 * HZ)

/* Jobs in flight one open file may have; more fail with -EAGAIN. */
#define XBUF_DMA_MAX_JOBS	256

#define XBUF_JOB_FLAGS		(XBUF_DMA_JOB_OUT_FENCE | XBUF_DMA_JOB_WAIT)

/**
 * struct xbuf_job_dep - a fence a job waits for
 * @cb: callback armed on @fence
 * @fence: the fence, referenced
 * @job: the waiting job
 */
struct xbuf_job_dep {
	struct dma_fence_cb cb;
	struct dma_fence *fence;
	struct xbuf_job *job;
};

/**
 * struct xbuf_job - one DMA job
 * @fence: signalled on completion; freed with the fence
 * @work: runs the job on the engine's queue
 * @timeout: gives up on other drivers' fences after XBUF_JOB_DEP_TIMEOUT
 * @rcu: frees the job a grace period after its fence's last reference
 * @file: the open file that submitted it
 * @engine: the engine it runs on
 * @src: handle read, or NULL
 * @dst: handle written, or NULL
 * @src_offset: offset in @src
 * @dst_offset: offset in @dst
 * @len: bytes
 * @op: XBUF_DMA_OP_*
 * @pattern: FILL byte
 * @checksum: CHECKSUM result
 * @deps: fences to wait for: those of @src, of @dst, then the file's
 *	previous job
 * @ndeps: number of @deps
 * @nsrc_deps: how many of @deps are fences of @src
 * @nforeign: how many of @deps are fences of the buffers (all but the
 *	file's previous job): the ones the timeout gives up on
 * @pending: dependencies not signalled yet, plus one while arming
 * @dep_error: error of a failed writer of @src, or -ETIMEDOUT
 */
struct xbuf_job {
	struct dma_fence fence;
	struct work_struct work;
	struct delayed_work timeout;
	struct rcu_head rcu;
	struct xbuf_dma_file *file;
	struct xbuf_engine *engine;
	struct xbuf_dma_handle *src;
	struct xbuf_dma_handle *dst;
	u64 src_offset;
	u64 dst_offset;
	u64 len;
	u32 op;
	u8 pattern;
	u32 checksum;
	struct xbuf_job_dep *deps;
	unsigned int ndeps;
	unsigned int nsrc_deps;
	unsigned int nforeign;
	atomic_t pending;
	int dep_error;
};

static const char *xbuf_job_driver_name(struct dma_fence *fence)
{
	return "xbuf_dma";
}

static const char *xbuf_job_timeline_name(struct dma_fence *fence)
{
	return container_of(fence, struct xbuf_job, fence)->engine->name;
}

static void xbuf_job_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct xbuf_job, rcu));
	/*
	 * Last: the module may go once this returns. Its exit waits for
	 * running RCU callbacks (rcu_barrier()), so this one finishes first.
	 */
	module_put(THIS_MODULE);
}

/*
 * A fence can outlive its job in any buffer's reservation object, and its
 * ops live in this module: each fence holds a module reference. It is
 * dropped from an RCU callback, after the grace period that readers of
 * the fence are owed, never from code that returns into the module.
 */
static void xbuf_job_fence_release(struct dma_fence *fence)
{
	struct xbuf_job *job = container_of(fence, struct xbuf_job, fence);

	call_rcu(&job->rcu, xbuf_job_free_rcu);
}

static const struct dma_fence_ops xbuf_job_fence_ops = {
	.get_driver_name = xbuf_job_driver_name,
	.get_timeline_name = xbuf_job_timeline_name,
	.release = xbuf_job_fence_release,
};

/* Checks that need no handle. */
static int xbuf_job_check_args(const struct xbuf_dma_job *req)
{
	bool reads = req->op == XBUF_DMA_OP_COPY ||
		     req->op == XBUF_DMA_OP_CHECKSUM;
	bool writes = req->op == XBUF_DMA_OP_COPY ||
		      req->op == XBUF_DMA_OP_FILL;

	if (!reads && !writes)
		return -EINVAL;
	if (req->flags & ~XBUF_JOB_FLAGS || !req->len)
		return -EINVAL;
	if (req->op == XBUF_DMA_OP_CHECKSUM &&
	    !(req->flags & XBUF_DMA_JOB_WAIT))
		return -EINVAL;
	if (req->op == XBUF_DMA_OP_FILL ? req->pattern > 0xff : req->pattern)
		return -EINVAL;
	/* Unused handles and offsets, outputs and reserved fields are 0. */
	if ((!reads && (req->src || req->src_offset)) ||
	    (!writes && (req->dst || req->dst_offset)))
		return -EINVAL;
	if (req->fence_fd || req->checksum || req->status || req->seqno ||
	    req->reserved[0] || req->reserved[1])
		return -EINVAL;
	return 0;
}

/*
 * Offsets and lengths the engine cannot copy are refused before any
 * lookup: whatever the handles, such a job could only fail.
 */
static int xbuf_job_check_align(const struct xbuf_engine *engine,
				const struct xbuf_dma_job *req)
{
	if (!IS_ALIGNED(req->src_offset | req->dst_offset | req->len,
			engine->align))
		return -EINVAL;
	return 0;
}

/* Look up a handle mapped so the device may access it as @want allows. */
static int xbuf_job_lookup(struct xbuf_dma_file *file, u32 id, u64 offset,
			   u64 len, enum dma_data_direction want,
			   struct xbuf_dma_handle **out)
{
	struct xbuf_dma_handle *handle = xa_load(&file->handles, id);
	u64 end;

	if (!handle)
		return -ENOENT;
	if (!handle->sgt)
		return -ENXIO;
	if (handle->dir != want && handle->dir != DMA_BIDIRECTIONAL)
		return -EACCES;
	if (check_add_overflow(offset, len, &end) ||
	    end > min_t(u64, handle->dmabuf->size, handle->dma_len))
		return -ERANGE;
	*out = handle;
	return 0;
}

static bool xbuf_job_overlaps(const struct xbuf_job *job)
{
	return job->src->dmabuf == job->dst->dmabuf &&
	       job->src_offset < job->dst_offset + job->len &&
	       job->dst_offset < job->src_offset + job->len;
}

/* Resolve the handles, within the file's limit on jobs in flight. */
static int xbuf_job_bind(struct xbuf_job *job, struct xbuf_dma_file *file,
			 const struct xbuf_dma_job *req)
{
	int ret;

	lockdep_assert_held(&file->lock);
	if (atomic_read(&file->jobs) >= XBUF_DMA_MAX_JOBS)
		return -EAGAIN;
	if (req->op != XBUF_DMA_OP_FILL) {
		ret = xbuf_job_lookup(file, req->src, req->src_offset, req->len,
				      DMA_TO_DEVICE, &job->src);
		if (ret)
			return ret;
	}
	if (req->op != XBUF_DMA_OP_CHECKSUM) {
		ret = xbuf_job_lookup(file, req->dst, req->dst_offset, req->len,
				      DMA_FROM_DEVICE, &job->dst);
		if (ret)
			return ret;
	}
	if (job->src && job->dst && xbuf_job_overlaps(job))
		return -EINVAL;
	return 0;
}

static void xbuf_job_hold(struct xbuf_dma_handle *handle)
{
	if (handle) {
		kref_get(&handle->ref);
		atomic_inc(&handle->jobs);
	}
}

/* The job no longer uses the mapping: unmap and detach may go ahead. */
static void xbuf_job_done_with(struct xbuf_dma_handle *handle)
{
	if (handle)
		atomic_dec(&handle->jobs);
}

/*
 * Drop the job's reference, after its fence signalled: when the file was
 * closed meanwhile it is the last one, and unmapping takes the buffer's
 * reservation lock, which nobody may take on the way to signalling.
 */
static void xbuf_job_put_handle(struct xbuf_dma_handle *handle)
{
	if (handle)
		xbuf_dma_handle_put(handle);
}

/*
 * Lock the distinct reservation objects in @resv with one ww acquire
 * context, backing off and retrying on -EDEADLK.
 */
static int xbuf_job_lock_resv(struct dma_resv **resv, unsigned int n,
			      struct ww_acquire_ctx *ctx)
{
	int contended = -1, ret = 0;
	unsigned int i, j;

	ww_acquire_init(ctx, &reservation_ww_class);
retry:
	if (contended >= 0) {
		ret = dma_resv_lock_slow_interruptible(resv[contended], ctx);
		if (ret)
			goto err_fini;
	}
	for (i = 0; i < n; i++) {
		if (i == contended)
			continue;
		ret = dma_resv_lock_interruptible(resv[i], ctx);
		if (!ret)
			continue;
		for (j = 0; j < i; j++)
			if (j != contended)
				dma_resv_unlock(resv[j]);
		if (contended >= 0)
			dma_resv_unlock(resv[contended]);
		if (ret != -EDEADLK)
			goto err_fini;
		contended = i;
		goto retry;
	}
	ww_acquire_done(ctx);
	return 0;

err_fini:
	ww_acquire_fini(ctx);
	return ret;
}

/*
 * Take the fences of @resv, up to @usage, that the job must wait for. The
 * locked walk also sees signalled fences: a source whose recorded writer
 * failed fails the job with that error, since its data was never made.
 * Fences of a destination only order the job.
 */
static int xbuf_job_add_deps(struct xbuf_job *job, struct dma_resv *resv,
			     enum dma_resv_usage usage, bool source)
{
	struct dma_resv_iter cursor;
	struct xbuf_job_dep *deps;
	struct dma_fence *fence;
	unsigned int n = 0;

	dma_resv_for_each_fence(&cursor, resv, usage, fence)
		n++;
	if (!n)
		return 0;
	deps = krealloc_array(job->deps, job->ndeps + n, sizeof(*deps),
			      GFP_KERNEL_ACCOUNT);
	if (!deps)
		return -ENOMEM;
	job->deps = deps;

	dma_resv_for_each_fence(&cursor, resv, usage, fence) {
		if (!dma_fence_is_signaled(fence))
			job->deps[job->ndeps++].fence = dma_fence_get(fence);
		else if (source && fence->error && !job->dep_error)
			job->dep_error = fence->error;
	}
	if (source)
		job->nsrc_deps = job->ndeps;
	return 0;
}

/* The file's previous job: the file's fences must signal in order. */
static int xbuf_job_add_previous(struct xbuf_job *job)
{
	struct dma_fence *prev = job->file->last_fence;
	struct xbuf_job_dep *deps;

	job->nforeign = job->ndeps;
	if (!prev || dma_fence_is_signaled(prev))
		return 0;
	deps = krealloc_array(job->deps, job->ndeps + 1, sizeof(*deps),
			      GFP_KERNEL_ACCOUNT);
	if (!deps)
		return -ENOMEM;
	job->deps = deps;
	job->deps[job->ndeps++].fence = dma_fence_get(prev);
	return 0;
}

static void xbuf_job_put_deps(struct xbuf_job *job)
{
	while (job->ndeps)
		dma_fence_put(job->deps[--job->ndeps].fence);
	kfree(job->deps);
	job->deps = NULL;
}

/*
 * Collect the dependencies and add the job's fence to its buffers. Both
 * happen under the reservation locks, so no fence slips in between.
 */
static int xbuf_job_publish(struct xbuf_job *job)
{
	struct dma_resv *src = job->src ? job->src->dmabuf->resv : NULL;
	struct dma_resv *dst = job->dst ? job->dst->dmabuf->resv : NULL;
	struct dma_resv *resv[2];
	struct ww_acquire_ctx ctx;
	unsigned int n = 0, i;
	int ret;

	if (src)
		resv[n++] = src;
	if (dst && dst != src)
		resv[n++] = dst;
	ret = xbuf_job_lock_resv(resv, n, &ctx);
	if (ret)
		return ret;

	/*
	 * Dependencies first: reserving a slot may reallocate the fence
	 * list, which drops signalled fences, a failed writer among them.
	 */
	if (src)
		ret = xbuf_job_add_deps(job, src, DMA_RESV_USAGE_WRITE, true);
	if (!ret && dst)
		ret = xbuf_job_add_deps(job, dst, DMA_RESV_USAGE_READ, false);
	if (!ret)
		ret = xbuf_job_add_previous(job);
	for (i = 0; i < n && !ret; i++)
		ret = dma_resv_reserve_fences(resv[i], 1);
	if (!ret) {
		/* The destination's write also covers a source in it. */
		if (src && src != dst)
			dma_resv_add_fence(src, &job->fence,
					   DMA_RESV_USAGE_READ);
		if (dst)
			dma_resv_add_fence(dst, &job->fence,
					   DMA_RESV_USAGE_WRITE);
	}

	for (i = 0; i < n; i++)
		dma_resv_unlock(resv[i]);
	ww_acquire_fini(&ctx);
	if (ret)
		xbuf_job_put_deps(job);
	return ret;
}

/* One dependency fewer to wait for; the last one queues the job. */
static void xbuf_job_dep_done(struct xbuf_job *job)
{
	if (atomic_dec_and_test(&job->pending))
		queue_work(job->engine->wq, &job->work);
}

static void xbuf_job_dep_signalled(struct dma_fence *fence,
				   struct dma_fence_cb *cb)
{
	xbuf_job_dep_done(container_of(cb, struct xbuf_job_dep, cb)->job);
}

/*
 * Stop waiting for the buffers' fences that have not signalled. Whichever
 * of the callback and this removal comes first accounts for a fence, so
 * each is counted once. The file's previous job is still waited for: it
 * fails or completes on its own, and order must hold.
 */
static void xbuf_job_dep_timeout(struct work_struct *work)
{
	struct xbuf_job *job = container_of(to_delayed_work(work),
					    struct xbuf_job, timeout);
	unsigned int i;

	for (i = 0; i < job->nforeign; i++) {
		struct xbuf_job_dep *dep = &job->deps[i];

		if (dma_fence_remove_callback(dep->fence, &dep->cb)) {
			WRITE_ONCE(job->dep_error, -ETIMEDOUT);
			xbuf_job_dep_done(job);
		}
	}
}

/*
 * Arm a callback on every dependency. The extra count taken first keeps
 * the job from being queued before all are armed; the timeout is armed
 * before them, so that the job, which cancels it, never runs first. The
 * timeout goes on the engine's own queue: a job cancelling it there never
 * waits for it to finish running, which the queue's ordering rules out,
 * nor flushes a queue that may not run in reclaim.
 */
static void xbuf_job_arm(struct xbuf_job *job)
{
	unsigned int i;

	atomic_set(&job->pending, 1);
	for (i = 0; i < job->ndeps; i++)
		INIT_LIST_HEAD(&job->deps[i].cb.node);
	if (job->nforeign)
		queue_delayed_work(job->engine->wq, &job->timeout,
				   XBUF_JOB_DEP_TIMEOUT);
	for (i = 0; i < job->ndeps; i++) {
		struct xbuf_job_dep *dep = &job->deps[i];

		dep->job = job;
		atomic_inc(&job->pending);
		if (dma_fence_add_callback(dep->fence, &dep->cb,
					   xbuf_job_dep_signalled))
			atomic_dec(&job->pending);	/* signalled already */
	}
	xbuf_job_dep_done(job);
}

/* A failed writer of the source, or a timeout, fails the job. */
static int xbuf_job_deps_result(struct xbuf_job *job)
{
	int ret = READ_ONCE(job->dep_error);
	unsigned int i;

	for (i = 0; i < job->nsrc_deps && !ret; i++)
		ret = job->deps[i].fence->error;
	xbuf_job_put_deps(job);
	return ret;
}

static int xbuf_job_execute(struct xbuf_job *job)
{
	struct xbuf_engine *engine = job->engine;

	switch (job->op) {
	case XBUF_DMA_OP_COPY:
		return xbuf_engine_copy(engine, job->dst->sgt, job->dst_offset,
					job->src->sgt, job->src_offset,
					job->len);
	case XBUF_DMA_OP_FILL:
		return xbuf_engine_fill(engine, job->dst->sgt, job->dst_offset,
					job->len, job->pattern);
	default:
		return xbuf_engine_checksum(engine, job->src->sgt,
					    job->src_offset, job->len,
					    &job->checksum);
	}
}

/* Run the job and signal its fence: nothing in here may wait for a fence. */
static void xbuf_job_run(struct xbuf_job *job, int ret)
{
	struct xbuf_engine *engine = job->engine;
	bool cookie = dma_fence_begin_signalling();

	if (!ret) {
		ktime_t start = ktime_get();

		ret = xbuf_job_execute(job);
		atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), start)),
			     &engine->busy_ns);
	}
	if (ret) {
		dma_fence_set_error(&job->fence, ret);
		atomic64_inc(&engine->errors);
	} else {
		atomic64_add(job->len, &engine->bytes);
	}
	atomic64_inc(&engine->jobs);

	/* Whoever sees the fence signalled may unmap or detach at once. */
	xbuf_job_done_with(job->src);
	xbuf_job_done_with(job->dst);
	dma_fence_signal(&job->fence);
	dma_fence_end_signalling(cookie);
}

static void xbuf_job_work(struct work_struct *work)
{
	struct xbuf_job *job = container_of(work, struct xbuf_job, work);
	struct xbuf_dma_file *file = job->file;

	cancel_delayed_work_sync(&job->timeout);
	xbuf_job_run(job, xbuf_job_deps_result(job));

	xbuf_job_put_handle(job->src);
	xbuf_job_put_handle(job->dst);
	atomic_dec(&job->engine->inflight);
	atomic_dec(&file->jobs);
	wake_up(&file->idle);
	xbuf_dma_file_put(file);
	dma_fence_put(&job->fence);
}

/*
 * Number and publish the job on its file's timeline, then hand it the
 * references it runs with and arm its dependencies. Call with the file
 * lock held. On success the job holds a reference to its own fence,
 * dropped when it has run.
 */
static int xbuf_job_submit(struct xbuf_job *job, struct sync_file **sync)
{
	struct xbuf_dma_file *file = job->file;
	int ret;

	lockdep_assert_held(&file->lock);
	dma_fence_init(&job->fence, &xbuf_job_fence_ops,
		       &job->engine->fence_lock, file->fence_context,
		       ++file->fence_seqno);
	__module_get(THIS_MODULE);
	if (sync) {
		*sync = sync_file_create(&job->fence);
		if (!*sync)
			return -ENOMEM;
	}
	ret = xbuf_job_publish(job);
	if (ret) {
		if (sync)
			fput((*sync)->file);
		return ret;
	}

	dma_fence_put(file->last_fence);
	file->last_fence = dma_fence_get(&job->fence);
	xbuf_job_hold(job->src);
	xbuf_job_hold(job->dst);
	atomic_inc(&file->jobs);
	atomic_inc(&job->engine->inflight);
	kref_get(&file->ref);
	dma_fence_get(&job->fence);
	xbuf_job_arm(job);
	return 0;
}

static int xbuf_job_create(struct xbuf_dma_file *file,
			   const struct xbuf_dma_job *req,
			   struct sync_file **sync, struct xbuf_job **out)
{
	struct xbuf_job *job;
	int ret;

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return -ENOMEM;
	INIT_WORK(&job->work, xbuf_job_work);
	INIT_DELAYED_WORK(&job->timeout, xbuf_job_dep_timeout);
	job->file = file;
	job->engine = file->engine;
	job->op = req->op;
	job->src_offset = req->src_offset;
	job->dst_offset = req->dst_offset;
	job->len = req->len;
	job->pattern = req->pattern;

	mutex_lock(&file->lock);
	ret = xbuf_job_bind(job, file, req);
	if (ret) {
		mutex_unlock(&file->lock);
		kfree(job);
		return ret;
	}
	ret = xbuf_job_submit(job, sync);
	mutex_unlock(&file->lock);
	if (ret) {
		/* The fence never left: dropping it frees the job. */
		dma_fence_put(&job->fence);
		return ret;
	}
	*out = job;
	return 0;
}

static int xbuf_job_wait(struct xbuf_job *job, struct xbuf_dma_job *req)
{
	long ret = dma_fence_wait(&job->fence, true);

	/* Not -ERESTARTSYS: a restarted ioctl would submit the job twice. */
	if (ret)
		return -EINTR;
	req->status = job->fence.error;
	req->checksum = job->checksum;
	return 0;
}

/**
 * xbuf_dma_job_ioctl() - XBUF_DMA_IOC_JOB
 * @file: the open file
 * @arg: user pointer to &struct xbuf_dma_job
 *
 * Return: 0 once the job is queued (or, with XBUF_DMA_JOB_WAIT, complete),
 * or a negative errno; see Documentation/userspace-api/xbuf.rst.
 */
long xbuf_dma_job_ioctl(struct xbuf_dma_file *file, void __user *arg)
{
	struct sync_file *sync = NULL;
	struct xbuf_dma_job req;
	struct xbuf_job *job;
	int fd = -1, ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	ret = xbuf_job_check_args(&req);
	if (!ret)
		ret = xbuf_job_check_align(file->engine, &req);
	if (ret)
		return ret;

	if (req.flags & XBUF_DMA_JOB_OUT_FENCE) {
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0)
			return fd;
	}
	ret = xbuf_job_create(file, &req, fd >= 0 ? &sync : NULL, &job);
	if (ret)
		goto err_fd;

	if (req.flags & XBUF_DMA_JOB_WAIT)
		ret = xbuf_job_wait(job, &req);
	req.seqno = job->fence.seqno;
	req.fence_fd = fd;
	dma_fence_put(&job->fence);
	if (!ret && copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
	if (ret)
		goto err_sync;

	if (sync)
		fd_install(fd, sync->file);
	return 0;

err_sync:
	if (sync)
		fput(sync->file);
err_fd:
	if (fd >= 0)
		put_unused_fd(fd);
	return ret;
}
