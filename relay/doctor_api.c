/* SPDX-License-Identifier: ISC */
/*
 * doctor_api.c: is the SES API reachable, and with which credentials?
 * The TLS check is one unsigned GET of the endpoint's root over awshttp.c
 * (the same client and CA settings the transport uses): any HTTP answer
 * means the handshake and the certificate passed.  Hints come from the
 * transport's own table (classify_api.c), so doctor and the daemon say
 * the same thing for the same failure.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "awscreds.h"
#include "awshttp.h"
#include "classify_api.h"
#include "config.h"
#include "doctor_api.h"
#include "sesapi.h"
#include "util.h"

static const char *
hint(enum ses_send_status st)
{
	struct reply_class c;

	classify_api(st, 0, 0, &c);
	return c.hint;
}

/* "host" of "https://host[:port]/...". */
static char *
host_of(const char *url, char **port)
{
	const char *h = strstr(url, "://") ? strstr(url, "://") + 3 : url;
	size_t n = strcspn(h, ":/");

	*port = h[n] == ':' ? xstrndup(h + n + 1, strcspn(h + n + 1, "/")) : xstrdup("443");
	return xstrndup(h, n);
}

static int
check_endpoint(const struct config *cf, const char *url, doctor_step_fn step)
{
	struct awshttp_request rq;
	struct awshttp_response r;
	struct addrinfo hints, *ai = NULL;
	char text[600], *port, *host = host_of(url, &port);
	int rc = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		snprintf(text, sizeof(text), "SES API endpoint %s does not resolve", host);
		step(2, hint(SEND_CONNECT), text);
		rc = -1;
		goto out;
	}
	freeaddrinfo(ai);
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = url;
	rq.timeout_ms = (long)cf->connect_timeout * 1000 + 5000;
	awshttp_do(&rq, &r);
	if (r.fail == AWSHTTP_TLS) {
		snprintf(text, sizeof(text), "TLS with %s failed: %s", host, r.detail);
		step(2, hint(SEND_TLS), text);
		rc = -1;
	} else if (r.fail != AWSHTTP_OK) {
		snprintf(text, sizeof(text), "SES API endpoint %s:%s not reachable: %s", host,
		    port, r.detail);
		step(2, hint(SEND_CONNECT), text);
		rc = -1;
	} else {
		snprintf(text, sizeof(text), "SES API endpoint %s (%s:%s): TLS handshake and "
		    "certificate verified", url, host, port);
		step(0, NULL, text);
	}
	awshttp_response_free(&r);
out:
	free(host);
	free(port);
	return rc;
}

static void
check_credentials(const struct config *cf, doctor_step_fn step)
{
	struct awscreds_chain *ch = awscreds_chain_new(cf);
	struct awscreds c;
	char err[1024], text[1400];

	if (awscreds_get(ch, 0, &c, err, sizeof(err)) != CREDS_OK) {
		snprintf(text, sizeof(text), "no AWS credentials for the API transport: %s", err);
		step(2, hint(SEND_NO_CREDENTIALS), text);
	} else	/* the source is shown by doctor_aws.c's step */
		awscreds_clear(&c);
	awscreds_chain_free(ch);
}

void
doctor_api_path(const struct config *cf, doctor_step_fn step)
{
	char *url = sesapi_endpoint_url(cf);
	char text[600];

	snprintf(text, sizeof(text), "transport = \"api\": SendEmail to %s, region %s "
	    "(no SMTP credentials needed)", url, cf->region);
	step(0, NULL, text);
	sesapi_client_setup(cf);
	if (check_endpoint(cf, url, step) == 0)
		check_credentials(cf, step);
	free(url);
}
