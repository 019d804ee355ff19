/* SPDX-License-Identifier: ISC */
/*
 * doctor.c: `sesrelay doctor`: why would mail not go out?  Each step prints
 * ok / warn / FAIL and, for a failure, the likely cause and the fix.  It
 * never sends mail: the AUTH check logs in and says NOOP.
 * Exit status: 0 all ok, 1 warnings only, 2 a failure.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "checkconf.h"
#include "classify.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "doctor_api.h"
#include "doctor_aws.h"
#include "doctor_events.h"
#include "doctor_dns.h"
#include "newaliases.h"
#include "spool.h"
#include "sespass.h"
#include "util.h"

static int worst;	/* 0 ok, 1 warn, 2 fail */

static void
step(int level, const char *fix, const char *fmt, ...)
{
	static const char *tag[] = { "ok  ", "warn", "FAIL" };
	va_list ap;

	printf("  %s  ", tag[level]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fix != NULL && level > 0)
		printf("        -> %s\n", fix);
	if (level > worst)
		worst = level;
}

static void
check_config(const struct config *cf, char **password)
{
	char err[4096], *r;

	if (config_check_delivery(cf, err, sizeof(err)) == -1) {
		char *save, *next;

		/* One step per problem, the fix once after the last. */
		for (r = strtok_r(err, "\n", &save); r != NULL; r = next) {
			next = strtok_r(NULL, "\n", &save);
			step(2, next == NULL ? "set the missing keys (see sesrelay.conf(5))" :
			    NULL, "configuration %s", r);
		}
		return;
	}
	if (strcmp(cf->transport, "api") == 0) {	/* no SMTP keys to check */
		step(0, NULL, "configuration %s parses", cf->path);
		return;
	}
	step(0, NULL, "configuration %s parses and names user, password, host %s:%d",
	    cf->path, cf->host, cf->port);
	if ((r = checkconf_host_region(cf->host)) != NULL && strcmp(r, cf->region) != 0)
		step(1, "make 'region' and 'host' agree (or drop 'host': it follows "
		    "'region')", "'host' is the SES endpoint of %s but 'region' is %s "
		    "(used for the MAIL FROM MX check)", r, cf->region);
	free(r);
	if ((*password = sespass_for_config(cf, err, sizeof(err))) == NULL) {
		step(2, "chown sesrelay and chmod 600 the secret file", "secret: %s", err);
		return;
	}
	if (cf->password[0] == '\0' && cf->password_file[0] == '\0')
		step(0, NULL, "SMTP password derived for %s from secret_access_key_file %s "
		    "(readable only by its owner)", cf->region, cf->secret_access_key_file);
	else if (cf->password_file[0] == '\0')
		step(1, "move it to password_file (owned by sesrelay, mode 0600)",
		    "the SMTP password is inline in %s", cf->path);
	else
		step(0, NULL, "secret file %s is readable only by its owner", cf->password_file);
	if ((*password)[0] == 'A' && strlen(*password) == 44)
		step(2, "derive a new one: sesrelay smtp-password --region REGION",
		    "the password looks like a deprecated Signature Version 2 SMTP password");
}

/* Local names (cron's root) must reach an address SES can deliver to. */
static void
check_aliases(const struct config *cf)
{
	struct alias_check c;
	size_t i;

	newaliases_check(cf, NULL, &c);
	for (i = 0; i < c.nproblems; i++)
		step(1, i + 1 == c.nproblems ? "edit the alias, or map the name in "
		    "sesrelay.conf's 'aliases'; 'newaliases' shows where each name goes" :
		    NULL, "aliases: %s", c.problems[i]);
	if (c.nproblems == 0)
		step(0, NULL, "aliases: %zu local name%s, each maps to an address%s%s",
		    c.names, c.names == 1 ? "" : "s", *cf->default_recipient ?
		    "; others go to " : "", cf->default_recipient);
	newaliases_free(&c);
}

/* doctor_api.c reports through this. */
static void
step_text(int level, const char *fix, const char *text)
{
	step(level, fix, "%s", text);
}

