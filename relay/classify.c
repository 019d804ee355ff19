/* SPDX-License-Identifier: ISC */
/*
 * classify.c: what the relay does with each SES reply.  The rows follow
 * shared/ses-smtp.md section 3; the hints are written for an admin who has
 * never used SES.  Order matters: specific texts before generic codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"

struct row {
	int		 code;		/* 0 = any code of the class below */
	int		 cls;		/* 4 or 5 when code is 0 */
	const char	*text;		/* case-insensitive substring, NULL = any */
	enum reply_action action;
	const char	*dsn;
	const char	*hint;
};

static const struct row rows[] = {
	{ 454, 0, "Maximum sending rate exceeded", ACT_THROTTLE, "4.7.0",
	  "SES is sending slower than we are: the daemon lowers its rate; raise "
	  "max_rate only after AWS raised your sending quota" },
	{ 454, 0, "Daily message quota exceeded", ACT_QUOTA, "4.7.0",
	  "your 24-hour SES sending quota is used up: sending pauses and resumes "
	  "later; ask AWS for a higher quota in the SES console (Account dashboard)" },
	{ 454, 0, "Temporary authentication failure", ACT_RETRY, "4.7.0",
	  "SES could not check the credentials just now; it will be retried" },
	{ 421, 0, "Too many concurrent", ACT_THROTTLE, "4.3.2",
	  "too many SMTP connections to SES: lower 'connections' in sesrelay.conf" },
	{ 535, 0, "Signature Version 2", ACT_HOLD, "5.7.8",
	  "the SMTP password was made with the old v2 algorithm: derive a new one "
	  "with 'sesrelay smtp-password --region REGION' from the IAM secret key" },
	{ 535, 0, "not subscribed", ACT_HOLD, "5.7.8",
	  "this AWS account is not enabled for SES in this region" },
	{ 535, 0, NULL, ACT_HOLD, "5.7.8",
	  "SES refused the SMTP credentials: the user name is the IAM access key id "
	  "and the password must be derived for THIS region ('sesrelay smtp-password "
	  "--region REGION'); check 'region'/'host' and run 'sesrelay doctor'" },
	{ 530, 0, NULL, ACT_HOLD, "5.7.0",
	  "the server wants TLS or authentication first: check 'tls', 'port', "
	  "'username' and the password in sesrelay.conf" },
	{ 554, 0, "Access denied", ACT_HOLD, "5.7.1",
	  "the IAM user behind the SMTP credentials may not send: give it the "
	  "ses:SendRawEmail permission (IAM policy) for this identity and region" },
	{ 554, 0, "Sending paused", ACT_HOLD, "5.7.1",
	  "AWS paused sending for this account (usually high bounce or complaint "
	  "rates): see the SES console's reputation dashboard and contact AWS" },
	{ 554, 0, "Recipient count exceeds", ACT_RETRY, "5.5.3",
	  "more than 50 recipients in one transaction: the relay splits envelopes; "
	  "this should not happen (please report it)" },
	{ 554, 0, "Duplicate header", ACT_FAIL, "5.6.0",
	  "SES refuses messages with a repeated header such as Subject or From: fix "
	  "the program that wrote the message" },
	{ 552, 0, NULL, ACT_FAIL, "5.3.4",
	  "the message is larger than SES accepts (40 MB after encoding): send a "
	  "link instead of the attachment" },
	{ 553, 0, NULL, ACT_FAIL, "5.1.3",
	  "SES did not accept an address: check its spelling" },
	{ 554, 0, "Transaction failed", ACT_FAIL, "5.6.0",
	  "SES could not parse the message (MIME error): fix the program that wrote it" },
	{ 0, 4, NULL, ACT_RETRY, "4.0.0", NULL },
	{ 0, 5, NULL, ACT_FAIL, "5.0.0", NULL },
};

static const char *not_verified_sender_hint =
    "SES says our sender address or its domain is not verified in this region: "
    "verify the identity in the SES console (Verified identities) for this region, "
    "or set 'sender' in sesrelay.conf to a verified address; nothing was bounced";
static const char *not_verified_rcpt_hint =
    "your SES account is in the sandbox, where every recipient must be verified: "
    "request production access in the SES console (Account dashboard), or verify "
    "this recipient";

static const char *invalid_sender_hint =
    "SES refuses the address we send from: set 'sender' in sesrelay.conf to a "
    "valid address verified in SES for this region; nothing was bounced";

