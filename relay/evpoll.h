/* SPDX-License-Identifier: ISC */
/*
 * evpoll.c: the daemon's SES event poller: one thread that long-polls
 * events_queue_url (sqs.c), hands each message to events_ingest (events.c)
 * with its own history handle, and deletes what was stored, ignored or
 * malformed.  Messages it cannot place (another host's, or ours before the
 * 250 was recorded) stay in the queue and come back after the visibility
 * timeout.  Queue errors are logged once per change and retried with a
 * backoff up to 5 minutes; delivery never waits for it.
 */
#ifndef SESRELAY_EVPOLL_H
#define SESRELAY_EVPOLL_H

struct config;
struct evpoll;

/* Start the poller when events_queue_url is set; NULL when it is not (or
 * the thread could not start: logged).  It reads its own copy of cf's
 * file (a reload frees the runner's); a reload does not change it. */
struct evpoll *evpoll_start(const struct config *cf);
/* Stop: waits for the long poll in progress (at most events_wait + 15 s). */
void	evpoll_stop(struct evpoll *p);

#endif
