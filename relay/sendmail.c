/* SPDX-License-Identifier: ISC */
/*
 * sendmail.c: main() of the intake binary, installed setgid to the relay
 * group as /usr/sbin/sendmail, mailq and newaliases (argv[0] dispatch: one
 * small binary, so an enqueue costs one exec of a program that links only
 * libconfig).  Queue listing and flushing need libcurl and the relay user's
 * rights, so -bp/mailq and -q drop the group and exec sesrelay(8).
 *
 * Setgid hygiene (after Postfix postdrop and OpenSMTPD smtpctl): fds 0-2
 * open, empty environment, umask 077, -C honoured only for root, the group
 * held only while reading the config and while the spool file exists.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "intake.h"
#include "log.h"
#include "newaliases.h"
#include "smtpd_stdio.h"
#include "spool.h"
#include "util.h"

enum mode { MODE_DELIVER, MODE_SMTP, MODE_LIST, MODE_FLUSH, MODE_ALIASES };

struct args {
	enum mode mode;
	int	 dot_ends;	/* no -i/-oi */
	int	 extract;	/* -t */
	const char *sender;	/* -f / -r */
	const char *fullname;	/* -F */
	const char *conf;	/* -C */
	const char *flush_id;	/* -qI */
	char	**rcpts;
	size_t	 nrcpts;
};

static gid_t spool_gid, real_gid;
static int privileged_run;

static void
set_group(int on)
{
	if (privileged_run && setegid(on ? spool_gid : real_gid) == -1)
		fatal(EXIT_OSERR, "setegid");
}

static void
usage(const char *msg)
{
	fatalx(EXIT_USAGE, "%s\nusage: sendmail [-t] [-i] [-f sender] [-F name] "
	    "[-bs|-bp|-q] [recipient ...]; see sendmail(8)", msg);
}

/* The argument of an option: attached ("-fsender") or the next word. */
static const char *
optarg_of(int argc, char **argv, int *i, const char *rest)
{
	if (*rest)
		return rest;
	if (*i + 1 >= argc)
		usage(xasprintf("option %s needs an argument", argv[*i]));
	return argv[++*i];
}

static void
add_rcpt(struct args *a, const char *r)
{
	a->rcpts = xrealloc(a->rcpts, (a->nrcpts + 1) * sizeof(char *));
	a->rcpts[a->nrcpts++] = (char *)r;
}

/*
 * Classic sendmail options.  Every flag callers are known to pass is
 * accepted; those that mean nothing here are ignored (listed in sendmail.8):
 * -B -N -R -V -L -X -O -G -U -v -m -n -A -h -d -oXXX except -oi.
 */
static void
parse_args(int argc, char **argv, struct args *a)
{
	int i, only_rcpts = 0;

	for (i = 1; i < argc; i++) {
		char *w = argv[i], *p;

		if (only_rcpts || w[0] != '-' || w[1] == '\0') {
			add_rcpt(a, w);
			continue;
		}
		if (strcmp(w, "--") == 0) {
			only_rcpts = 1;
			continue;
		}
		for (p = w + 1; *p; p++) {
			switch (*p) {
			case 't': a->extract = 1; continue;
			case 'i': a->dot_ends = 0; continue;
			case 'v': case 'm': case 'n': case 'G': case 'U': case 'x':
				continue;
			case 'f': case 'r':
				a->sender = optarg_of(argc, argv, &i, p + 1);
				break;
			case 'F':
				a->fullname = optarg_of(argc, argv, &i, p + 1);
				break;
			case 'C':
				a->conf = optarg_of(argc, argv, &i, p + 1);
				break;
			case 'B': case 'N': case 'R': case 'V': case 'L': case 'X':
			case 'O': case 'h': case 'A':
				(void)optarg_of(argc, argv, &i, p + 1);
				break;
			case 'd':	/* debug levels: attached only */
				break;
			case 'o': {
				const char *o = optarg_of(argc, argv, &i, p + 1);

				if (strcmp(o, "i") == 0)
					a->dot_ends = 0;
				break;	/* -oem -oee -odb -odi -oQ... ignored */
			}
			case 'b':
				switch (p[1]) {
				case 'm': case '\0': a->mode = MODE_DELIVER; break;
				case 's': a->mode = MODE_SMTP; break;
				case 'p': a->mode = MODE_LIST; break;
				case 'i': a->mode = MODE_ALIASES; break;
				case 'd':
					fatalx(EXIT_USAGE, "-bd: sesrelay has no SMTP listener; "
					    "the delivery daemon is 'sesrelay daemon' (systemd unit "
					    "sesrelay.service)");
				default:
					fatalx(EXIT_USAGE, "-b%s is not supported (supported: "
					    "-bm, -bs, -bp, -bi)", p + 1);
				}
				break;
			case 'q':
				a->mode = MODE_FLUSH;
				if (p[1] == 'I')
					a->flush_id = optarg_of(argc, argv, &i, p + 2);
				break;	/* -q30m, -qR..., -qS...: flush everything */
			default:
				break;	/* unknown legacy flag: ignored, as Postfix does */
			}
			break;	/* the rest of this word was an argument */
		}
	}
}

/* -F goes into a From: header: a line break there would add header lines
 * of the caller's choosing (a Bcc: nobody sees), and no real name holds a
 * control character.  Refused like a bad -f rather than silently altered,
 * so the caller learns of it at once. */
