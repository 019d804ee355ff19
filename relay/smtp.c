/* SPDX-License-Identifier: ISC */
/*
 * smtp.c: the transport, through libcurl (shared/libcurl-smtp.md has the
 * measurements behind each choice).  Why threads and not the multi
 * interface: with threads each easy handle keeps its own connection, so a
 * connection can be recycled after `connection_max_messages` or
 * `connection_max_seconds` and closed (QUIT) when idle, before SES's ~10 s
 * idle kill; the multi interface pools connections where we cannot see
 * them.  Workers only talk SMTP; every spool change happens in the main
 * thread.
 *
 * Safety: STARTTLS is required (CURLUSESSL_ALL) or TLS from the first byte
 * (smtps://), the peer and host name are verified, and credentials are
 * never sent without TLS.  Line ends are ours (msgstream.c): CURLOPT_CRLF
 * stays off, which would double existing CRs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "jobq.h"
#include "log.h"
#include "msgstream.h"
#include "smtp.h"
#include "util.h"

#ifndef CURLOPT_MAIL_RCPT_ALLOWFAILS
#define CURLOPT_MAIL_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

#define IDLE_CLOSE 4.0		/* seconds: well under SES's ~10 s idle kill */
#define MAX_LINES 256

struct smtp_pool {
	struct jobq	 q;
	pthread_t	*threads;
	volatile int	 abort;
	/* settings copied from the config */
	char		*url, *host, *user, *password, *ca_file;
	long		 connect_timeout, response_timeout;
	int		 max_messages, max_seconds;
};

struct lines {
	char	*line[MAX_LINES];
	int	 n;
};

static size_t
on_header(char *buf, size_t size, size_t nitems, void *arg)
{
	struct lines *l = arg;
	size_t n = size * nitems;

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	/* Only final lines ("250 ..."), not continuations ("250-..."). */
	if (n >= 3 && (n == 3 || buf[3] == ' ')) {
		if (l->n == MAX_LINES) {
			free(l->line[0]);
			memmove(l->line, l->line + 1, (MAX_LINES - 1) * sizeof(char *));
			l->n--;
		}
		l->line[l->n++] = xstrndup(buf, n);
	}
	return size * nitems;
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct smtp_pool *p = arg;

	(void)a; (void)b; (void)c; (void)d;
	return p->abort ? 1 : 0;
}

char *
smtp_reply_id(const char *reply)
{
	const char *p = reply + (strlen(reply) > 4 ? 4 : strlen(reply));

	if (strncasecmp(p, "Ok ", 3) == 0)
		p += 3;
	return xstrndup(p, strcspn(p, " "));
}

/* Fill job->reply and the per-recipient replies from the reply lines. */
static void
sort_replies(struct smtp_job *job, struct lines *l, const char *errbuf)
{
	int last = l->n - 1, i, k, data = -1;

	/* On failure libcurl sends QUIT: its "221" is not the answer. */
	if (job->cc != 0 && last >= 0 && strncmp(l->line[last], "221", 3) == 0)
		last--;
	if (last >= 0 && (job->cc == 0 || job->code >= 400))
		snprintf(job->reply, sizeof(job->reply), "%s", l->line[last]);
	else
		snprintf(job->reply, sizeof(job->reply), "%s",
		    *errbuf ? errbuf : curl_easy_strerror((CURLcode)job->cc));
	/* RCPT replies come one per recipient, in order, just before 354 (or
	 * at the end when every recipient was refused). */
	for (i = last; i >= 0; i--)
		if (strncmp(l->line[i], "354", 3) == 0) {
			data = i;
			break;
		}
	if (data < 0 && strncmp(errbuf, "RCPT failed", 11) == 0)
		data = last + 1;
	for (k = 0; data >= 0 && k < (int)job->nrcpts; k++) {
		i = data - (int)job->nrcpts + k;
		if (i < 0)
			continue;
		job->rcpt_code[k] = atoi(l->line[i]);
		job->rcpt_reply[k] = xstrdup(l->line[i]);
	}
}

static void
run_job(struct smtp_pool *p, CURL *h, struct smtp_job *job)
{
	struct curl_slist *rcpts = NULL;
	struct lines l = { { NULL }, 0 };
	char errbuf[CURL_ERROR_SIZE] = "", from[400];
	long nconn = 0, port = 0;
	char *ip = NULL;
	size_t i;

	curl_easy_reset(h);
	for (i = 0; i < job->nrcpts; i++)
		rcpts = curl_slist_append(rcpts, job->rcpts[i]);
	snprintf(from, sizeof(from), "<%s>", job->mail_from);
	curl_easy_setopt(h, CURLOPT_URL, p->url);
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (*p->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, p->ca_file);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_USERNAME, p->user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, p->password);
	curl_easy_setopt(h, CURLOPT_SASL_IR, 1L);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, msgstream_read);
	curl_easy_setopt(h, CURLOPT_READDATA, job->ms);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &l);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, p->connect_timeout);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, p->response_timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1000L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, p->response_timeout);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, p);
	job->cc = (int)curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &job->code);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconn);
	curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
	curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port);
	job->reused = nconn == 0;
	job->after_dot = msgstream_done(job->ms);
	job->rcpt_code = xcalloc(job->nrcpts, sizeof(int));
	job->rcpt_reply = xcalloc(job->nrcpts, sizeof(char *));
	sort_replies(job, &l, errbuf);
	snprintf(job->relay, sizeof(job->relay), "%s[%s]:%ld", p->host,
	    ip ? ip : "", port);
	for (i = 0; i < (size_t)l.n; i++)
		free(l.line[i]);
	curl_slist_free_all(rcpts);
}

