/* SPDX-License-Identifier: ISC */
/* smtp.c: libcurl SMTP transport: a pool of worker threads, each owning one
 * easy handle and so one reusable TLS connection to the relay. */
#ifndef SESRELAY_SMTP_H
#define SESRELAY_SMTP_H

#include <stddef.h>

struct config;
struct msgstream;
struct smtp_pool;

#define SMTP_REPLY_MAX 512

/* One SMTP transaction (MAIL, up to 50 RCPT, DATA). */
struct smtp_job {
	/* filled by the caller */
	void	*owner;
	const char *mail_from;		/* without <>; "" = null sender */
	char	**rcpts;		/* wire addresses */
	size_t	 nrcpts;
	struct msgstream *ms;
	/* filled by the worker */
	int	 cc;			/* CURLcode, 0 = the final reply was 2xx */
	long	 code;			/* SMTP code of the last reply read */
	char	 reply[SMTP_REPLY_MAX];	/* final reply line, or libcurl's error */
	int	*rcpt_code;		/* per recipient: RCPT reply code, 0 unknown */
	char	**rcpt_reply;
	int	 after_dot;		/* the whole message was sent */
	int	 reused;		/* ran on a connection used before */
	char	 relay[320];		/* host[ip]:port */
	/* filled by the API transport (api_pool.c), which also fills cc (0 =
	 * sent), code (HTTP status), reply, after_dot (the whole request was
	 * sent), reused and relay */
	int	 api_status;		/* enum ses_send_status */
	struct smtp_job *next;
};

/* Start `connections` workers; `wake_fd` gets one byte per finished job. */
struct smtp_pool *smtp_pool_start(const struct config *cf, const char *password,
	    int wake_fd);
int	smtp_pool_idle(struct smtp_pool *p);	/* jobs it can take now (one waiting per worker) */
int	smtp_pool_busy(struct smtp_pool *p);	/* jobs queued or running */
void	smtp_submit(struct smtp_pool *p, struct smtp_job *job);
/* A finished job, or NULL. */
struct smtp_job *smtp_take_done(struct smtp_pool *p);
/* Make running transfers fail at once (shutdown). */
void	smtp_pool_abort(struct smtp_pool *p);
/* Stop the workers (after their current job), close connections (QUIT). */
void	smtp_pool_stop(struct smtp_pool *p);
void	smtp_job_free_results(struct smtp_job *job);

/* The SES message id in a "250 Ok <id>" reply (malloc'd; also the API
 * transport's "200 OK <id>"), or the text after the code for other servers. */
char	*smtp_reply_id(const char *reply);

#endif