static void
check_fullname(const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; p != NULL && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fatalx(EXIT_USAGE, "the full name given with -F contains a control "
			    "character (octet %u); a name is one line of text: the message "
			    "was NOT queued", *p);
}

static void
fds_open(void)
{
	int fd;

	/* A caller with a closed stdin/stdout/stderr must not get our spool
	 * file on fd 2. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Drop the group and run sesrelay(8) for the queue tools. */
static void
exec_tool(const struct args *a, const char *cmd, const char *arg)
{
	char self[PATH_MAX], tool[PATH_MAX + 16], *argv[8];
	ssize_t n;
	int k = 0;

	if (setgid(getgid()) == -1)
		fatal(EXIT_OSERR, "setgid");
	snprintf(tool, sizeof(tool), "%s", SESRELAY_BIN);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(tool, sizeof(tool), "%s/sesrelay", dirname(self));
		if (access(tool, X_OK) == -1)
			snprintf(tool, sizeof(tool), "%s", SESRELAY_BIN);
	}
	argv[k++] = "sesrelay";
	if (a->conf != NULL) {
		argv[k++] = "-C";
		argv[k++] = (char *)a->conf;
	}
	argv[k++] = "queue";
	argv[k++] = (char *)cmd;
	if (arg != NULL)
		argv[k++] = (char *)arg;
	argv[k] = NULL;
	execv(tool, argv);
	fatal(EXIT_SOFTWARE, "cannot run %s", tool);
}

int
main(int argc, char **argv)
{
	struct args a = { MODE_DELIVER, 1, 0, NULL, NULL, NULL, NULL, NULL, 0 };
	struct intake_opts o;
	struct config cf;
	struct spool sp;
	struct caller who;
	struct passwd *pw;
	const char *prog, *conf = SESRELAY_CONF;
	char err[4096], id[QID_LEN + 1];
	int rc;

	real_gid = getgid();
	spool_gid = getegid();
	privileged_run = spool_gid != real_gid || geteuid() != getuid();
	fds_open();
	if (privileged_run) {
		clearenv();
		setenv("PATH", "/usr/bin:/bin", 1);
		umask(077);
	}
	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	log_init("sesrelay/sendmail", 0);
	log_progname = "sendmail";
	parse_args(argc, argv, &a);
	check_fullname(a.fullname);
	if (strcmp(prog, "mailq") == 0)
		a.mode = MODE_LIST;
	else if (strcmp(prog, "newaliases") == 0)
		a.mode = MODE_ALIASES;
	switch (a.mode) {
	case MODE_LIST:
		exec_tool(&a, "list", NULL);
		break;
	case MODE_FLUSH:
		exec_tool(&a, "flush", a.flush_id);
		break;
	default:
		break;
	}
	/* Root may point a privileged sendmail elsewhere; nobody else may. */
	if (a.conf != NULL && (!privileged_run || getuid() == 0))
		conf = a.conf;
	if (eaccess(conf, R_OK) == -1 && errno == EACCES)
		fatalx(EXIT_TEMPFAIL, "cannot read %s: permission denied; sendmail must "
		    "be installed setgid to the relay group (make install does it: "
		    "chgrp %s sendmail; chmod 2755 sendmail); the message was NOT queued",
		    conf, SESRELAY_USER);
	config_defaults(&cf);
	if (config_load(&cf, conf, conf != a.conf, err, sizeof(err)) == -1)
		fatalx(EXIT_CONFIG, "%s (fix the configuration; see sesrelay.conf(5))", err);
	if (a.mode == MODE_ALIASES) {	/* newaliases, -bi: check and show */
		set_group(0);
		rc = newaliases_main(&cf);
		config_free(&cf);
		return rc;
	}
	/* The log file is opened with the group still held, so a file the
	 * daemon shares with sendmail (sesrelay:sesrelay 0660) takes the line
	 * of a www-data caller too.  A privileged run never creates it: the
	 * file would belong to the caller and lock the daemon out. */
	if (!privileged_run || access(cf.log_file, F_OK) == 0)
		log_set_file(cf.log_file);
	set_group(0);
	if (a.conf != NULL && conf != a.conf)
		log_warnx("uid=%ld: -C %s ignored: sendmail runs with the relay group",
		    (long)getuid(), a.conf);
	/* SIGXFSZ would kill us on a file size limit; get EFBIG and exit 75. */
	signal(SIGXFSZ, SIG_IGN);
	spool_init(&sp, cf.spool_dir);

	who.uid = (long)getuid();
	pw = getpwuid(getuid());
	who.user = pw ? xstrdup(pw->pw_name) : xasprintf("uid%ld", who.uid);

	memset(&o, 0, sizeof(o));
	o.extract = a.extract;
	o.sender = a.sender;
	o.fullname = a.fullname;
	o.rcpts = a.rcpts;
	o.nrcpts = a.nrcpts;
	o.privileged = set_group;
	if (a.mode == MODE_SMTP)
		rc = smtpd_stdio_run(&cf, &sp, &who, &o);
	else {
		struct line_src src;

		line_src_init(&src, stdin, a.dot_ends ? LINES_DOT : LINES_EOF);
		rc = intake_message(&src, &cf, &sp, &who, &o, id, err, sizeof(err));
		line_src_free(&src);
		if (rc != 0) {
			fprintf(stderr, "sendmail: %s\n", err);
			log_warnx("uid=%ld: message refused (exit %d): %s", who.uid, rc, err);
		}
	}
	free(who.user);
	free(a.rcpts);
	config_free(&cf);
	return rc;
}