static void
check_spool(const struct config *cf)
{
	static const struct { const char *sub; mode_t mode; } dirs[] = {
		{ "maildrop", 03770 }, { "queue", 0700 }, { "failed", 0700 },
		{ "state", 0700 }, { "run", 0700 },
	};
	struct passwd *pw = getpwnam(cf->relay_user);
	char path[1024];
	struct stat st;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", cf->spool_dir, dirs[i].sub);
		if (stat(path, &st) == -1) {
			step(2, "run 'sesrelay setup' (as root)", "%s: %s", path, strerror(errno));
			bad = 1;
		} else if (pw == NULL || st.st_uid != pw->pw_uid ||
		    (st.st_mode & 07777) != dirs[i].mode) {
			step(2, "run 'sesrelay setup' (as root) to fix owners and modes",
			    "%s: owner uid %u mode %04o, expected %s and %04o", path,
			    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			    cf->relay_user, (unsigned)dirs[i].mode);
			bad = 1;
		}
	}
	if (!bad)
		step(0, NULL, "spool %s: owners and modes are right", cf->spool_dir);
}

static void
check_daemon(const struct config *cf)
{
	struct queue_status qs;
	struct spool sp;
	long pid = daemon_running(cf);

	spool_init(&sp, cf->spool_dir);
	if (pid == 0) {
		step(2, "systemctl enable --now sesrelay (or run 'sesrelay daemon')",
		    "the delivery daemon is not running: queued mail waits");
		return;
	}
	if (spool_status_load(&sp, &qs) == -1)
		memset(&qs, 0, sizeof(qs));
	if (qs.held_since != 0)
		step(2, "fix the cause, then: systemctl reload sesrelay",
		    "the daemon (pid %ld) holds the queue: %s", pid, qs.hold_reason);
	else if (qs.throttled_until > (long)time(NULL))
		step(1, "SES limits this account: wait, or ask AWS for a higher sending "
		    "quota/rate (Service Quotas)", "the daemon (pid %ld) paused sending "
		    "until the limit resets: %s", pid, qs.throttle_reason);
	else
		step(0, NULL, "the daemon runs (pid %ld) and the queue is not held", pid);
}

static int
resolve(const struct config *cf, struct addrinfo **res)
{
	struct addrinfo hints;
	char ip[64];
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(cf->host, NULL, &hints, res)) != 0) {
		step(2, "check 'region'/'host' and /etc/resolv.conf", "%s does not resolve: %s",
		    cf->host, gai_strerror(r));
		return -1;
	}
	getnameinfo((*res)->ai_addr, (*res)->ai_addrlen, ip, sizeof(ip), NULL, 0,
	    NI_NUMERICHOST);
	step(0, NULL, "%s resolves (%s)", cf->host, ip);
	return 0;
}

/* 0 open, ETIMEDOUT filtered, ECONNREFUSED closed, other errno. */
static int
tcp_probe(const struct addrinfo *ai, int port, int timeout_ms)
{
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return errno;
	if (connect(fd, (struct sockaddr *)&ss, ai->ai_addrlen) == -1 && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return err;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, timeout_ms) != 1)
		err = ETIMEDOUT;
	else
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	close(fd);
	return err;
}

static void
check_ports(const struct config *cf, const struct addrinfo *ai, const char *ports)
{
	/* The configured port first: it is the one that matters. */
	char *list = xasprintf("%d,%s", cf->port, ports), *tok, *save;
	int seen[8], nseen = 0, k;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int port = atoi(tok), e, dup = 0;

		for (k = 0; k < nseen; k++)
			dup |= seen[k] == port;
		if (dup || port <= 0 || nseen == 8)
			continue;
		seen[nseen++] = port;
		e = tcp_probe(ai, port, 3000);
		if (e == 0)
			step(0, NULL, "TCP port %d reachable%s", port, port == cf->port ?
			    " (the configured port)" : "");
		else if (port == cf->port) {
			char *fix = xasprintf("open outbound TCP %d in the firewall/security "
			    "group, or use port 2587 or 587 (tls = \"starttls\") or 465 "
			    "(tls = \"implicit\")", port);

			step(2, fix, "TCP port %d (configured) is not reachable: %s", port,
			    e == ETIMEDOUT ? "timed out (filtered)" : strerror(e));
			free(fix);
		}
		else
			step(1, port == 25 ? "port 25 is commonly blocked on cloud hosts (EC2 "
			    "does by default); sesrelay does not need it" : "only needed if "
			    "you configure this port", "TCP port %d not reachable: %s", port,
			    e == ETIMEDOUT ? "timed out (filtered)" : strerror(e));
	}
	free(list);
}

