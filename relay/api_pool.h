/* SPDX-License-Identifier: ISC */
/* api_pool.c: the SES API transport: `connections` worker threads, each
 * with one kept-alive HTTPS connection to the SES v2 endpoint, sending
 * jobs with SendEmail (sesapi_send.c).  Same contract as the SMTP pool
 * (smtp.h), so the runner drives either through transport.h. */
#ifndef SESRELAY_API_POOL_H
#define SESRELAY_API_POOL_H

struct config;
struct smtp_job;
struct api_pool;

/* Start the workers; `wake_fd` gets one byte per finished job. */
struct api_pool *api_pool_start(const struct config *cf, int wake_fd);
int	api_pool_idle(struct api_pool *p);	/* jobs it can take now */
int	api_pool_busy(struct api_pool *p);	/* jobs queued or running */
void	api_pool_submit(struct api_pool *p, struct smtp_job *job);
struct smtp_job *api_pool_take_done(struct api_pool *p);
void	api_pool_abort(struct api_pool *p);
/* Stop the workers after their current job and close the connections. */
void	api_pool_stop(struct api_pool *p);

#endif
