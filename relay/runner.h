/* SPDX-License-Identifier: ISC */
/* runner.c: the delivery loop: scan and pick up, schedule, send through the
 * smtp pool, apply each reply to the per-recipient state. */
#ifndef SESRELAY_RUNNER_H
#define SESRELAY_RUNNER_H

struct config;

/* Run until stopped (SIGTERM/SIGINT) or, with once, until nothing is due.
 * Signals arrive through `sigfd` (a signalfd for TERM, INT, HUP, USR1).
 * Returns an exit status. */
int	runner_run(struct config *cf, int once, int sigfd);

#endif
