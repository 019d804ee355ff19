/* SPDX-License-Identifier: ISC */
/*
 * evpoll.c: receive -> ingest -> delete, in a thread of the daemon
 * (evpoll.h).  At-least-once: a message is deleted only after its event is
 * committed to the history, so a crash in between redelivers it, which
 * the history's unique key makes harmless.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "awscreds.h"
#include "awshttp.h"
#include "config.h"
#include "events.h"
#include "evpoll.h"
#include "history.h"
#include "log.h"
#include "sqs.h"
#include "util.h"

#define BACKOFF_MAX 300		/* seconds between retries of a failing queue */

struct evpoll {
	struct config		 cfcopy;	/* own copy: a reload frees the runner's */
	const struct config	*cf;		/* &cfcopy */
	pthread_t		 thread;
	atomic_int		 stop;
};

/* Sleep up to `sec` seconds, waking early when asked to stop. */
static void
nap(struct evpoll *p, int sec)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int i;

	for (i = 0; i < sec * 10 && !atomic_load(&p->stop); i++)
		nanosleep(&ts, NULL);
}

/* Store one received batch; delete what is settled. */
static void
settle(struct evpoll *p, struct history *h, struct sqs *q, struct sqs_message *m,
    size_t n)
{
	char *del[10];
	size_t i, ndel = 0;
	struct sqs_error e;
	int failed;

	if (history_begin(h) == -1) {
		log_warnx("SES events: cannot write the history: %s", history_error(h));
		return;		/* all of them come back after the visibility timeout */
	}
	for (i = 0; i < n && i < 10; i++) {
		struct ev_opts eo = { p->cf->host_tag, p->cf->bounce_notice ? p->cf : NULL };
		enum ev_outcome o = events_ingest(h, &eo, m[i].id, m[i].body, m[i].len);

		if (o == EVO_UNKNOWN) {
			/* Counted once, not at every redelivery. */
			if (m[i].receive_count <= 1) {
				history_counter_add(h, "unknown", 1);
				log_info("SES event %s: not a message this host sent (or "
				    "not yet recorded): left in the queue", m[i].id);
			}
		} else if (o != EVO_ERROR)
			del[ndel++] = m[i].receipt;
	}
	if (history_commit(h) == -1) {
		log_warnx("SES events: cannot commit to the history: %s", history_error(h));
		return;
	}
	if (ndel > 0 && (failed = sqs_delete_batch(q, del, ndel, &e)) != 0) {
		if (failed < 0)
			log_warnx("SES events: cannot delete %zu message(s) from the "
			    "queue: %s: %s (they come back and change nothing)", ndel,
			    sqs_status_name(e.status), e.message);
		else
			log_warnx("SES events: %d of %zu deletes refused (stale receipt "
			    "handles: the messages come back and change nothing)", failed, ndel);
	}
}

/* What the operator can do about a queue error, or "". */
static const char *
queue_hint(enum sqs_status s)
{
	switch (s) {
	case SQS_NO_CREDENTIALS:
	case SQS_BAD_CREDENTIALS:
		return " -- check the AWS credentials: sesrelay credentials";
	case SQS_DENIED:
		return " -- allow sqs:ReceiveMessage and sqs:DeleteMessage on the queue "
		    "in the IAM policy";
	case SQS_NO_QUEUE:
		return " -- check events_queue_url (region, account, queue name)";
	default:
		return "";
	}
}

static void
poll_loop(struct evpoll *p, struct history *h, struct sqs *q)
{
	enum sqs_status last = SQS_OK;
	struct sqs_message *m;
	struct sqs_error e;
	size_t n;
	int backoff = 1;

	while (!atomic_load(&p->stop)) {
		if (sqs_receive(q, 10, p->cf->events_wait, &m, &n, &e) == -1) {
			if (e.status != last)
				log_warnx("SES events: cannot read %s: %s: %s; retrying%s",
				    p->cf->events_queue_url, sqs_status_name(e.status), e.message,
				    queue_hint(e.status));
			last = e.status;
			nap(p, backoff);
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
			continue;
		}
		if (last != SQS_OK)
			log_info("SES events: reading %s again", p->cf->events_queue_url);
		last = SQS_OK;
		backoff = 1;
		settle(p, h, q, m, n);
		sqs_messages_free(m, n);
		if (n == 0 && p->cf->events_wait == 0)
			nap(p, 1);	/* short polling: do not spin */
	}
}

static void *
run(void *arg)
{
	struct evpoll *p = arg;
	struct awscreds_chain *creds = NULL;
	struct history *h;
	struct sqs *q = NULL;
	char err[512];

	if ((h = history_open(p->cf->spool_dir, HISTORY_WRITE, err, sizeof(err))) == NULL) {
		log_warnx("SES events off: %s", err);
		return NULL;
	}
	creds = awscreds_chain_new(p->cf);
	if ((q = sqs_new(p->cf, creds, err, sizeof(err))) == NULL)
		log_warnx("SES events off: %s", err);
	else {
		log_info("SES events: polling %s (host tag %s)", p->cf->events_queue_url,
		    p->cf->host_tag);
		poll_loop(p, h, q);
	}
	sqs_free(q);
	awscreds_chain_free(creds);
	history_close(h);
	return NULL;
}

struct evpoll *
evpoll_start(const struct config *cf)
{
	struct evpoll *p;
	char err[4096];
	int rc;

	if (*cf->events_queue_url == '\0')
		return NULL;
	p = xcalloc(1, sizeof(*p));
	config_defaults(&p->cfcopy);
	if (config_load(&p->cfcopy, cf->path, 0, err, sizeof(err)) == -1) {
		log_warnx("SES events off: %s", err);
		goto fail;
	}
	p->cf = &p->cfcopy;
	/* The HTTP client's process-wide settings: the account view sets
	 * them when it runs; set them only when it does not, before any
	 * thread makes a request. */
	if (!account_api_enabled(cf)) {
		struct awshttp_conf hc = { cf->aws_ca_file, (long)cf->connect_timeout * 1000 };

		awshttp_configure(&hc);
	}
	atomic_init(&p->stop, 0);
	if ((rc = pthread_create(&p->thread, NULL, run, p)) != 0) {
		log_warnx("SES events off: cannot start the poller thread: %s", strerror(rc));
		goto fail;
	}
	return p;
fail:
	config_free(&p->cfcopy);
	free(p);
	return NULL;
}

void
evpoll_stop(struct evpoll *p)
{
	if (p == NULL)
		return;
	atomic_store(&p->stop, 1);
	pthread_join(p->thread, NULL);
	config_free(&p->cfcopy);
	free(p);
}
