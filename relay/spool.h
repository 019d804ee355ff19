/* SPDX-License-Identifier: ISC */
/*
 * spool.c: the ONLY code that creates, commits, renames or deletes files in
 * the spool.  Layout (man/sesrelay-spool.5):
 *
 *	SPOOL/maildrop/	3770 relay:relay  sendmail writes t.ID.PID, links ID (r: to fsync it)
 *	SPOOL/queue/	0700 relay	  messages being delivered (daemon took them)
 *	SPOOL/failed/	0700 relay	  messages that failed permanently
 *	SPOOL/state/	0700 relay	  per-message state files (envelope.h)
 *	SPOOL/run/	0700 relay	  daemon.lock, daemon.pid, status
 */
#ifndef SESRELAY_SPOOL_H
#define SESRELAY_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#include "envelope.h"
#include "qid.h"

enum spool_area { AREA_MAILDROP, AREA_QUEUE, AREA_FAILED };

struct spool {
	char	dir[256];
	char	maildrop[300], queue[300], failed[300], state[300], run[300];
};

/* Paths only; touches nothing. */
void	spool_init(struct spool *sp, const char *dir);
const char *spool_area_dir(const struct spool *sp, enum spool_area a);
const char *spool_area_name(enum spool_area a);

/* ---- intake: write one message ------------------------------------------ */

struct spool_file {
	const struct spool *sp;
	int	 fd;
	char	 id[QID_LEN + 1];
	char	 tmp[1024];
	long	 size_off;	/* where the size digits are */
	long	 body_off;	/* where "7bit" is; patched to "8bit" */
	int	 body8bit;	/* set by the writer when it saw 8-bit octets */
	long	 size;		/* message octets written so far */
	char	*buf;		/* write buffer */
	size_t	 buflen;
	long	 min_free;	/* octets the file system must keep free */
	long	 unchecked;	/* octets written since free space was checked */
};

/* Check free space (min_free octets), create maildrop/t.ID.PID with
 * O_EXCL|O_NOFOLLOW mode 0640, and arm the cleanup that removes it if the
 * process is interrupted.  0, or -1 with errno (ENOSPC when short of space).
 * Free space is checked again every SPOOL_SPACE_CHECK octets written and
 * before the commit's fsync, so writers that all passed the first check
 * cannot fill the disk together: spool_write and spool_commit then fail
 * with ENOSPC. */
#define SPOOL_SPACE_CHECK (1024 * 1024)
int	spool_create(const struct spool *sp, struct spool_file *f, long min_free);
/* Write the envelope header.  0 or -1 (errno). */
int	spool_begin(struct spool_file *f, const struct envelope *e);
/* Append message octets (buffered).  0 or -1 (errno). */
int	spool_write(struct spool_file *f, const void *buf, size_t len);
/* Patch the size, write the trailer, fsync, link into place as ID (a new ID
 * on EEXIST), unlink the temp name, fsync the directory.  Only after 0 is
 * the message durable; f->id names it.  -1 (errno): nothing was queued. */
int	spool_commit(struct spool_file *f);
/* Remove the temp file (any time before commit). */
void	spool_abort(struct spool_file *f);

/* ---- daemon and tools ------------------------------------------------------ */

/* Sorted list of committed ids in an area (temp and foreign names skipped).
 * Returns the count, -1 on error; *ids is a malloc'd array of malloc'd ids. */
ssize_t	spool_list(const struct spool *sp, enum spool_area a, char ***ids);
void	spool_list_free(char **ids, ssize_t n);

/* Open AREA/ID read-only (O_NOFOLLOW), check it is a regular file with one
 * link, parse and verify its envelope.  Returns the fd, or -1 with a reason
 * in err (errno ENOENT when it is simply gone). */
int	spool_open(const struct spool *sp, enum spool_area a, const char *id,
	    struct envelope *e, char *err, size_t errlen);
/* flock the message fd: LOCK_EX, non-blocking unless `wait`.  0 or -1. */
int	spool_lock(int fd, int wait);

/* Move a message between areas with one rename(2), then fsync both
 * directories when `sync`.  The daemon's maildrop -> queue move skips the
 * fsync: after a crash the message is in one of the two, either way
 * complete and not yet sent. */
