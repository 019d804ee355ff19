/* SPDX-License-Identifier: ISC */
/*
 * doctor_events.c: is the SES event path set up (doctor_events.h)?  The
 * SES call is one signed GET over awshttp.c, read with awsjson.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awscreds.h"
#include "awshttp.h"
#include "awsjson.h"
#include "config.h"
#include "doctor_events.h"
#include "sesapi.h"
#include "sqs.h"
#include "util.h"

struct out {
	struct doctor_finding	*f;
	size_t			 n, max;
};

static void __attribute__((format(printf, 4, 5)))
add(struct out *o, int level, const char *fix, const char *fmt, ...)
{
	struct doctor_finding *f;
	va_list ap;

	if (o->n == o->max)
		return;
	f = &o->f[o->n++];
	f->level = level;
	snprintf(f->fix, sizeof(f->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

/* GET the configuration set's event destinations; the reply (any status)
 * in r, or -1 with why. */
static int
get_destinations(const struct config *cf, struct awscreds_chain *ch,
    struct awshttp_response *r, char *why, size_t whylen)
{
	struct awscreds c;
	struct awshttp_signer s;
	struct awshttp_request rq;
	char *url;
	size_t n;

	if (awscreds_get(ch, 0, &c, why, whylen) != CREDS_OK)
		return -1;
	url = *cf->ses_endpoint ? xstrdup(cf->ses_endpoint) :
	    xasprintf("https://email.%s.amazonaws.com", cf->region);
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	/* Configuration set names are [A-Za-z0-9_-] (config.c): no encoding. */
	url = xrealloc(url, n + strlen(cf->configuration_set) + 64);
	snprintf(url + n, strlen(cf->configuration_set) + 64,
	    "/v2/email/configuration-sets/%s/event-destinations", cf->configuration_set);
	s = (struct awshttp_signer){ c.access_key_id, c.secret_access_key,
	    c.session_token, cf->region, "ses" };
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = url;
	rq.sign = &s;
	memset(r, 0, sizeof(*r));
	awshttp_do(&rq, r);
	awscreds_clear(&c);
	free(url);
	if (r->fail != AWSHTTP_OK) {
		snprintf(why, whylen, "%s: %s", awshttp_fail_name(r->fail), r->detail);
		awshttp_response_free(r);
		return -1;
	}
	return 0;
}

/* 1 when the destination at index i lists `type` (or all of them). */
static int
matches(const struct awsjson *j, size_t i, const char *type)
{
	char path[96];
	size_t k, n;

	snprintf(path, sizeof(path), "EventDestinations.%zu.MatchingEventTypes", i);
	n = awsjson_array_len(j, path);
	for (k = 0; k < n; k++) {
		const char *t;

		snprintf(path, sizeof(path), "EventDestinations.%zu.MatchingEventTypes.%zu", i, k);
		if ((t = awsjson_string(j, path)) != NULL && strcmp(t, type) == 0)
			return 1;
	}
	return 0;
}

static void
check_destinations(struct out *o, const struct config *cf, const struct awsjson *j)
{
	static const char *need[] = { "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY" };
	char path[96], missing[96];
	size_t i, k, n = awsjson_array_len(j, "EventDestinations");

	for (i = 0; i < n; i++) {
		const char *topic;
		int on = 0;

		snprintf(path, sizeof(path), "EventDestinations.%zu.Enabled", i);
		if (awsjson_bool(j, path, &on) == -1 || !on)
			continue;
		snprintf(path, sizeof(path), "EventDestinations.%zu.SnsDestination.TopicArn", i);
		if ((topic = awsjson_string(j, path)) == NULL)
			continue;
		missing[0] = '\0';
		for (k = 0; k < sizeof(need) / sizeof(need[0]); k++)
			if (!matches(j, i, need[k]))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				    "%s%s", *missing ? ", " : "", need[k]);
		if (*missing)
			add(o, 1, "add them to the event destination's matching event types "
			    "(README: Delivery events)", "configuration set %s publishes to %s "
			    "but not %s: trace and status will miss those", cf->configuration_set,
			    topic, missing);
		else
			add(o, 0, NULL, "configuration set %s publishes bounces, complaints, "
			    "deliveries and delays to %s", cf->configuration_set, topic);
		return;
	}
	add(o, *cf->events_queue_url ? 2 : 1, "add an enabled SNS event destination "
	    "(README: Delivery events)", "configuration set %s has no enabled SNS event "
	    "destination: no events reach the queue", cf->configuration_set);
}

