/* SPDX-License-Identifier: ISC */
/*
 * sesrelay.c: main() of sesrelay(8), the daemon and the operators' tool.
 * Thin on purpose: global options, config loading, dispatch.  The light
 * sendmail(8) entry point is a different binary (sendmail.c) so that an
 * enqueue never pays for loading libcurl and OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "spool.h"
#include "util.h"

static void
usage(void)
{
	fputs("usage: sesrelay [-C file] [-v] command [args]\n"
	    "commands:\n"
	    "  daemon [--once]            deliver the queue to SES (foreground)\n"
	    "  queue list|show|flush|hold|release|delete|requeue ...\n"
	    "  status [--json]            queue health; exit 0 ok, 1 degraded, 2 stuck\n"
	    "  doctor [--from addr]       check config, network, TLS, AUTH and DNS\n"
	    "  smtp-password --region R   derive the SES SMTP password (secret on stdin)\n"
	    "  check-config               validate the configuration file\n"
	    "  metrics                    Prometheus metrics of the queue and the daemon\n"
	    "  credentials                which AWS credentials the API calls use\n"
	    "  setup                      create the spool with its owners and modes\n"
	    "  trace [--since W] [--json] QUERY  what happened to sent mail\n"
	    "see sesrelay(8)\n", stderr);
	exit(EXIT_USAGE);
}

static int
cmd_setup(int argc, char **argv, struct config *cf)
{
	char err[1024];

	(void)argc;
	(void)argv;
	if (spool_setup(cf->spool_dir, cf->relay_user, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesrelay: cannot set up the spool: %s\n", err);
		return EXIT_CANTCREAT;
	}
	printf("spool %s ready (owner %s)\n", cf->spool_dir, cf->relay_user);
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(int, char **, struct config *);
	int needs_config_file;	/* a missing file at the default path is an error */
} commands[] = {
	{ "daemon",		cmd_daemon,		1 },
	{ "queue",		cmd_queue,		0 },
	{ "status",		cmd_status,		0 },
	{ "doctor",		cmd_doctor,		0 },
	{ "smtp-password",	cmd_smtp_password,	0 },
	{ "check-config",	cmd_check_config,	1 },
	{ "metrics",		cmd_metrics,		0 },
	{ "setup",		cmd_setup,		0 },
	{ "trace",		cmd_trace,		0 },
	{ "credentials",	cmd_credentials,	0 },
};

int
main(int argc, char **argv)
{
	const char *conf = SESRELAY_CONF;
	int ch, verbose = 0, conf_given = 0, r;
	struct config cf;
	char err[4096];
	size_t i;

	while ((ch = getopt(argc, argv, "+C:vh")) != -1) {
		switch (ch) {
		case 'C': conf = optarg; conf_given = 1; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "sesrelay: unknown command '%s'\n", argv[0]);
		usage();
	}
	log_init("sesrelay", verbose);
	config_defaults(&cf);
	if (config_load(&cf, conf, !conf_given && !commands[i].needs_config_file,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		fprintf(stderr, "sesrelay: fix the configuration (see sesrelay.conf(5))\n");
		config_free(&cf);
		return EXIT_CONFIG;
	}
	log_set_file(cf.log_file);
	optind = 1;	/* subcommands parse their own options with getopt */
	r = commands[i].fn(argc, argv, &cf);
	config_free(&cf);
	return r;
}
