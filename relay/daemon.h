/* SPDX-License-Identifier: ISC */
/* daemon.c: entry points other commands use. */
#ifndef SESRELAY_DAEMON_H
#define SESRELAY_DAEMON_H

struct config;

/* Deliver everything that is due now, then return (daemon --once,
 * sendmail -q, queue flush without a running daemon).  Returns an exit
 * status (0 = ran; failures of single messages are not errors). */
int	daemon_once(struct config *cf);

/* pid of the running daemon for this spool (from run/daemon.pid, checked
 * against the lock), or 0 when none runs. */
long	daemon_running(const struct config *cf);

#endif
