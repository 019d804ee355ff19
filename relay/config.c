/* SPDX-License-Identifier: ISC */
/*
 * config.c: reads the libconfig file into struct config.  Every key is
 * declared once in `keys[]` with its type, default and bounds (the way
 * Postfix declares parameter tables), so defaults, validation and the
 * "unknown key" check cannot drift apart.  Errors are "file:line: message".
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "config.h"
#include "util.h"

enum key_type { K_STR, K_INT, K_LONG, K_DOUBLE, K_BOOL, K_ALIASES, K_STRLIST };

struct key {
	const char	*name;
	enum key_type	 type;
	size_t		 off;
	const char	*sdef;		/* K_STR default */
	double		 def;		/* numeric default */
	double		 min, max;	/* numeric bounds */
};

#define O(f) offsetof(struct config, f)
#define MB (1024.0 * 1024.0)
static const struct key keys[] = {
	{ "spool_dir",		K_STR,	O(spool_dir), SESRELAY_SPOOL, 0, 0, 0 },
	{ "relay_user",		K_STR,	O(relay_user), SESRELAY_USER, 0, 0, 0 },
	{ "domain",		K_STR,	O(domain), "", 0, 0, 0 },
	{ "max_message_size",	K_LONG,	O(max_message_size), NULL, 40 * MB, 1024, 40 * MB },
	{ "min_free_space",	K_LONG,	O(min_free_space), NULL, 10 * MB, 0, 1e15 },
	{ "max_recipients",	K_INT,	O(max_recipients), NULL, 1000, 1, 1000000 },
	{ "log_file",		K_STR,	O(log_file), "", 0, 0, 0 },
	{ "region",		K_STR,	O(region), "us-east-1", 0, 0, 0 },
	{ "host",		K_STR,	O(host), "", 0, 0, 0 },
	{ "port",		K_INT,	O(port), NULL, 587, 1, 65535 },
	{ "tls",		K_STR,	O(tls), "starttls", 0, 0, 0 },
	{ "ca_file",		K_STR,	O(ca_file), "", 0, 0, 0 },
	{ "helo_name",		K_STR,	O(helo_name), "", 0, 0, 0 },
	{ "username",		K_STR,	O(username), "", 0, 0, 0 },
	{ "password",		K_STR,	O(password), "", 0, 0, 0 },
	{ "password_file",	K_STR,	O(password_file), "", 0, 0, 0 },
	{ "connections",	K_INT,	O(connections), NULL, 4, 1, 64 },
	{ "connection_max_messages", K_INT, O(connection_max_messages), NULL, 100, 1, 100000 },
	{ "connection_max_seconds", K_INT, O(connection_max_seconds), NULL, 60, 1, 3600 },
	{ "connect_timeout",	K_INT,	O(connect_timeout), NULL, 30, 1, 600 },
	{ "response_timeout",	K_INT,	O(response_timeout), NULL, 60, 1, 600 },
	{ "sender",		K_STR,	O(sender), "", 0, 0, 0 },
	{ "rewrite_from",	K_BOOL,	O(rewrite_from), NULL, 0, 0, 1 },
	{ "default_recipient",	K_STR,	O(default_recipient), "", 0, 0, 0 },
	{ "aliases",		K_ALIASES, O(aliases), NULL, 0, 0, 0 },
	{ "bounce_to",		K_STR,	O(bounce_to), "", 0, 0, 0 },
	{ "max_rate",		K_DOUBLE, O(max_rate), NULL, 14, 0.01, 100000 },
	{ "retry_min",		K_INT,	O(retry_min), NULL, 60, 1, 86400 },
	{ "retry_max",		K_INT,	O(retry_max), NULL, 3600, 1, 7 * 86400 },
	{ "queue_lifetime",	K_LONG,	O(queue_lifetime), NULL, 5 * 86400, 60, 60 * 86400 },
	{ "failed_lifetime",	K_LONG,	O(failed_lifetime), NULL, 30 * 86400, 60, 3650 * 86400.0 },
	{ "hold_probe_interval", K_INT,	O(hold_probe_interval), NULL, 600, 5, 86400 },
	{ "quota_pause",	K_INT,	O(quota_pause), NULL, 1800, 10, 86400 },
	{ "status_warn_age",	K_LONG,	O(status_warn_age), NULL, 3600, 60, 60 * 86400 },
	{ "mail_from_domain",	K_STR,	O(mail_from_domain), "", 0, 0, 0 },
	{ "dkim_tokens",	K_STRLIST, O(dkim_tokens), NULL, 0, 0, 0 },
	{ "aliases_file",	K_STR,	O(aliases_file), "/etc/aliases", 0, 0, 0 },
	{ "mailname_file",	K_STR,	O(mailname_file), "/etc/mailname", 0, 0, 0 },
	{ "metrics_file",	K_STR,	O(metrics_file), "", 0, 0, 0 },
	{ "metrics_interval",	K_INT,	O(metrics_interval), NULL, 30, 1, 3600 },
	{ "history_retention_days", K_INT, O(history_retention_days), NULL, 30, 1, 3650 },
	{ "history_max_mb",	K_LONG,	O(history_max_mb), NULL, 2048, 1, 1024 * 1024 },
	{ "configuration_set",	K_STR,	O(configuration_set), "", 0, 0, 0 },
	{ "message_tags",	K_STR,	O(message_tags), "", 0, 0, 0 },
	{ "host_tag",		K_STR,	O(host_tag), "", 0, 0, 0 },
	{ "events_queue_url",	K_STR,	O(events_queue_url), "", 0, 0, 0 },
	{ "sqs_endpoint",	K_STR,	O(sqs_endpoint), "", 0, 0, 0 },
	{ "events_wait",	K_INT,	O(events_wait), NULL, 20, 0, 20 },
	{ "bounce_notice",	K_BOOL,	O(bounce_notice), NULL, 0, 0, 1 },
	{ "access_key_id",	K_STR,	O(access_key_id), "", 0, 0, 0 },
	{ "secret_access_key_file", K_STR, O(secret_access_key_file), "", 0, 0, 0 },
	{ "aws_profile",	K_STR,	O(aws_profile), "", 0, 0, 0 },
	{ "ses_endpoint",	K_STR,	O(ses_endpoint), "", 0, 0, 0 },
	{ "sts_endpoint",	K_STR,	O(sts_endpoint), "", 0, 0, 0 },
	{ "aws_ca_file",	K_STR,	O(aws_ca_file), "", 0, 0, 0 },
	{ "quota_warn_percent",	K_INT,	O(quota_warn_percent), NULL, 80, 1, 100 },
	{ "account_refresh",	K_INT,	O(account_refresh), NULL, 3600, 5, 86400 },
	{ "aws_api",		K_STR,	O(aws_api), "auto", 0, 0, 0 },
	{ "transport",		K_STR,	O(transport), "smtp", 0, 0, 0 },
};
#undef O

