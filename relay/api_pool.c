/* SPDX-License-Identifier: ISC */
/*
 * api_pool.c: worker threads for the SES API transport.  As in smtp.c,
 * each worker owns its connection (an awshttp_conn), so a connection is
 * reused while messages keep coming (HTTP keep-alive), recycled after
 * `connection_max_messages` or `connection_max_seconds`, and closed after
 * IDLE_CLOSE seconds without work.  HTTP/2 multiplexing is not used: one
 * request per connection at a time, `connections` connections.  Workers
 * only talk HTTPS; every spool change happens in the main thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_pool.h"
#include "log.h"
#include "awscreds.h"
#include "awshttp.h"
#include "config.h"
#include "jobq.h"
#include "sesapi_send.h"
#include "smtp.h"
#include "util.h"

#define IDLE_CLOSE 4.0		/* seconds, as for SMTP */

struct api_pool {
	struct jobq	 q;
	pthread_t	*threads;
	volatile int	 abort;
	struct awscreds_chain *creds;
	struct ses_sender *sender;
	char		*relay_host;	/* the endpoint URL, for relay= */
	long		 stall_s;
	int		 max_messages, max_seconds;
};

/* One SendEmail; the outcome into the job the way the runner reads it. */
static void
run_job(struct api_pool *p, struct awshttp_conn *conn, struct smtp_job *job)
{
	struct ses_send_result res;

	ses_send_raw(p->sender, conn, job->mail_from, job->rcpts, job->nrcpts, job->ms,
	    p->stall_s, &p->abort, &res);
	job->api_status = (int)res.status;
	job->cc = res.status == SEND_OK ? 0 : 1;
	job->code = res.http_status;
	job->after_dot = res.body_sent;
	job->reused = res.reused;
	if (res.status == SEND_OK)
		snprintf(job->reply, sizeof(job->reply), "%ld OK %s", res.http_status,
		    res.message_id);
	else if (res.http_status != 0)
		snprintf(job->reply, sizeof(job->reply), "%ld %.90s%s%.400s",
		    res.http_status, res.code[0] ? res.code : "error",
		    res.text[0] ? ": " : "", res.text);
	else
		snprintf(job->reply, sizeof(job->reply), "%s: %.450s",
		    ses_send_status_name(res.status), res.text);
	snprintf(job->relay, sizeof(job->relay), res.peer[0] ? "%s[%s]" : "%s",
	    p->relay_host, res.peer);
	job->rcpt_code = xcalloc(job->nrcpts, sizeof(int));
	job->rcpt_reply = xcalloc(job->nrcpts, sizeof(char *));
}

/* Waiting for work: close a connection idle for IDLE_CLOSE seconds. */
static void
close_idle(void *arg)
{
	struct awshttp_conn **conn = arg;

	if (*conn != NULL && awshttp_conn_idle(*conn) > IDLE_CLOSE) {
		awshttp_conn_free(*conn);
		*conn = NULL;
	}
}

static void *
worker(void *arg)
{
	struct api_pool *p = arg;
	struct awshttp_conn *conn = NULL;
	struct smtp_job *job;
	double conn_start = 0;
	int count = 0;

	while ((job = jobq_next(&p->q, close_idle, &conn)) != NULL) {
		if (conn != NULL && (count >= p->max_messages ||
		    now_sec() - conn_start >= p->max_seconds)) {
			awshttp_conn_free(conn);
			conn = NULL;
		}
		if (conn == NULL) {
			conn = awshttp_conn_new();
			conn_start = now_sec();
			count = 0;
		}
		run_job(p, conn, job);
		count++;
		jobq_finish(&p->q, job);
	}
	awshttp_conn_free(conn);
	return NULL;
}

struct api_pool *
api_pool_start(const struct config *cf, int wake_fd)
{
	struct api_pool *p = xcalloc(1, sizeof(*p));
	int i;

	/* The HTTP client's settings (aws_ca_file, timeouts) were set once by
	 * the daemon at start: setting them here would race the account
	 * view's thread. */
	jobq_init(&p->q, cf->connections, wake_fd);
	p->creds = awscreds_chain_new(cf);
	p->sender = ses_sender_new(cf, p->creds);
	p->relay_host = xstrdup(ses_sender_endpoint(p->sender));
	p->stall_s = cf->response_timeout;
	p->max_messages = cf->connection_max_messages;
	p->max_seconds = cf->connection_max_seconds;
	p->threads = xcalloc((size_t)p->q.nthreads, sizeof(pthread_t));
	for (i = 0; i < p->q.nthreads; i++)
		if ((errno = pthread_create(&p->threads[i], NULL, worker, p)) != 0)
			fatal(EXIT_OSERR, "pthread_create");
	return p;
}

int
api_pool_idle(struct api_pool *p)
{
	return jobq_idle(&p->q);
}

int
api_pool_busy(struct api_pool *p)
{
	return jobq_busy(&p->q);
}

void
api_pool_submit(struct api_pool *p, struct smtp_job *job)
{
	jobq_submit(&p->q, job);
}

struct smtp_job *
api_pool_take_done(struct api_pool *p)
{
	return jobq_take_done(&p->q);
}

void
api_pool_abort(struct api_pool *p)
{
	p->abort = 1;
}

void
api_pool_stop(struct api_pool *p)
{
	int i;

	jobq_stop(&p->q);
	for (i = 0; i < p->q.nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	ses_sender_free(p->sender);
	awscreds_chain_free(p->creds);
	free(p->relay_host);
	jobq_destroy(&p->q);
	free(p);
}