static size_t
last_line(char *buf, size_t size, size_t n, void *arg)
{
	char *out = arg;
	size_t len = size * n;

	if (len >= 4 && buf[3] == ' ' && strncmp(buf, "221", 3) != 0)
		snprintf(out, 512, "%.*s", (int)(len > 2 ? len - 2 : len), buf);
	return size * n;
}

static void
check_tls_auth(const struct config *cf, const char *password)
{
	char url[600], reply[512] = "", errbuf[CURL_ERROR_SIZE] = "";
	struct reply_class c;
	long code = 0;
	CURL *h;
	CURLcode cc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	snprintf(url, sizeof(url), "%s://%s:%d/%s", strcmp(cf->tls, "implicit") == 0 ?
	    "smtps" : "smtp", cf->host, cf->port, cf->helo_name);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (*cf->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, cf->ca_file);
	curl_easy_setopt(h, CURLOPT_USERNAME, cf->username);
	curl_easy_setopt(h, CURLOPT_PASSWORD, password);
	curl_easy_setopt(h, CURLOPT_SASL_IR, 1L);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "NOOP");
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, last_line);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, reply);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, last_line);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (cc == CURLE_OK) {
		step(0, NULL, "TLS handshake and certificate for %s verified", cf->host);
		step(0, NULL, "AUTH as %s accepted (nothing was sent)", cf->username);
		return;
	}
	if (code >= 400) {
		step(0, NULL, "TLS handshake and certificate for %s verified", cf->host);
		classify_reply((int)code, reply + (strlen(reply) > 3 ? 4 : 0), cf->sender, 0, &c);
		step(2, c.hint, "AUTH as %s refused: %s", cf->username, *reply ? reply : errbuf);
		return;
	}
	classify_transport((int)cc, errbuf, 0, 0, &c);
	step(2, c.hint, "TLS/AUTH check against %s:%d failed: %s", cf->host, cf->port,
	    *errbuf ? errbuf : curl_easy_strerror(cc));
}

/* Value of DMARC tag `tag` ("p", "adkim") in rec, or "" when absent. */
static const char *
dmarc_tag(const char *rec, const char *tag, char *buf, size_t len)
{
	const char *p = rec;
	size_t tl = strlen(tag), n;

	buf[0] = '\0';
	while (p != NULL && *p) {
		p += strspn(p, " \t;");
		if (strncasecmp(p, tag, tl) == 0 && p[tl + strspn(p + tl, " \t")] == '=') {
			p += tl + strspn(p + tl, " \t") + 1;
			p += strspn(p, " \t");
			n = strcspn(p, "; \t");
			snprintf(buf, len, "%.*s", (int)n, p);
			return buf;
		}
		p = strchr(p, ';');
	}
	return buf;
}

/*
 * DMARC at _dmarc.D: one v=DMARC1 record with a p= policy.  SES signs with
 * DKIM (Easy DKIM) and, without a custom MAIL FROM, uses an amazonses.com
 * envelope sender, so SPF never aligns: alignment rests on DKIM unless a
 * custom MAIL FROM subdomain is set (and that aligns only when aspf is
 * relaxed).  Say so when the set-up cannot pass DMARC.
 */
