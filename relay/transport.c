/* SPDX-License-Identifier: ISC */
/* transport.c: forwards the runner's calls to the chosen transport. */
#include <stdlib.h>
#include <string.h>

#include "api_pool.h"
#include "classify_api.h"
#include "config.h"
#include "smtp.h"
#include "transport.h"
#include "util.h"

struct transport {
	struct smtp_pool *smtp;		/* exactly one of the two */
	struct api_pool	*api;
};

int
transport_is_api(const struct config *cf)
{
	return strcmp(cf->transport, "api") == 0;
}

struct transport *
transport_start(const struct config *cf, const char *password, int wake_fd)
{
	struct transport *t = xcalloc(1, sizeof(*t));

	if (transport_is_api(cf))
		t->api = api_pool_start(cf, wake_fd);
	else
		t->smtp = smtp_pool_start(cf, password, wake_fd);
	return t;
}

int
transport_idle(struct transport *t)
{
	return t->api ? api_pool_idle(t->api) : smtp_pool_idle(t->smtp);
}

int
transport_busy(struct transport *t)
{
	return t->api ? api_pool_busy(t->api) : smtp_pool_busy(t->smtp);
}

void
transport_submit(struct transport *t, struct smtp_job *job)
{
	if (t->api)
		api_pool_submit(t->api, job);
	else
		smtp_submit(t->smtp, job);
}

struct smtp_job *
transport_take_done(struct transport *t)
{
	return t->api ? api_pool_take_done(t->api) : smtp_take_done(t->smtp);
}

void
transport_abort(struct transport *t)
{
	if (t->api)
		api_pool_abort(t->api);
	else
		smtp_pool_abort(t->smtp);
}

void
transport_stop(struct transport *t)
{
	if (t->api)
		api_pool_stop(t->api);
	else
		smtp_pool_stop(t->smtp);
	free(t);
}

void
transport_classify(const struct transport *t, const struct smtp_job *j,
    const char *sender, struct reply_class *out)
{
	if (t->api)
		classify_api((enum ses_send_status)j->api_status, j->after_dot, j->reused, out);
	else if (j->cc == 0 || (j->code >= 400 && j->code < 600))
		classify_reply(j->cc == 0 ? 250 : (int)j->code, j->reply + 3, sender,
		    j->after_dot, out);
	else
		classify_transport(j->cc, j->reply, j->after_dot, j->reused, out);
}
