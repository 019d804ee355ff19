/* SPDX-License-Identifier: ISC */
/* config.c: the only file that includes <libconfig.h>.  One struct config,
 * filled from a table of keys with defaults and bounds (see sesrelay.conf.5). */
#ifndef SESRELAY_CONFIG_H
#define SESRELAY_CONFIG_H

#include <stddef.h>

struct alias {
	char	*local;		/* "root", "www-data" (local part, lower case) */
	char	*target;	/* "ops@example.com" */
};

struct config {
	char	*path;			/* file it came from ("" = built-in defaults) */

	/* intake and spool */
	char	*spool_dir;		/* SESRELAY_SPOOL */
	char	*relay_user;		/* SESRELAY_USER: owns the spool, runs the daemon */
	char	*domain;		/* for bare local names; default: mailname_file, else host name */
	long	 max_message_size;	/* octets as stored; default 40 MB (SES) */
	long	 min_free_space;	/* refuse intake below this many free octets */
	int	 max_recipients;	/* per message, refused at submission (Postfix: 1000) */
	char	*log_file;		/* optional copy of log lines ("" = off) */

	/* transport */
	char	*region;		/* "us-east-1" */
	char	*host;			/* default email-smtp.<region>.amazonaws.com */
	int	 port;			/* 587 */
	char	*tls;			/* "starttls" | "implicit" */
	char	*ca_file;		/* "" = system store */
	char	*helo_name;		/* "" = host's FQDN */
	char	*username;		/* SMTP user (IAM access key id) */
	char	*password;		/* inline secret (discouraged) */
	char	*password_file;		/* file holding the secret, mode 0600 */
	int	 connections;		/* parallel SMTP connections */
	int	 connection_max_messages;
	int	 connection_max_seconds;
	int	 connect_timeout;	/* seconds */
	int	 response_timeout;	/* seconds, per server reply */

	/* rewriting (at delivery time) */
	char	*sender;		/* verified envelope sender ("" = keep) */
	int	 rewrite_from;		/* also rewrite From: to `sender` */
	char	*default_recipient;	/* local names without an alias go here */
	struct alias *aliases;
	size_t	 naliases;
	char	*bounce_to;		/* "" = envelope sender */

	/* scheduling */
	double	 max_rate;		/* recipients per second (SES max send rate) */
	int	 retry_min;		/* seconds: first retry */
	int	 retry_max;		/* seconds: backoff cap */
	long	 queue_lifetime;	/* seconds before a deferred message fails */
	long	 failed_lifetime;	/* seconds a message stays in failed/ */
	int	 hold_probe_interval;	/* seconds between probes while held */
	int	 quota_pause;		/* seconds to pause after "daily quota exceeded" */

	/* operators' tools */
	long	 status_warn_age;	/* seconds: oldest message age that is "degraded" */
	char	*mail_from_domain;	/* custom MAIL FROM domain, for doctor */
	char	**dkim_tokens;		/* Easy DKIM tokens, for doctor */
	size_t	 ndkim_tokens;

	/* Debian integration */
	char	*aliases_file;		/* aliases(5) file, "" = none; /etc/aliases */
	char	*mailname_file;		/* default `domain` source; /etc/mailname */
	int	 domain_is_mailname;	/* `domain` came from mailname_file */
	char	*metrics_file;		/* Prometheus textfile, "" = off */
	int	 metrics_interval;	/* seconds between metrics_file writes */
	/* sent-mail history and SES events (history.h, events.h) */
	int	 history_retention_days;	/* rows older than this are removed */
	long	 history_max_mb;	/* size bound of the history database */
	char	*configuration_set;	/* X-SES-CONFIGURATION-SET ("" = none) */
	char	*message_tags;		/* "name=value, ..." for X-SES-MESSAGE-TAGS */
	char	*host_tag;		/* this host's sesrelay_host tag; default: host name */
	char	*events_queue_url;	/* SQS queue of the SES events ("" = off) */
	char	*sqs_endpoint;		/* "" = the queue URL's host (tests: a stand-in) */
	int	 events_wait;		/* long-poll seconds (0..20) */
	int	 bounce_notice;		/* RFC 3464 notice for a hard bounce after SES's 250 */
	/* AWS API (SES v2): credentials, endpoints, account view */
	char	*access_key_id;		/* explicit API key id ("" = credential chain) */
	char	*secret_access_key_file; /* its secret, mode 0600 */
	char	*aws_profile;		/* shared-file profile ("" = AWS_PROFILE/default) */
	char	*ses_endpoint;		/* "" = https://email.<region>.amazonaws.com */
	char	*sts_endpoint;		/* "" = https://sts.<region>.amazonaws.com */
	char	*aws_ca_file;		/* CA file for the API ("" = system store) */
	int	 quota_warn_percent;	/* status WARNING at this share of the 24 h quota */
	int	 account_refresh;	/* seconds between the daemon's GetAccount calls */
	int	 max_rate_auto;		/* max_rate = "auto": the account's MaxSendRate */
	int	 max_rate_set;		/* max_rate given as a number in the file */
	char	*aws_api;		/* "auto" | "yes" | "no": use the SES API */
	char	*transport;		/* "smtp" | "api": how the daemon delivers */
	int	 region_set;		/* 'region' given in the file */
	int	 host_set;		/* 'host' given in the file */
};

/* Fill `cf` with built-in defaults.  Never fails (aborts on ENOMEM). */
void	config_defaults(struct config *cf);

/* Load `path` over the defaults.  Returns 0 on success.  On error returns -1
 * and writes one "file:line: message" per problem (newline separated) into
 * err.  A missing file at the default path is not an error when
 * `missing_ok` (intake works with built-in defaults). */
int	config_load(struct config *cf, const char *path, int missing_ok,
	    char *err, size_t errlen);

/* Check what delivery needs (credentials, sender...).  0 or -1 + message. */
int	config_check_delivery(const struct config *cf, char *err, size_t errlen);

/* The SMTP password: inline or read from password_file (which must be a
 * regular file without group/other permission bits).  Returns a malloc'd
 * string or NULL with a message in err. */
char	*config_password(const struct config *cf, char *err, size_t errlen);

/* Read a one-line secret from `path`, which must be a regular file without
 * group/other permission bits; `what` names the key in messages.  Returns
 * a malloc'd string or NULL with a message in err. */
char	*config_read_secret(const char *path, const char *what, char *err,
	    size_t errlen);

/* Alias lookup for a local part; NULL when none (default_recipient is not
 * applied here). */
const char *config_alias(const struct config *cf, const char *local);

void	config_free(struct config *cf);

#endif