static void
check_dmarc(const struct config *cf, const char *dom)
{
	char rr[8][512], name[600], p[32], sp[32], adkim[8], aspf[8];
	int n, i, nrec = 0, first = -1;

	snprintf(name, sizeof(name), "_dmarc.%s", dom);
	n = dns_lookup(name, ns_t_txt, rr, 8);
	for (i = 0; i < n; i++)
		if (strncasecmp(rr[i], "v=DMARC1", 8) == 0 && nrec++ == 0)
			first = i;
	if (n < 0) {
		step(1, "check the resolver", "DNS lookup of TXT %s failed", name);
		return;
	}
	if (nrec == 0) {
		step(1, "publish e.g. \"v=DMARC1; p=none; rua=mailto:dmarc@DOMAIN\" at _dmarc",
		    "no DMARC record at %s", name);
		return;
	}
	if (nrec > 1) {
		step(2, "keep exactly one v=DMARC1 record (receivers ignore DMARC when "
		    "there are several)", "%d DMARC records at %s", nrec, name);
		return;
	}
	dmarc_tag(rr[first], "p", p, sizeof(p));
	dmarc_tag(rr[first], "sp", sp, sizeof(sp));
	dmarc_tag(rr[first], "adkim", adkim, sizeof(adkim));
	dmarc_tag(rr[first], "aspf", aspf, sizeof(aspf));
	if (*p == '\0') {
		step(1, "add a policy, e.g. p=none to start with", "DMARC at %s has no "
		    "p= policy (receivers treat it as invalid): %s", name, rr[first]);
		return;
	}
	step(0, NULL, "DMARC at %s: p=%s%s%s adkim=%s aspf=%s", name, p, *sp ? " sp=" : "",
	    sp, *adkim ? adkim : "r (default)", *aspf ? aspf : "r (default)");
	if (cf->ndkim_tokens == 0 && cf->mail_from_domain[0] == '\0' &&
	    strcasecmp(p, "none") != 0)
		step(1, "enable Easy DKIM for the domain in SES and list its tokens in "
		    "'dkim_tokens', or set a custom MAIL FROM ('mail_from_domain')",
		    "DMARC p=%s but neither DKIM tokens nor a custom MAIL FROM are "
		    "configured: SES mail may fail DMARC (SPF alone never aligns)", p);
	if (cf->mail_from_domain[0] != '\0' && strcasecmp(aspf, "s") == 0 &&
	    strcasecmp(cf->mail_from_domain, dom) != 0)
		step(cf->ndkim_tokens ? 1 : 2, "use aspf=r (relaxed), or rely on Easy DKIM",
		    "DMARC aspf=s: the MAIL FROM subdomain %s does not align with %s",
		    cf->mail_from_domain, dom);
}

static void
check_dns(const struct config *cf, const char *from)
{
	char rr[8][512], name[600], want[600];
	const char *dom = strrchr(from, '@') ? strrchr(from, '@') + 1 : from;
	int n, i, spf = 0, ses = 0;
	size_t k;

	n = dns_lookup(dom, ns_t_txt, rr, 8);
	for (i = 0; i < n; i++)
		if (strncasecmp(rr[i], "v=spf1", 6) == 0) {
			spf++;
			ses |= strstr(rr[i], "include:amazonses.com") != NULL;
		}
	if (n < 0)
		step(1, "check the resolver", "DNS lookup of TXT %s failed", dom);
	else if (spf == 0)
		step(1, "publish \"v=spf1 include:amazonses.com ~all\" if the domain is used as "
		    "MAIL FROM; without a custom MAIL FROM domain DMARC relies on DKIM",
		    "no SPF record at %s", dom);
	else if (spf > 1)
		step(2, "merge them into one v=spf1 record (several make SPF fail)",
		    "%d SPF records at %s", spf, dom);
	else if (!ses)
		step(1, "add include:amazonses.com to the SPF record",
		    "SPF at %s does not include amazonses.com", dom);
	else
		step(0, NULL, "SPF at %s includes amazonses.com", dom);

	check_dmarc(cf, dom);

	for (k = 0; k < cf->ndkim_tokens; k++) {
		snprintf(name, sizeof(name), "%s._domainkey.%s", cf->dkim_tokens[k], dom);
		snprintf(want, sizeof(want), "%s.dkim.amazonses.com", cf->dkim_tokens[k]);
		n = dns_lookup(name, ns_t_cname, rr, 8);
		if (n <= 0)
			step(2, "add the CNAME from the SES console (Easy DKIM)",
			    "DKIM: no CNAME at %s", name);
		else if (strcasecmp(rr[0], want) != 0)
			step(2, strstr(rr[0], dom) ? "your DNS provider appended the domain: "
			    "enter the target with a trailing dot" : "point it at the SES value",
			    "DKIM: %s points to %s, expected %s", name, rr[0], want);
		else
			step(0, NULL, "DKIM: %s -> %s", name, rr[0]);
	}
	if (cf->mail_from_domain[0] != '\0') {
		const char *m = cf->mail_from_domain;
		size_t ml = strlen(m), dl = strlen(dom);

		if (!(ml > dl + 1 && strcasecmp(m + ml - dl, dom) == 0 && m[ml - dl - 1] == '.'))
			step(1, "SES requires the MAIL FROM domain to be a subdomain of the "
			    "verified domain", "custom MAIL FROM %s is not a subdomain of %s",
			    m, dom);

		snprintf(want, sizeof(want), "10 feedback-smtp.%s.amazonses.com", cf->region);
		n = dns_lookup(m, ns_t_mx, rr, 8);
		if (n != 1 || strcasecmp(rr[0], want) != 0)
			step(2, "publish exactly one MX: 10 feedback-smtp.REGION.amazonses.com",
			    "custom MAIL FROM %s: %d MX record(s)%s%s, expected \"%s\"", m, n < 0 ? 0 : n,
			    n > 0 ? ", first " : "", n > 0 ? rr[0] : "", want);
		else
			step(0, NULL, "custom MAIL FROM %s: MX %s", m, rr[0]);
		n = dns_lookup(m, ns_t_txt, rr, 8);
		for (i = 0; i < n && !(strncasecmp(rr[i], "v=spf1", 6) == 0 &&
		    strstr(rr[i], "include:amazonses.com")); i++)
			;
		if (n <= 0 || i == n)
			step(2, "publish \"v=spf1 include:amazonses.com ~all\" there",
			    "custom MAIL FROM %s: no SPF including amazonses.com", m);
		else
			step(0, NULL, "custom MAIL FROM %s: SPF ok", m);
	}
}