#define FIELD(cf, k, T) ((T *)((char *)(cf) + (k)->off))

static void
adderr(char *err, size_t errlen, const char *fmt, ...)
{
	size_t n = strlen(err);
	va_list ap;

	if (n + 2 >= errlen)
		return;
	if (n > 0)
		err[n++] = '\n', err[n] = '\0';
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

void
config_defaults(struct config *cf)
{
	size_t i;

	memset(cf, 0, sizeof(*cf));
	cf->path = xstrdup("");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];

		switch (k->type) {
		case K_STR:	*FIELD(cf, k, char *) = xstrdup(k->sdef); break;
		case K_INT:	*FIELD(cf, k, int) = (int)k->def; break;
		case K_BOOL:	*FIELD(cf, k, int) = (int)k->def; break;
		case K_LONG:	*FIELD(cf, k, long) = (long)k->def; break;
		case K_DOUBLE:	*FIELD(cf, k, double) = k->def; break;
		case K_ALIASES:
		case K_STRLIST:	break;
		}
	}
}

static const struct key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
get_number(config_setting_t *s, double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:	*out = config_setting_get_int(s); return 0;
	case CONFIG_TYPE_INT64:	*out = (double)config_setting_get_int64(s); return 0;
	case CONFIG_TYPE_FLOAT:	*out = config_setting_get_float(s); return 0;
	default:		return -1;
	}
}

