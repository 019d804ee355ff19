/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: Prometheus text exposition (format 0.0.4) of the queue, the
 * daemon's counters and its hold/pause state: `sesrelay metrics` prints it,
 * and the daemon writes it to `metrics_file` every `metrics_interval`
 * seconds for node_exporter's textfile collector (write-temp + rename in
 * the same directory, so a scrape never sees half a file).
 *
 * The counters live in the daemon and are saved in run/counters (text:
 * "SESRELAY-COUNTERS 1" then "name value" lines) at each write and at
 * exit, and loaded at start, so they only grow across restarts.
 */
#ifndef SESRELAY_METRICS_H
#define SESRELAY_METRICS_H

#include <stddef.h>

struct config;
struct spool;

struct metrics_counters {
	unsigned long	sent;		/* recipients SES accepted */
	unsigned long	deferred;	/* attempts that will be retried */
	unsigned long	bounced;	/* recipients failed for good */
	unsigned long	failed_messages;	/* messages moved to failed/ */
	int		dirty;		/* changed since the last save */
};

enum metrics_outcome { METRICS_SENT, METRICS_DEFERRED, METRICS_BOUNCED };

/* Count one recipient outcome / one message moved to failed/. */
void	metrics_count(struct metrics_counters *c, enum metrics_outcome o);
void	metrics_count_failed_message(struct metrics_counters *c);

/* run/counters: 0, or -1 (errno; ENOENT: never written, c zeroed). */
int	metrics_counters_load(const struct spool *sp, struct metrics_counters *c);
int	metrics_counters_save(const struct spool *sp, struct metrics_counters *c);

/* The exposition text (malloc'd, *len octets): queue gauges from the
 * spool, state from run/status, the given counters, at time `now`.  NULL
 * with errno when the spool cannot be read. */
char	*metrics_render(const struct config *cf, const struct spool *sp,
	    const struct metrics_counters *c, long now, size_t *len);

/* Write text to path atomically (path.tmp in the same directory, mode
 * 0644, rename).  0, or -1 with errno. */
int	metrics_write_file(const char *path, const char *text, size_t len);

/* The daemon's periodic call: when `due` (epoch seconds) has passed, or
 * with `force`, save the counters and write metrics_file (when set).
 * Returns the next due time. */
double	metrics_tick(const struct config *cf, const struct spool *sp,
	    struct metrics_counters *c, double now, double due, int force);

#endif