/* One worker's connection. */
struct conn {
	CURL	*h;
	double	 last_used;
};

/* Waiting for work: QUIT an idle connection before SES drops it. */
static void
close_idle(void *arg)
{
	struct conn *c = arg;

	if (c->h != NULL && now_sec() - c->last_used > IDLE_CLOSE) {
		curl_easy_cleanup(c->h);	/* QUIT + close */
		c->h = NULL;
	}
}

static void *
worker(void *arg)
{
	struct smtp_pool *p = arg;
	struct smtp_job *job;
	struct conn c = { NULL, 0 };
	double conn_start = 0;
	int count = 0;

	while ((job = jobq_next(&p->q, close_idle, &c)) != NULL) {
		/* Recycle long-lived connections: SES's load balancer nodes
		 * come and go, and long sessions die. */
		if (c.h != NULL && (count >= p->max_messages ||
		    now_sec() - conn_start >= p->max_seconds)) {
			curl_easy_cleanup(c.h);
			c.h = NULL;
		}
		if (c.h == NULL)
			c.h = curl_easy_init();
		if (c.h == NULL) {
			job->cc = CURLE_OUT_OF_MEMORY;
			snprintf(job->reply, sizeof(job->reply), "out of memory");
			job->rcpt_code = xcalloc(job->nrcpts, sizeof(int));
			job->rcpt_reply = xcalloc(job->nrcpts, sizeof(char *));
		} else {
			run_job(p, c.h, job);
			if (!job->reused) {
				conn_start = now_sec();
				count = 0;
			}
			count++;
			if (job->cc != 0) {
				/* libcurl closed the connection after a failure. */
				count = 0;
			}
		}
		c.last_used = now_sec();
		jobq_finish(&p->q, job);
	}
	if (c.h != NULL)
		curl_easy_cleanup(c.h);
	return NULL;
}

struct smtp_pool *
smtp_pool_start(const struct config *cf, const char *password, int wake_fd)
{
	struct smtp_pool *p = xcalloc(1, sizeof(*p));
	int i;

	jobq_init(&p->q, cf->connections, wake_fd);
	p->url = xasprintf("%s://%s:%d/%s", strcmp(cf->tls, "implicit") == 0 ?
	    "smtps" : "smtp", cf->host, cf->port, cf->helo_name);
	p->host = xstrdup(cf->host);
	p->user = xstrdup(cf->username);
	p->password = xstrdup(password);
	p->ca_file = xstrdup(cf->ca_file);
	p->connect_timeout = cf->connect_timeout;
	p->response_timeout = cf->response_timeout;
	p->max_messages = cf->connection_max_messages;
	p->max_seconds = cf->connection_max_seconds;
	p->threads = xcalloc((size_t)p->q.nthreads, sizeof(pthread_t));
	for (i = 0; i < p->q.nthreads; i++)
		if ((errno = pthread_create(&p->threads[i], NULL, worker, p)) != 0)
			fatal(EXIT_OSERR, "pthread_create");
	return p;
}

int
smtp_pool_idle(struct smtp_pool *p)
{
	return jobq_idle(&p->q);
}

int
smtp_pool_busy(struct smtp_pool *p)
{
	return jobq_busy(&p->q);
}

void
smtp_submit(struct smtp_pool *p, struct smtp_job *job)
{
	jobq_submit(&p->q, job);
}

struct smtp_job *
smtp_take_done(struct smtp_pool *p)
{
	return jobq_take_done(&p->q);
}

void
smtp_pool_abort(struct smtp_pool *p)
{
	p->abort = 1;
}

void
smtp_pool_stop(struct smtp_pool *p)
{
	int i;

	jobq_stop(&p->q);
	for (i = 0; i < p->q.nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	free(p->url);
	free(p->host);
	free(p->user);
	explicit_bzero(p->password, strlen(p->password));
	free(p->password);
	free(p->ca_file);
	jobq_destroy(&p->q);
	free(p);
}

void
smtp_job_free_results(struct smtp_job *job)
{
	size_t i;

	for (i = 0; job->rcpt_reply && i < job->nrcpts; i++)
		free(job->rcpt_reply[i]);
	free(job->rcpt_reply);
	free(job->rcpt_code);
	job->rcpt_reply = NULL;
	job->rcpt_code = NULL;
}