/* Returns the number of problems found in this setting. */
static int
load_setting(struct config *cf, const char *file, config_setting_t *s,
    char *err, size_t errlen)
{
	const char *name = config_setting_name(s);
	int line = config_setting_source_line(s);
	const struct key *k = find_key(name);
	double v;

	if (k == NULL) {
		adderr(err, errlen, "%s:%d: unknown key '%s'", file, line, name);
		return 1;
	}
	switch (k->type) {
	case K_STR:
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			adderr(err, errlen, "%s:%d: '%s' must be a string in double quotes",
			    file, line, name);
			return 1;
		}
		free(*FIELD(cf, k, char *));
		*FIELD(cf, k, char *) = xstrdup(config_setting_get_string(s));
		if (k->off == offsetof(struct config, region))
			cf->region_set = 1;	/* else the AWS layer may find it */
		if (k->off == offsetof(struct config, host))
			cf->host_set = 1;
		return 0;
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			adderr(err, errlen, "%s:%d: '%s' must be true or false",
			    file, line, name);
			return 1;
		}
		*FIELD(cf, k, int) = config_setting_get_bool(s);
		return 0;
	case K_INT:
	case K_LONG:
	case K_DOUBLE:
		if (k->off == offsetof(struct config, max_rate) &&
		    config_setting_type(s) == CONFIG_TYPE_STRING) {
			if (strcmp(config_setting_get_string(s), "auto") != 0) {
				adderr(err, errlen, "%s:%d: 'max_rate' must be a number or "
				    "\"auto\"", file, line);
				return 1;
			}
			cf->max_rate_auto = 1;	/* the account's MaxSendRate, see daemon */
			return 0;
		}
		if (get_number(s, &v) == -1 ||
		    (k->type != K_DOUBLE && config_setting_type(s) == CONFIG_TYPE_FLOAT)) {
			adderr(err, errlen, "%s:%d: '%s' must be a%s number",
			    file, line, name, k->type == K_DOUBLE ? "" : "n integer");
			return 1;
		}
		if (v < k->min || v > k->max) {
			adderr(err, errlen, "%s:%d: '%s' = %g is out of range (%g .. %g)",
			    file, line, name, v, k->min, k->max);
			return 1;
		}
		if (k->off == offsetof(struct config, max_rate)) {
			cf->max_rate_auto = 0;
			cf->max_rate_set = 1;
		}
		if (k->type == K_INT)
			*FIELD(cf, k, int) = (int)v;
		else if (k->type == K_LONG)
			*FIELD(cf, k, long) = (long)v;
		else
			*FIELD(cf, k, double) = v;
		return 0;
	case K_ALIASES: {
		int i, n, bad = 0;

		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			adderr(err, errlen, "%s:%d: 'aliases' must be a group: "
			    "aliases = { root = \"ops@example.com\"; };", file, line);
			return 1;
		}
		n = config_setting_length(s);
		cf->aliases = xcalloc((size_t)n + 1, sizeof(*cf->aliases));
		for (i = 0; i < n; i++) {
			config_setting_t *a = config_setting_get_elem(s, (unsigned)i);
			const char *t = config_setting_get_string(a);

			if (t == NULL || strchr(t, '@') == NULL) {
				adderr(err, errlen, "%s:%d: alias '%s' must be a string "
				    "holding a full address (user@domain)", file,
				    config_setting_source_line(a), config_setting_name(a));
				bad++;
				continue;
			}
			cf->aliases[cf->naliases].local = xstrdup(config_setting_name(a));
			str_lower(cf->aliases[cf->naliases].local);
			cf->aliases[cf->naliases].target = xstrdup(t);
			cf->naliases++;
		}
		return bad;
	}
	case K_STRLIST: {
		int i, n;

		if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(s) != CONFIG_TYPE_LIST) {
			adderr(err, errlen, "%s:%d: '%s' must be a list of strings: "
			    "[ \"a\", \"b\" ]", file, line, name);
			return 1;
		}
		n = config_setting_length(s);
		cf->dkim_tokens = xcalloc((size_t)n + 1, sizeof(char *));
		for (i = 0; i < n; i++) {
			const char *t = config_setting_get_string_elem(s, i);

			if (t == NULL) {
				adderr(err, errlen, "%s:%d: '%s' must hold strings only",
				    file, line, name);
				return 1;
			}
			cf->dkim_tokens[cf->ndkim_tokens++] = xstrdup(t);
		}
		return 0;
	}
	}
	return 0;
}

/* The first line of /etc/mailname (Debian policy: the host's mail
 * domain), or NULL when the file is missing or does not hold a name. */
