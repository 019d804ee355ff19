/* SPDX-License-Identifier: ISC */
/*
 * transport.c: what the runner delivers through, chosen by the config key
 * `transport`: "smtp" (smtp.c, the SES SMTP interface) or "api" (api_pool.c,
 * SES v2 SendEmail over HTTPS).  Both take the same jobs (struct smtp_job:
 * envelope + message stream in, outcome out); this file forwards each call
 * and turns an outcome into the runner's classes (classify.h).
 */
#ifndef SESRELAY_TRANSPORT_H
#define SESRELAY_TRANSPORT_H

#include "classify.h"
#include "smtp.h"

struct config;
struct transport;

/* 1 when cf delivers through the SES API. */
int	transport_is_api(const struct config *cf);

/* Start `connections` workers; `password` is the SMTP password (unused by
 * the API transport, which takes credentials from the AWS chain). */
struct transport *transport_start(const struct config *cf, const char *password,
	    int wake_fd);
int	transport_idle(struct transport *t);
int	transport_busy(struct transport *t);
void	transport_submit(struct transport *t, struct smtp_job *job);
struct smtp_job *transport_take_done(struct transport *t);
void	transport_abort(struct transport *t);
void	transport_stop(struct transport *t);

/* A finished job's outcome as a class; sender: our envelope sender. */
void	transport_classify(const struct transport *t, const struct smtp_job *j,
	    const char *sender, struct reply_class *out);

#endif