/* What SES says (API): account, identities; nothing when the API is off. */
static void
check_aws(struct config *cf, const char *from)
{
	struct doctor_finding f[32];
	size_t i, n = doctor_aws(cf, from, f, sizeof(f) / sizeof(f[0]));

	n += doctor_events(cf, f + n, sizeof(f) / sizeof(f[0]) - n);	/* SES events */

	for (i = 0; i < n; i++)
		step(f[i].level, f[i].fix[0] ? f[i].fix : NULL, "%s", f[i].text);
}

int
cmd_doctor(int argc, char **argv, struct config *cf)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "dns-server", required_argument, NULL, 'd' },
		{ "ports", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char *from = NULL, *dns = NULL, *ports = "25,587,2587,465";
	struct addrinfo *ai = NULL;
	char *password = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 'd': dns = optarg; break;
		case 'p': ports = optarg; break;
		default:
			fputs("usage: sesrelay doctor [--from ADDR] [--dns-server IP:PORT] "
			    "[--ports LIST]\n", stderr);
			return EXIT_USAGE;
		}
	}
	puts("sesrelay doctor");
	account_region_resolve(cf);	/* no 'region': the SDKs' sources */
	check_config(cf, &password);
	check_aliases(cf);
	check_spool(cf);
	check_daemon(cf);
	if (strcmp(cf->transport, "api") == 0)
		doctor_api_path(cf, step_text);
	else if (resolve(cf, &ai) == 0) {
		check_ports(cf, ai, ports);
		if (password != NULL)
			check_tls_auth(cf, password);
		freeaddrinfo(ai);
	}
	if (from == NULL && cf->sender[0] != '\0')
		from = cf->sender;
	check_aws(cf, from);
	if (from != NULL) {
		if (dns_init(dns) == -1)
			step(1, "check --dns-server", "cannot set up the resolver");
		else
			check_dns(cf, from);
	} else
		step(1, "give --from you@yourdomain or set 'sender'",
		    "sender domain DNS (SPF, DKIM, DMARC) not checked");
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	printf("%s\n", worst == 0 ? "all checks passed" : worst == 1 ?
	    "warnings only: mail should flow" : "FAILED: mail will not go out until "
	    "the failures above are fixed");
	return worst;
}