const char *
reply_action_name(enum reply_action a)
{
	static const char *names[] = { "delivered", "retry", "retry-now",
	    "throttle", "quota", "hold", "fail" };

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* "not verified ... failed the check in region R: a, b": is one of the
 * listed identities our sender (address or domain)? */
int
classify_names_sender(const char *text, const char *sender)
{
	const char *list = strstr(text, "check in region");
	const char *dom = sender ? strrchr(sender, '@') : NULL;
	char *copy, *tok, *save;
	int hit = 0;

	if (list == NULL || (list = strchr(list, ':')) == NULL || sender == NULL ||
	    *sender == '\0')
		return 0;
	copy = strdup(list + 1);
	if (copy == NULL)
		return 1;	/* be conservative: hold rather than bounce */
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (strcasecmp(tok, sender) == 0 || (dom && strcasecmp(tok, dom + 1) == 0))
			hit = 1;
	free(copy);
	return hit;
}

/* "<addr> Invalid email address" where addr is exactly our sender (not
 * merely containing it: <xa@b.com> is not about a@b.c). */
static int
is_sender_reply(const char *text, const char *sender)
{
	const char *lt, *gt;
	size_t n;

	if (sender == NULL || *sender == '\0' || (lt = strchr(text, '<')) == NULL ||
	    (gt = strchr(lt, '>')) == NULL)
		return 0;
	n = strlen(sender);
	return (size_t)(gt - lt - 1) == n && strncasecmp(lt + 1, sender, n) == 0;
}

void
classify_reply(int code, const char *text, const char *sender, int after_dot,
    struct reply_class *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		text = "";
	if (code >= 200 && code < 300) {
		out->action = ACT_DELIVERED;
		out->dsn = "2.0.0";
		return;
	}
	if (code == 554 && strcasestr(text, "not verified") != NULL) {
		int ours = classify_names_sender(text, sender);

		out->action = ours ? ACT_HOLD : ACT_FAIL;
		out->sender_scoped = ours;
		out->dsn = "5.7.1";
		out->hint = ours ? not_verified_sender_hint : not_verified_rcpt_hint;
		return;
	}
	/* 553 "<addr> Invalid email address" at MAIL FROM: when it is the
	 * address we send from, every message would fail the same way, so
	 * it is a configuration error (hold), not this message's fault. */
	if (code == 553 && is_sender_reply(text, sender)) {
		out->action = ACT_HOLD;
		out->sender_scoped = 1;
		out->dsn = "5.1.7";
		out->hint = invalid_sender_hint;
		return;
	}
	if (code == 421) {
		/* SES closing the session (ELB node gone, idle kill): the
		 * message was not accepted; retry it on a new connection. */
		if (strcasestr(text, "Too many concurrent") == NULL) {
			out->action = after_dot ? ACT_RETRY : ACT_RETRY_NOW;
			out->dsn = "4.4.2";
			return;
		}
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		if (r->code != 0 ? r->code != code : code / 100 != r->cls)
			continue;
		if (r->text != NULL && strcasestr(text, r->text) == NULL)
			continue;
		out->action = r->action;
		out->dsn = r->dsn;
		out->hint = r->hint;
		return;
	}
	/* Codes outside 2xx-5xx: treat as temporary. */
	out->action = ACT_RETRY;
	out->dsn = "4.0.0";
}

void
classify_transport(int cc, const char *errtext, int after_dot, int reused,
    struct reply_class *out)
{
	memset(out, 0, sizeof(*out));
	out->action = ACT_RETRY;
	out->dsn = "4.4.1";
	if (errtext == NULL)
		errtext = "";
	switch (cc) {
	case 28:	/* CURLE_OPERATION_TIMEDOUT */
		out->dsn = "4.4.2";
		if (after_dot) {
			out->maybe_sent = 1;
			out->hint = "no reply after the end of the message: SES may have "
			    "accepted it, so the retry may deliver a duplicate";
		}
		return;
	case 55:	/* CURLE_SEND_ERROR */
	case 56:	/* CURLE_RECV_ERROR */
		if (after_dot) {
			out->maybe_sent = 1;
			out->hint = "the connection broke after the end of the message: "
			    "SES may have accepted it, so the retry may deliver a duplicate";
		} else if (reused)
			out->action = ACT_RETRY_NOW;
		return;
	case 60:	/* CURLE_PEER_FAILED_VERIFICATION */
	case 35:	/* CURLE_SSL_CONNECT_ERROR */
		out->action = ACT_HOLD;
		out->dsn = "4.7.5";
		out->hint = "the TLS handshake or the server certificate check failed: "
		    "check 'host' (it must match the certificate), 'ca_file', and the "
		    "system CA store (ca-certificates); run 'sesrelay doctor'";
		return;
	case 64:	/* CURLE_USE_SSL_FAILED */
		out->action = ACT_HOLD;
		out->dsn = "4.7.5";
		out->hint = "the server does not offer STARTTLS, and credentials are "
		    "never sent without TLS: check 'host', 'port' and 'tls'";
		return;
	case 77:	/* CURLE_SSL_CACERT_BADFILE */
		out->action = ACT_HOLD;
		out->dsn = "4.7.5";
		out->hint = "the CA file cannot be read: check 'ca_file' in sesrelay.conf";
		return;
	case 67:	/* CURLE_LOGIN_DENIED without a reply code */
		out->action = ACT_HOLD;
		out->dsn = "5.7.8";
		out->hint = "the server refused the SMTP credentials: check 'username' "
		    "and the password; run 'sesrelay doctor'";
		return;
	case 6:		/* CURLE_COULDNT_RESOLVE_HOST */
		out->hint = "the SES endpoint name does not resolve: check 'region'/'host' "
		    "and the DNS resolver";
		return;
	case 7:		/* CURLE_COULDNT_CONNECT */
		out->hint = "cannot connect to the SES endpoint: is the port blocked by a "
		    "firewall or security group? (587 and 2587 are usually open, 25 is "
		    "often blocked); run 'sesrelay doctor'";
		return;
	default:
		return;
	}
}

const char *
classify_hint(const char *reply, const char *sender)
{
	struct reply_class c;
	int code;

	if (reply == NULL || strlen(reply) < 3 || reply[0] < '2' || reply[0] > '5')
		return NULL;
	code = atoi(reply);
	classify_reply(code, reply + 3, sender, 1, &c);
	return c.hint;
}
