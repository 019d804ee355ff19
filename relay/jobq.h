/* SPDX-License-Identifier: ISC */
/* jobq.c: the job queue between the runner and a transport's worker
 * threads (smtp.c, api_pool.c): jobs to do, jobs done, and a byte on
 * wake_fd for each finished job. */
#ifndef SESRELAY_JOBQ_H
#define SESRELAY_JOBQ_H

#include <pthread.h>

struct smtp_job;

struct jobq {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 nthreads;	/* workers taking from it */
	int		 busy;		/* jobs queued or running */
	int		 stop;
	struct smtp_job	*todo, *todo_tail, *done;
	int		 wake_fd;
};

void	jobq_init(struct jobq *q, int nthreads, int wake_fd);
void	jobq_destroy(struct jobq *q);
/* Runner side. */
int	jobq_idle(struct jobq *q);	/* jobs it can take now (one waiting per worker) */
int	jobq_busy(struct jobq *q);
void	jobq_submit(struct jobq *q, struct smtp_job *job);
struct smtp_job *jobq_take_done(struct jobq *q);	/* a finished job, or NULL */
void	jobq_stop(struct jobq *q);	/* workers' jobq_next returns NULL */
/* Worker side: the next job, or NULL once stopped.  While waiting, idle(ctx)
 * runs about once a second without the lock (a worker closes an idle
 * connection there). */
struct smtp_job *jobq_next(struct jobq *q, void (*idle)(void *), void *ctx);
void	jobq_finish(struct jobq *q, struct smtp_job *job);

#endif