int	spool_move(const struct spool *sp, const char *id, enum spool_area from,
	    enum spool_area to, int sync);
/* Delete a message: the message file first, so a crash leaves at worst an
 * orphan state file, which spool_purge_stale removes.  With sync, the
 * directories are fsynced before it returns; without, the caller must call
 * spool_sync_removals() soon (the daemon does so once per batch of
 * finished messages, before it sleeps). */
int	spool_remove(const struct spool *sp, enum spool_area a, const char *id,
	    int sync);
/* spool_remove without sync, for the daemon, which holds the message file
 * open: the state file is opened before its unlink and left open in
 * *state_fd (-1 when it had none), so that neither unlink frees blocks;
 * the caller hands both descriptors to reaper_close (reaper.h). */
int	spool_remove_open(const struct spool *sp, enum spool_area a, const char *id,
	    int *state_fd);
/* fsync the queue directory (group commit of removals).  The state
 * directory needs none: a state file that comes back after a crash without
 * its message is an orphan, which spool_purge_stale removes. */
int	spool_sync_removals(const struct spool *sp);

/* State: load (a missing or empty file = fresh state from the envelope)
 * and save (temp + rename, with fsyncs of the file and the directory when
 * `sync`).  0 or -1 with err / errno.
 * Unsynced saves are for states that record no outcome (every recipient
 * still pending): a crash can only undo them into an older such state or
 * an empty file, that is "send again later" (sesrelay-spool(5),
 * Durability). */
int	spool_state_load(const struct spool *sp, const char *id,
	    const struct envelope *e, struct msg_state *st, char *err, size_t errlen);
int	spool_state_save(const struct spool *sp, const char *id,
	    const struct msg_state *st, int sync);
/* When a message is next due by its state: the earliest next attempt of
 * its pending recipients, 0 when none is pending (finish it now),
 * INFINITY when held by the operator. */
double	spool_state_due(const struct msg_state *st);
/* The same, read from the state file's modification time, which
 * spool_state_save sets to it: a rescan of 100,000 messages is a stat each,
 * not a parse each.  0 when there is no state file (a fresh message). */
double	spool_state_due_hint(int statefd, const char *id);	/* fd of state/ */

/* Remove temp files older than max_age seconds (maildrop/t.*, state/t.*),
 * and state files whose message is gone and that were not written for
 * max_age seconds.  Returns the number removed. */
int	spool_purge_stale(const struct spool *sp, long max_age);

/* Create the spool tree with the documented owners and modes (as root,
 * for make install and the tests).  0 or -1 with err. */
int	spool_setup(const char *dir, const char *relay_user, char *err, size_t errlen);

/* ---- requests to the running daemon (run/req.*) ----------------------------- */

/* Leave a request for the daemon (lines "flush ALL", "flush ID", "look
 * ID"), then signal it (SIGUSR1).  Written to a temp name and renamed, not
 * fsynced: a request lost in a crash loses nothing queued.  0 or -1. */
int	spool_request_post(const struct spool *sp, const char *text);
/* Take (read and remove) every pending request: their lines concatenated
 * in *text (malloc'd).  Returns the number of request files, 0 if none. */
int	spool_request_take(const struct spool *sp, char **text);

/* ---- queue-wide status (run/status), written by the daemon ---------------- */

#define QS_SENDER_HOLDS 8

struct queue_status {
	long	pid;			/* daemon pid when written */
	long	updated;		/* epoch seconds */
	long	held_since;		/* 0 = not held */
	char	hold_reason[512];	/* server words + hint */
	long	throttled_until;	/* 0 = not throttled */
	char	throttle_reason[256];
	double	rate_configured;	/* recipients/s */
	double	rate_current;
	long	last_success;		/* epoch seconds */
	long	first_failure;		/* first failure since last success */
	char	first_failure_text[512];
	long	last_failure;
	char	last_failure_text[512];
	/* Senders whose mail alone is held (the first QS_SENDER_HOLDS). */
	int	nsender_holds;
	struct {
		long	since;
		char	sender[256];
		char	reason[400];
	} sender_hold[QS_SENDER_HOLDS];
};

int	spool_status_load(const struct spool *sp, struct queue_status *qs);
int	spool_status_save(const struct spool *sp, const struct queue_status *qs);

#endif
