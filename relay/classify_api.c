/* SPDX-License-Identifier: ISC */
/*
 * classify_api.c: the API transport's outcome table.  Every enum
 * ses_send_status has one row; the SMTP table's classes are reused so the
 * runner applies one set of rules (attempts, backoff, hold, pause, bounce)
 * whichever transport ran.  The only exceptions to a plain row lookup are
 * the two where the moment matters: after the whole request was sent, a
 * timeout or a broken connection may hide an accepted message; before it,
 * a connection kept from an earlier request that broke is retried at once.
 */
#include <string.h>

#include "classify_api.h"

struct api_row {
	enum reply_action action;
	const char	*dsn;
	const char	*hint;
};

static const char hint_creds[] =
    "SES refused the API credentials: with a role (EC2, ECS, EKS) check that "
    "the role is attached and its credentials are current ('sesrelay "
    "credentials'); with keys, that secret_access_key_file holds the IAM "
    "secret key (not the SMTP password) for 'access_key_id'";

static const struct api_row rows[SEND_NSTATUS] = {
	[SEND_OK] = { ACT_DELIVERED, "2.0.0", NULL },
	[SEND_THROTTLED] = { ACT_THROTTLE, "4.7.0",
	    "SES is sending slower than we are: the daemon lowers its rate; raise "
	    "max_rate only after AWS raised your sending quota" },
	[SEND_QUOTA] = { ACT_QUOTA, "4.7.0",
	    "your 24-hour SES sending quota is used up: sending pauses and resumes "
	    "later; ask AWS for a higher quota in the SES console (Account dashboard)" },
	[SEND_REJECTED] = { ACT_FAIL, "5.7.1",
	    "SES rejected this message; in the sandbox every recipient must be "
	    "verified: request production access in the SES console (Account "
	    "dashboard), or verify this recipient" },
	[SEND_REJECTED_SENDER] = { ACT_HOLD, "5.7.1",
	    "SES says our sender address or its domain is not verified in this region: "
	    "verify the identity in the SES console (Verified identities) for this "
	    "region, or set 'sender' in sesrelay.conf to a verified address; nothing "
	    "was bounced" },
	[SEND_BAD_MESSAGE] = { ACT_FAIL, "5.6.0",
	    "SES refused the request for this message (bad input): see the reply" },
	[SEND_SUSPENDED] = { ACT_HOLD, "5.7.1",
	    "AWS suspended sending for this account: see the SES console and "
	    "contact AWS support" },
	[SEND_PAUSED] = { ACT_HOLD, "5.7.1",
	    "AWS paused sending for this account or configuration set (usually high "
	    "bounce or complaint rates): see the SES console's reputation dashboard" },
	[SEND_MAIL_FROM] = { ACT_HOLD, "5.7.1",
	    "the custom MAIL FROM domain of the sending identity is not verified: "
	    "fix its MX and SPF records ('sesrelay doctor')" },
	[SEND_NOT_FOUND] = { ACT_HOLD, "5.7.1",
	    "SES does not know a resource the request names (configuration set?): "
	    "check the SES console for this region" },
	[SEND_DENIED] = { ACT_HOLD, "5.7.1",
	    "the IAM identity behind the API credentials may not send: allow "
	    "ses:SendRawEmail and ses:SendEmail for this identity and region "
	    "(sesrelay.conf(5), IAM POLICY)" },
	[SEND_BAD_CREDENTIALS] = { ACT_HOLD, "5.7.8", hint_creds },
	[SEND_NO_CREDENTIALS] = { ACT_HOLD, "4.7.8",
	    "no AWS credentials were found: attach a role to the instance, task or "
	    "pod, or set access_key_id and secret_access_key_file; see 'sesrelay "
	    "credentials'" },
	[SEND_CLOCK] = { ACT_HOLD, "4.7.8",
	    "SES says the request time is off: fix this host's clock (NTP)" },
	[SEND_SERVER] = { ACT_RETRY, "4.4.1", NULL },
	[SEND_UNKNOWN] = { ACT_RETRY, "4.0.0", NULL },
	[SEND_TIMEOUT] = { ACT_RETRY, "4.4.2", NULL },
	[SEND_RESET] = { ACT_RETRY, "4.4.1", NULL },
	[SEND_CONNECT] = { ACT_RETRY, "4.4.1",
	    "cannot reach the SES API endpoint: check 'region'/'ses_endpoint', DNS, "
	    "and that HTTPS (443) leaves this host; run 'sesrelay doctor'" },
	[SEND_TLS] = { ACT_HOLD, "4.7.5",
	    "the TLS handshake or the certificate check of the SES API failed: "
	    "check 'ses_endpoint', 'aws_ca_file' and the system CA store "
	    "(ca-certificates); run 'sesrelay doctor'" },
	[SEND_TOO_BIG] = { ACT_FAIL, "5.3.4",
	    "the message is larger than SES accepts (40 MB): send a link instead "
	    "of the attachment" },
	[SEND_LOCAL] = { ACT_RETRY, "4.3.0", NULL },
	[SEND_ABORTED] = { ACT_RETRY, "4.4.1", NULL },
	[SEND_MALFORMED] = { ACT_RETRY, "4.4.1", NULL },
};

void
classify_api(enum ses_send_status st, int body_sent, int reused, struct reply_class *out)
{
	memset(out, 0, sizeof(*out));
	if ((unsigned)st >= SEND_NSTATUS) {
		out->action = ACT_RETRY;
		out->dsn = "4.0.0";
		return;
	}
	out->action = rows[st].action;
	out->dsn = rows[st].dsn;
	out->hint = rows[st].hint;
	if (st == SEND_TIMEOUT || st == SEND_RESET || st == SEND_ABORTED ||
	    st == SEND_MALFORMED) {
		if (body_sent) {
			out->maybe_sent = 1;
			out->hint = "no answer after the whole request was sent: SES may "
			    "have accepted the message, so the retry may deliver a duplicate";
		} else if (st == SEND_RESET && reused)
			out->action = ACT_RETRY_NOW;
	}
}