static void
check_set(struct out *o, const struct config *cf, struct awscreds_chain *ch)
{
	struct awshttp_response r;
	struct awsjson *j;
	char why[512];

	if (get_destinations(cf, ch, &r, why, sizeof(why)) == -1) {
		add(o, 1, NULL, "cannot ask SES about configuration set %s: %s",
		    cf->configuration_set, why);
		return;
	}
	j = r.body ? awsjson_parse(r.body, r.len) : NULL;
	if (r.status == 200 && j)
		check_destinations(o, cf, j);
	else if (r.status == 404)
		add(o, 2, "create it (aws sesv2 create-configuration-set "
		    "--configuration-set-name NAME) or fix configuration_set",
		    "configuration set %s does not exist in %s: SES refuses mail that names it",
		    cf->configuration_set, cf->region);
	else if (r.status == 403)
		add(o, 1, "allow ses:GetConfigurationSetEventDestinations for doctor "
		    "(the daemon does not need it)", "cannot check configuration set %s: "
		    "access denied (%s)", cf->configuration_set, *r.error_type ?
		    r.error_type : "HTTP 403");
	else
		add(o, 1, NULL, "cannot check configuration set %s: HTTP %ld %s",
		    cf->configuration_set, r.status, r.error_type);
	awsjson_free(j);
	awshttp_response_free(&r);
}

static void
check_queue(struct out *o, const struct config *cf, struct awscreds_chain *ch)
{
	struct sqs_error e;
	struct sqs *q;
	char err[512];
	long waiting, flight;

	if ((q = sqs_new(cf, ch, err, sizeof(err))) == NULL) {
		add(o, 2, "set events_queue_url to the queue's URL", "%s", err);
		return;
	}
	if (sqs_queue_depth(q, &waiting, &flight, &e) == 0)
		add(o, 0, NULL, "event queue %s answers: %ld event(s) waiting, %ld being "
		    "processed", cf->events_queue_url, waiting, flight);
	else if (e.status == SQS_DENIED)
		add(o, 1, "allow sqs:GetQueueAttributes for doctor (the daemon needs only "
		    "sqs:ReceiveMessage and sqs:DeleteMessage)", "cannot check the event "
		    "queue: access denied");
	else
		add(o, 2, e.status == SQS_NO_QUEUE ? "check events_queue_url (region, "
		    "account, queue name)" : e.status == SQS_BAD_CREDENTIALS ||
		    e.status == SQS_NO_CREDENTIALS ? "check the AWS credentials: sesrelay "
		    "credentials" : NULL, "event queue %s: %s: %s", cf->events_queue_url,
		    sqs_status_name(e.status), e.message);
	sqs_free(q);
}

size_t
doctor_events(const struct config *cf, struct doctor_finding *f, size_t max)
{
	struct out o = { f, 0, max };
	struct awscreds_chain *ch;

	if (!*cf->configuration_set && !*cf->events_queue_url)
		return 0;
	if (!*cf->configuration_set) {
		add(&o, 1, "set configuration_set to the set whose events reach the queue",
		    "events_queue_url is set but configuration_set is not: SES publishes "
		    "events only for mail sent with a configuration set");
	}
	sesapi_client_setup(cf);	/* doctor is single-threaded */
	ch = awscreds_chain_new(cf);
	if (*cf->configuration_set)
		check_set(&o, cf, ch);
	if (*cf->events_queue_url)
		check_queue(&o, cf, ch);
	else
		add(&o, 1, "set events_queue_url (README: Delivery events)", "configuration "
		    "set %s is named on every message, but events_queue_url is not set: "
		    "trace shows sent mail only", cf->configuration_set);
	awscreds_chain_free(ch);
	return o.n;
}