static char *
read_mailname(const char *path)
{
	char buf[256], *p;
	size_t n;
	FILE *fp;

	if (*path == '\0' || (fp = fopen(path, "re")) == NULL)
		return NULL;
	p = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	if (p == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t");
	if (p[n + strspn(p + n, " \t")] != '\0')
		return NULL;	/* two words: not a domain name */
	p[n] = '\0';
	if (*p == '\0' || strspn(p, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(p))
		return NULL;
	return xstrdup(p);
}

/* SES tag names and values, configuration set names: [A-Za-z0-9_-]. */
static int
ses_token(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* configuration_set, message_tags and host_tag (default: the host name's
 * first label, other characters turned into '_'). */
static int
validate_tags(struct config *cf, const char *file, char *err, size_t errlen)
{
	const char *p = cf->message_tags;
	int bad = 0;

	if (*cf->configuration_set && !ses_token(cf->configuration_set,
	    strlen(cf->configuration_set), 64)) {
		adderr(err, errlen, "%s: 'configuration_set' must be 1-64 letters, digits, "
		    "'_' or '-' (an SES configuration set name)", file);
		bad++;
	}
	while (*p) {
		size_t n = strcspn(p, ","), k;
		const char *eq = memchr(p, '=', n), *a = p, *b;

		while (a < p + n && *a == ' ')
			a++;
		b = p + n;
		while (b > a && b[-1] == ' ')
			b--;
		k = eq ? (size_t)(eq - a) : 0;
		if (eq == NULL || !ses_token(a, k, 256) || !ses_token(eq + 1,
		    (size_t)(b - eq - 1), 256) || (k == 13 && strncmp(a, "sesrelay_host", 13) == 0)) {
			adderr(err, errlen, "%s: 'message_tags' must be \"name=value, ...\" with "
			    "names and values of letters, digits, '_' or '-' (sesrelay_host is "
			    "set by sesrelay)", file);
			bad++;
			break;
		}
		p += n + (p[n] == ',');
	}
	if (*cf->host_tag == '\0') {
		char *h = host_fqdn(), *c;

		h[strcspn(h, ".")] = '\0';
		for (c = h; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-')
				*c = '_';
		free(cf->host_tag);
		cf->host_tag = *h ? h : (free(h), xstrdup("host"));
	} else if (!ses_token(cf->host_tag, strlen(cf->host_tag), 256)) {
		adderr(err, errlen, "%s: 'host_tag' must be letters, digits, '_' or '-'", file);
		bad++;
	}
	return bad;
}

static int
validate(struct config *cf, const char *file, char *err, size_t errlen)
{
	int bad = 0;

	if (strcmp(cf->tls, "starttls") != 0 && strcmp(cf->tls, "implicit") != 0) {
		adderr(err, errlen, "%s: 'tls' must be \"starttls\" or \"implicit\"", file);
		bad++;
	}
	if (cf->spool_dir[0] != '/') {
		adderr(err, errlen, "%s: 'spool_dir' must be an absolute path", file);
		bad++;
	}
	if (cf->retry_min > cf->retry_max) {
		adderr(err, errlen, "%s: 'retry_min' (%d) is larger than 'retry_max' (%d)",
		    file, cf->retry_min, cf->retry_max);
		bad++;
	}
	if (cf->sender[0] != '\0' && strchr(cf->sender, '@') == NULL) {
		adderr(err, errlen, "%s: 'sender' must be a full address (user@domain)", file);
		bad++;
	}
	if (cf->default_recipient[0] != '\0' && strchr(cf->default_recipient, '@') == NULL) {
		adderr(err, errlen, "%s: 'default_recipient' must be a full address", file);
		bad++;
	}
	bad += validate_tags(cf, file, err, errlen);
	if (cf->domain[0] == '\0') {
		free(cf->domain);
		cf->domain = read_mailname(cf->mailname_file);
		cf->domain_is_mailname = cf->domain != NULL;
		if (cf->domain == NULL)
			cf->domain = host_fqdn();
	}
	if (cf->helo_name[0] == '\0') {
		free(cf->helo_name);
		cf->helo_name = host_fqdn();
	}
	if (strcmp(cf->aws_api, "auto") != 0 && strcmp(cf->aws_api, "yes") != 0 &&
	    strcmp(cf->aws_api, "no") != 0) {
		adderr(err, errlen, "%s: 'aws_api' must be \"auto\", \"yes\" or \"no\"", file);
		bad++;
	}
	if (strcmp(cf->transport, "smtp") != 0 && strcmp(cf->transport, "api") != 0) {
		adderr(err, errlen, "%s: 'transport' must be \"smtp\" or \"api\"", file);
		bad++;
	}
	if (strcmp(cf->transport, "api") == 0 && strcmp(cf->aws_api, "no") == 0) {
		adderr(err, errlen, "%s: 'transport = \"api\"' needs the SES API: remove "
		    "'aws_api = \"no\"'", file);
		bad++;
	}
	if ((cf->access_key_id[0] == '\0') != (cf->secret_access_key_file[0] == '\0')) {
		adderr(err, errlen, "%s: set both 'access_key_id' and "
		    "'secret_access_key_file', or neither", file);
		bad++;
	}
	if ((cf->ses_endpoint[0] && strncmp(cf->ses_endpoint, "https://", 8) != 0) ||
	    (cf->sts_endpoint[0] && strncmp(cf->sts_endpoint, "https://", 8) != 0)) {
		adderr(err, errlen, "%s: 'ses_endpoint' and 'sts_endpoint' must be "
		    "https:// URLs", file);
		bad++;
	}
	/* With API keys the SMTP user is the same key id (the password is
	 * derived from the secret at run time: sespass.c). */
	if (cf->username[0] == '\0' && cf->access_key_id[0] != '\0') {
		free(cf->username);
		cf->username = xstrdup(cf->access_key_id);
	}
	if (cf->host[0] == '\0') {
		free(cf->host);
		cf->host = xasprintf("email-smtp.%s.amazonaws.com", cf->region);
	}
	return bad;
}

int
config_load(struct config *cf, const char *path, int missing_ok,
    char *err, size_t errlen)
{
	config_t lc;
	config_setting_t *root;
	int i, n, bad = 0;

	err[0] = '\0';
	free(cf->path);
	cf->path = xstrdup(path);
	if (access(path, F_OK) == -1 && errno == ENOENT && missing_ok)
		return validate(cf, path, err, errlen) ? -1 : 0;

	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			adderr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		else
			adderr(err, errlen, "%s:%d: %s", path,
			    config_error_line(&lc), config_error_text(&lc));
		config_destroy(&lc);
		return -1;
	}
	root = config_root_setting(&lc);
	n = config_setting_length(root);
	for (i = 0; i < n; i++)
		bad += load_setting(cf, path, config_setting_get_elem(root, (unsigned)i),
		    err, errlen);
	config_destroy(&lc);
	bad += validate(cf, path, err, errlen);
	return bad ? -1 : 0;
}

int
config_check_delivery(const struct config *cf, char *err, size_t errlen)
{
	err[0] = '\0';
	/* The API transport takes its credentials from the AWS chain, which
	 * may be a role: nothing to require in the file. */
	if (strcmp(cf->transport, "api") == 0)
		return 0;
	if (cf->username[0] == '\0')
		adderr(err, errlen, "%s: 'username' is missing: set it to the SMTP user "
		    "name (the IAM access key id, AKIA...)", cf->path);
	if (cf->password[0] == '\0' && cf->password_file[0] == '\0' &&
	    cf->secret_access_key_file[0] == '\0')
		adderr(err, errlen, "%s: neither 'password' nor 'password_file' is set: "
		    "derive the SMTP password with 'sesrelay smtp-password', or set "
		    "'access_key_id' and 'secret_access_key_file' to derive it at run "
		    "time", cf->path);
	if (cf->password[0] != '\0' && cf->password_file[0] != '\0')
		adderr(err, errlen, "%s: set only one of 'password' and 'password_file'",
		    cf->path);
	return err[0] ? -1 : 0;
}

char *
config_password(const struct config *cf, char *err, size_t errlen)
{
	err[0] = '\0';
	if (cf->password_file[0] == '\0')
		return xstrdup(cf->password);
	return config_read_secret(cf->password_file, "password_file", err, errlen);
}

char *
config_read_secret(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;
	char buf[512];
	ssize_t n;
	int fd;

	err[0] = '\0';
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a regular file", what, path);
		close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s %s is readable by other users "
		    "(mode %04o); refusing to use it: chmod 600 %s",
		    what, path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		snprintf(err, errlen, "%s %s is empty", what, path);
		return NULL;
	}
	{
		char *r = xstrdup(buf);

		explicit_bzero(buf, sizeof(buf));
		return r;
	}
}

const char *
config_alias(const struct config *cf, const char *local)
{
	size_t i;

	for (i = 0; i < cf->naliases; i++)
		if (strcasecmp(cf->aliases[i].local, local) == 0)
			return cf->aliases[i].target;
	return NULL;
}

void
config_free(struct config *cf)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].type == K_STR)
			free(*FIELD(cf, &keys[i], char *));
	for (i = 0; i < cf->naliases; i++) {
		free(cf->aliases[i].local);
		free(cf->aliases[i].target);
	}
	free(cf->aliases);
	for (i = 0; i < cf->ndkim_tokens; i++)
		free(cf->dkim_tokens[i]);
	free(cf->dkim_tokens);
	free(cf->path);
	memset(cf, 0, sizeof(*cf));
}
