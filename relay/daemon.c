/* SPDX-License-Identifier: ISC */
/*
 * daemon.c: `sesrelay daemon [--once]`: become the relay user, take the
 * per-spool lock, route signals into a signalfd, and hand over to the
 * runner.  One daemon per spool: run/daemon.lock is flock'ed for the
 * daemon's whole life, and run/daemon.pid names it.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "evpoll.h"
#include "log.h"
#include "privdrop.h"
#include "runner.h"
#include "sesapi.h"
#include "spool.h"
#include "transport.h"
#include "util.h"

static int
lock_spool(const struct config *cf, int *lockfd)
{
	struct spool sp;
	char path[1024], pid[32];
	int fd, pfd;

	spool_init(&sp, cf->spool_dir);
	snprintf(path, sizeof(path), "%s/daemon.lock", sp.run);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		fprintf(stderr, "sesrelay: cannot open %s: %s (is the spool set up? "
		    "run 'sesrelay setup')\n", path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		fprintf(stderr, "sesrelay: another daemon (pid %ld) is already delivering "
		    "the spool %s\n", daemon_running(cf), cf->spool_dir);
		close(fd);
		return EXIT_TEMPFAIL;
	}
	snprintf(path, sizeof(path), "%s/daemon.pid", sp.run);
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	pfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (pfd >= 0) {
		if (write_all(pfd, pid, strlen(pid)) == -1)
			log_warn("%s", path);
		close(pfd);
	}
	*lockfd = fd;	/* held open, and so locked, until the process exits */
	return 0;
}

static double
tv_sec(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Where the CPU went: the loop (index, state, logs) apart from the SMTP
 * workers (libcurl, TLS), whose threads have ended by now. */
static void
log_cpu(void)
{
	struct rusage all, loop;

	if (getrusage(RUSAGE_SELF, &all) == -1 || getrusage(RUSAGE_THREAD, &loop) == -1)
		return;
	log_info("CPU used: %.3f s by the delivery loop, %.3f s by the SMTP workers",
	    tv_sec(loop.ru_utime) + tv_sec(loop.ru_stime),
	    tv_sec(all.ru_utime) + tv_sec(all.ru_stime) - tv_sec(loop.ru_utime) -
	    tv_sec(loop.ru_stime));
}

static int
run(struct config *cf, int once)
{
	char err[4096];
	sigset_t set;
	struct evpoll *ep;
	int sigfd, lockfd = -1, rc;

	if (priv_become_relay(cf->relay_user, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesrelay: %s\n", err);
		return EXIT_NOPERM;
	}
	account_region_resolve(cf);	/* no 'region': the SDKs' sources */
	if (config_check_delivery(cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\nsesrelay: fix the configuration (see "
		    "sesrelay.conf(5)); 'sesrelay doctor' checks it step by step\n", err);
		return EXIT_CONFIG;
	}
	if ((rc = lock_spool(cf, &lockfd)) != 0)
		return rc;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal(EXIT_OSERR, "signalfd");
	/* One malloc arena per SMTP worker would each keep freed pages; the
	 * workers wait on the network, not on malloc's lock. */
	mallopt(M_ARENA_MAX, 1);
	/* libcurl allocates and frees a 64 KB upload buffer and a 128 KB
	 * dot-stuffing scratch buffer per SMTP transfer, msgstream its 64 KB
	 * block per message.  With glibc's defaults the heap's top went back
	 * to the kernel (brk) and the scratch buffer was mmap'ed and unmapped
	 * for every message: 15-20% of the daemon's CPU in page faults and
	 * TLB flushes.  Serve them from the heap and keep up to 1 MB free. */
	mallopt(M_MMAP_THRESHOLD, 512 * 1024);
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* The AWS HTTP client's settings, once, before any thread uses it
	 * (the account view, the API transport's workers). */
	sesapi_client_setup(cf);
	if (!once && transport_is_api(cf)) {
		char *url = sesapi_endpoint_url(cf);

		log_info("daemon started: spool %s, transport api %s, %d connection(s), "
		    "max_rate %.1f/s", cf->spool_dir, url, cf->connections, cf->max_rate);
		free(url);
	} else if (!once)
		log_info("daemon started: spool %s, relay %s:%d, %d connection(s), "
		    "max_rate %.1f/s", cf->spool_dir, cf->host, cf->port, cf->connections,
		    cf->max_rate);
	if (!once)
		account_watch_start(cf);	/* SES account facts, max_rate = auto */
	ep = once ? NULL : evpoll_start(cf);	/* SES events from SQS (history) */
	rc = runner_run(cf, once, sigfd);
	log_cpu();
	evpoll_stop(ep);
	account_watch_stop();
	if (!once)
		log_info("daemon stopped");
	curl_global_cleanup();
	close(sigfd);
	close(lockfd);
	return rc;
}

int
cmd_daemon(int argc, char **argv, struct config *cf)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, once = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'o') {
			fputs("usage: sesrelay daemon [--once]\n", stderr);
			return EXIT_USAGE;
		}
		once = 1;
	}
	return run(cf, once);
}

int
daemon_once(struct config *cf)
{
	return run(cf, 1);
}

long
daemon_running(const struct config *cf)
{
	struct spool sp;
	char path[1024], buf[32];
	long pid = 0;
	ssize_t n;
	int fd;

	spool_init(&sp, cf->spool_dir);
	snprintf(path, sizeof(path), "%s/daemon.lock", sp.run);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);	/* nobody holds it: no daemon */
		return 0;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/daemon.pid", sp.run);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			pid = atol(buf);
		}
		close(fd);
	}
	return pid > 0 ? pid : 1;
}
