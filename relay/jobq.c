/* SPDX-License-Identifier: ISC */
/* jobq.c: see jobq.h. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "jobq.h"
#include "smtp.h"

void
jobq_init(struct jobq *q, int nthreads, int wake_fd)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->nthreads = nthreads;
	q->busy = 0;
	q->stop = 0;
	q->todo = q->todo_tail = q->done = NULL;
	q->wake_fd = wake_fd;
}

void
jobq_destroy(struct jobq *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

int
jobq_idle(struct jobq *q)
{
	int n;

	/* One job may wait per worker, so that a worker starts its next
	 * message while the main thread is still recording the last one
	 * (state file, fsync). */
	pthread_mutex_lock(&q->mu);
	n = 2 * q->nthreads - q->busy;
	pthread_mutex_unlock(&q->mu);
	return n < 0 ? 0 : n;
}

int
jobq_busy(struct jobq *q)
{
	int n;

	pthread_mutex_lock(&q->mu);
	n = q->busy;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void
jobq_submit(struct jobq *q, struct smtp_job *job)
{
	job->next = NULL;
	job->rcpt_code = NULL;
	job->rcpt_reply = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->todo_tail)
		q->todo_tail->next = job;
	else
		q->todo = job;
	q->todo_tail = job;
	q->busy++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

struct smtp_job *
jobq_take_done(struct jobq *q)
{
	struct smtp_job *job;

	pthread_mutex_lock(&q->mu);
	if ((job = q->done) != NULL)
		q->done = job->next;
	pthread_mutex_unlock(&q->mu);
	return job;
}

void
jobq_stop(struct jobq *q)
{
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

struct smtp_job *
jobq_next(struct jobq *q, void (*idle)(void *), void *ctx)
{
	struct smtp_job *job = NULL;

	pthread_mutex_lock(&q->mu);
	while (q->todo == NULL && !q->stop) {
		struct timespec ts;

		pthread_mutex_unlock(&q->mu);
		idle(ctx);
		pthread_mutex_lock(&q->mu);
		if (q->todo != NULL || q->stop)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&q->cv, &q->mu, &ts);
	}
	if (!q->stop) {
		job = q->todo;
		if ((q->todo = job->next) == NULL)
			q->todo_tail = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return job;
}

void
jobq_finish(struct jobq *q, struct smtp_job *job)
{
	pthread_mutex_lock(&q->mu);
	job->next = q->done;
	q->done = job;
	q->busy--;
	while (write(q->wake_fd, "x", 1) == -1 && errno == EINTR)
		;
	pthread_mutex_unlock(&q->mu);
}
