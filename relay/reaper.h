/* SPDX-License-Identifier: ISC */
/*
 * reaper.c: closes file descriptors on a background thread.  The last close
 * of an unlinked file frees its blocks, and on a file system mounted with
 * `discard` (ext4 on many cloud VMs) that waits for the disk: 0.3-0.4 ms
 * per file on the machine the bench ran on, twice per delivered message
 * (the message and its state file), all on the delivery loop.  The names
 * are gone before the descriptors get here; only the freeing waits.
 */
#ifndef SESRELAY_REAPER_H
#define SESRELAY_REAPER_H

/* 0, or -1 when the thread cannot start (then reaper_close closes at once). */
int	reaper_start(void);
/* Close fd soon (at once when the reaper is not running or is far behind). */
void	reaper_close(int fd);
/* Close everything still queued and end the thread. */
void	reaper_stop(void);

#endif
