/* SPDX-License-Identifier: ISC */
/*
 * spool.c: every create, commit, rename and delete in the spool happens
 * here (layout in spool.h, formats in envelope.h, for admins in
 * man/sesrelay-spool.5).  The rules, after nullmailer and OpenSMTPD:
 *  - a message becomes visible only by link(2) of a complete, fsync'ed file,
 *    followed by an fsync of the directory; link refuses to overwrite;
 *  - temp names start with "t." so a killed writer's leftovers are
 *    recognisable and never delivered;
 *  - state is never edited in place: temp + fsync + rename + dir fsync.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

#define WBUF_SIZE (64 * 1024)

/* The one temp file this process may leave behind; removed on signals. */
static char cleanup_path[1024];
static volatile sig_atomic_t cleanup_armed;

static void
cleanup_signal(int sig)
{
	if (cleanup_armed)
		unlink(cleanup_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
cleanup_arm(const char *path)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGPIPE };
	struct sigaction sa;
	size_t i;

	snprintf(cleanup_path, sizeof(cleanup_path), "%s", path);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cleanup_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	cleanup_armed = 1;
}

void
spool_init(struct spool *sp, const char *dir)
{
	memset(sp, 0, sizeof(*sp));
	snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
	snprintf(sp->maildrop, sizeof(sp->maildrop), "%s/maildrop", dir);
	snprintf(sp->queue, sizeof(sp->queue), "%s/queue", dir);
	snprintf(sp->failed, sizeof(sp->failed), "%s/failed", dir);
	snprintf(sp->state, sizeof(sp->state), "%s/state", dir);
	snprintf(sp->run, sizeof(sp->run), "%s/run", dir);
}

const char *
spool_area_dir(const struct spool *sp, enum spool_area a)
{
	switch (a) {
	case AREA_MAILDROP:	return sp->maildrop;
	case AREA_QUEUE:	return sp->queue;
	case AREA_FAILED:	return sp->failed;
	}
	return sp->queue;
}

const char *
spool_area_name(enum spool_area a)
{
	switch (a) {
	case AREA_MAILDROP:	return "maildrop";
	case AREA_QUEUE:	return "queue";
	case AREA_FAILED:	return "failed";
	}
	return "?";
}

/* ---- intake ------------------------------------------------------------- */

int
spool_create(const struct spool *sp, struct spool_file *f, long min_free)
{
	struct statvfs vfs;
	sigset_t all, old;
	int tries, saved;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->sp = sp;
	f->min_free = min_free;
	if (statvfs(sp->maildrop, &vfs) == -1)
		return -1;
	if ((double)vfs.f_bavail * (double)vfs.f_frsize < (double)min_free) {
		errno = ENOSPC;
		return -1;
	}
	/* Block signals from create to arming, so that no interruption
	 * leaves a temp file behind that the handler does not know of. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	for (tries = 0; tries < 10; tries++) {
		qid_new(f->id);
		snprintf(f->tmp, sizeof(f->tmp), "%s/t.%s.%ld", sp->maildrop,
		    f->id, (long)getpid());
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0640);
		if (f->fd >= 0 || errno != EEXIST)
			break;
	}
	if (f->fd >= 0)
		cleanup_arm(f->tmp);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	if (f->fd < 0)
		return -1;
	/* The daemon reads the file through the group (maildrop is setgid to
	 * the relay group); a caller's umask must not take that away.  The
	 * lock, held until the file is closed, tells the stale-file purge that
	 * its writer is alive, however long the caller stays quiet. */
	if (fchmod(f->fd, 0640) == -1 || flock(f->fd, LOCK_EX | LOCK_NB) == -1) {
		spool_abort(f);
		return -1;
	}
	f->buf = xmalloc(WBUF_SIZE);
	return 0;
}

/* Free space still at least min_free?  0, or -1 with ENOSPC. */
static int
space_ok(struct spool_file *f)
{
	struct statvfs vfs;

	f->unchecked = 0;
	if (f->min_free <= 0 || fstatvfs(f->fd, &vfs) == -1)
		return 0;	/* a failing fstatvfs leaves it to write(2) */
	if ((double)vfs.f_bavail * (double)vfs.f_frsize < (double)f->min_free) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

static int
flush_buf(struct spool_file *f)
{
	if (f->buflen > 0 && write_all(f->fd, f->buf, f->buflen) == -1)
		return -1;
	f->unchecked += (long)f->buflen;
	f->buflen = 0;
	if (f->unchecked >= SPOOL_SPACE_CHECK)
		return space_ok(f);
	return 0;
}

int
spool_begin(struct spool_file *f, const struct envelope *e)
{
	char *hdr = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&hdr, &len);
	long off, boff;
	int r;

	if (mem == NULL)
		return -1;
	r = envelope_write_header(mem, e, &off, &boff);
	fclose(mem);
	if (r == -1) {
		free(hdr);
		errno = ENOMEM;
		return -1;
	}
	f->size_off = off;
	f->body_off = boff;
	r = write_all(f->fd, hdr, len);
	free(hdr);
	return r;
}

int
spool_write(struct spool_file *f, const void *buf, size_t len)
{
	f->size += (long)len;
	if (f->buflen + len > WBUF_SIZE && flush_buf(f) == -1)
		return -1;
	if (len >= WBUF_SIZE) {
		if (write_all(f->fd, buf, len) == -1)
			return -1;
		f->unchecked += (long)len;
		return f->unchecked >= SPOOL_SPACE_CHECK ? space_ok(f) : 0;
	}
	memcpy(f->buf + f->buflen, buf, len);
	f->buflen += len;
	return 0;
}

int
spool_commit(struct spool_file *f)
{
	char digits[ENVELOPE_SIZE_WIDTH + 1], final[1024];
	int saved;

	if (flush_buf(f) == -1 ||
	    write_all(f->fd, ENVELOPE_TRAILER, strlen(ENVELOPE_TRAILER)) == -1)
		goto fail;
	snprintf(digits, sizeof(digits), "%0*ld", ENVELOPE_SIZE_WIDTH, f->size);
	if (pwrite(f->fd, digits, ENVELOPE_SIZE_WIDTH, f->size_off) != ENVELOPE_SIZE_WIDTH)
		goto fail;
	if (f->body8bit && pwrite(f->fd, "8bit", 4, f->body_off) != 4)
		goto fail;
	if (space_ok(f) == -1)
		goto fail;
	if (fsync(f->fd) == -1 || close(f->fd) == -1) {
		f->fd = -1;
		goto fail;
	}
	f->fd = -1;
	for (;;) {
		snprintf(final, sizeof(final), "%s/%s", f->sp->maildrop, f->id);
		if (link(f->tmp, final) == 0)
			break;
		if (errno != EEXIST)
			goto fail;
		qid_new(f->id);
	}
	unlink(f->tmp);
	if (fsync_dir(f->sp->maildrop) == -1) {
		/* Not durable: take it back rather than claim success. */
		saved = errno;
		unlink(final);
		cleanup_armed = 0;
		errno = saved;
		return -1;
	}
	/* The message is durable from here on. */
	cleanup_armed = 0;
	free(f->buf);
	f->buf = NULL;
	return 0;
fail:
	saved = errno;
	spool_abort(f);
	errno = saved;
	return -1;
}

void
spool_abort(struct spool_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp[0] != '\0')
		unlink(f->tmp);
	cleanup_armed = 0;
	free(f->buf);
	f->buf = NULL;
}

/* ---- daemon and tools --------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

ssize_t
spool_list(const struct spool *sp, enum spool_area a, char ***ids)
{
	DIR *d = opendir(spool_area_dir(sp, a));
	struct dirent *de;
	size_t n = 0, cap = 64;

	*ids = NULL;
	if (d == NULL)
		return -1;
	*ids = xmalloc(cap * sizeof(char *));
	while ((de = readdir(d)) != NULL) {
		if (!qid_valid(de->d_name))
			continue;
		if (n == cap)
			*ids = xrealloc(*ids, (cap *= 2) * sizeof(char *));
		(*ids)[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(*ids, n, sizeof(char *), cmp_str);
	return (ssize_t)n;
}

void
spool_list_free(char **ids, ssize_t n)
{
	ssize_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int
spool_open(const struct spool *sp, enum spool_area a, const char *id,
    struct envelope *e, char *err, size_t errlen)
{
	char path[1024];
	struct stat st;
	int fd;

	if (!qid_valid(id)) {
		snprintf(err, errlen, "'%s' is not a queue id", id);
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", spool_area_dir(sp, a), id);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (st.st_nlink != 1) {
		/* A writer between link() and unlink(): not ready yet. */
		snprintf(err, errlen, "%s: being committed", path);
		close(fd);
		errno = EAGAIN;
		return -1;
	}
	if (envelope_read(fd, e, err, errlen) == -1) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
spool_lock(int fd, int wait)
{
	int r;

	while ((r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) == -1 && errno == EINTR)
		;
	return r;
}

int
spool_move(const struct spool *sp, const char *id, enum spool_area from,
    enum spool_area to, int sync)
{
	char src[1024], dst[1024];

	snprintf(src, sizeof(src), "%s/%s", spool_area_dir(sp, from), id);
	snprintf(dst, sizeof(dst), "%s/%s", spool_area_dir(sp, to), id);
	if (rename(src, dst) == -1)
		return -1;
	if (!sync)
		return 0;
	if (fsync_dir(spool_area_dir(sp, to)) == -1)
		return -1;
	return fsync_dir(spool_area_dir(sp, from));
}

static int
remove_msg(const struct spool *sp, enum spool_area a, const char *id, int sync,
    int *state_fd)
{
	char path[1024];
	int had_state;

	snprintf(path, sizeof(path), "%s/%s", spool_area_dir(sp, a), id);
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	/* Durable removal: a message that reappeared after a crash would be
	 * sent again. */
	if (sync && fsync_dir(spool_area_dir(sp, a)) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", sp->state, id);
	if (state_fd != NULL)
		*state_fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	had_state = unlink(path) == 0;
	if (!had_state && errno != ENOENT)
		return -1;
	return had_state && sync ? fsync_dir(sp->state) : 0;
}

int
spool_remove(const struct spool *sp, enum spool_area a, const char *id, int sync)
{
	return remove_msg(sp, a, id, sync, NULL);
}

int
spool_remove_open(const struct spool *sp, enum spool_area a, const char *id,
    int *state_fd)
{
	return remove_msg(sp, a, id, 0, state_fd);
}

int
spool_sync_removals(const struct spool *sp)
{
	return fsync_dir(sp->queue);
}

static char *
read_small_file(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1)
		return NULL;
	for (;;) {
		if (n == cap)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 4096);
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Write `data` to DIR/NAME through DIR/t.NAME.PID + rename, with fsyncs
 * of the file and the directory when `sync`. */
static int
write_replace(const char *dir, const char *name, const char *data, size_t len,
    mode_t mode, int sync)
{
	char tmp[1024], dst[1024];
	int fd, saved;

	snprintf(tmp, sizeof(tmp), "%s/t.%s.%ld", dir, name, (long)getpid());
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1)
		return -1;
	if (write_all(fd, data, len) == -1 || (sync && fsync(fd) == -1)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, dst) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return sync ? fsync_dir(dir) : 0;
}

static int
replace_file_nosync(const char *dir, const char *name, const char *data, size_t len,
    mode_t mode)
{
	return write_replace(dir, name, data, len, mode, 0);
}

int
spool_state_load(const struct spool *sp, const char *id,
    const struct envelope *e, struct msg_state *st, char *err, size_t errlen)
{
	char path[1024], *text;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/%s", sp->state, id);
	if ((text = read_small_file(path, &len)) == NULL) {
		if (errno == ENOENT) {
			state_init(st, e);
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (len == 0) {
		/* An unsynced save cut by a crash (it recorded no outcome). */
		free(text);
		state_init(st, e);
		return 0;
	}
	r = state_parse(text, len, st, err, errlen);
	free(text);
	return r;
}

double
spool_state_due(const struct msg_state *st)
{
	double due = INFINITY;
	size_t i;

	if (st->held)
		return INFINITY;
	for (i = 0; i < st->nrcpts; i++)
		if (st->rcpts[i].status == RCPT_PENDING &&
		    (double)st->rcpts[i].next_attempt < due)
			due = (double)st->rcpts[i].next_attempt;
	return due == INFINITY ? 0 : due;	/* nothing pending: finalize now */
}

/* mtime of a held message's state: "never" (2^40 s, past any real date). */
#define HELD_MTIME ((time_t)1 << 40)

double
spool_state_due_hint(int statefd, const char *id)
{
	struct stat sb;

	if (fstatat(statefd, id, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	return sb.st_mtime >= HELD_MTIME ? INFINITY : (double)sb.st_mtime;
}
/* Stamp the due time as the state file's mtime (spool_state_due_hint). */
static void
stamp_due(int fd, const struct msg_state *st)
{
	double due = spool_state_due(st);
	struct timespec ts[2];

	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = due == INFINITY ? HELD_MTIME : (time_t)due;
	ts[1].tv_nsec = 0;
	(void)futimens(fd, ts);
}

int
spool_state_save(const struct spool *sp, const char *id,
    const struct msg_state *st, int sync)
{
	char tmp[1024], dst[1024];
	FILE *fp;
	int fd, saved;

	snprintf(tmp, sizeof(tmp), "%s/t.%s.%ld", sp->state, id, (long)getpid());
	snprintf(dst, sizeof(dst), "%s/%s", sp->state, id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		goto fail;
	}
	/* Streamed: a big message's state is never one buffer in memory. */
	if (state_write(st, fp) == -1 || fflush(fp) == EOF) {
		saved = errno;
		fclose(fp);
		goto fail;
	}
	stamp_due(fd, st);
	if (sync && fsync(fd) == -1) {
		saved = errno;
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) == EOF || rename(tmp, dst) == -1) {
		saved = errno;
		goto fail;
	}
	return sync ? fsync_dir(sp->state) : 0;
 fail:
	unlink(tmp);
	errno = saved;
	return -1;
}

/* Remove an old temp file unless its writer still holds the lock that
 * spool_create takes (a caller streaming a long job's output to sendmail
 * may stay quiet for hours).  0 when removed. */
static int
purge_temp(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int r;

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return -1;	/* EWOULDBLOCK: the writer is alive */
	}
	/* Locked by us, or not openable (then its writer is not a sendmail,
	 * whose files the relay group can always read): stale. */
	r = unlink(path);
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * A state file whose message is in no area, and which nobody touched for
 * max_age: a leftover of a crash between the removal of a message and of
 * its state.  The age matters (issue 7 item 11b): a message being moved
 * (requeue: failed/ -> queue/, a failure: queue/ -> failed/) can be missed
 * by the three lookups below, one at a time; but its state was written
 * just before the move, so its ctime is recent (ctime, not mtime: the
 * mtime holds the due time).  Lookups relative to the area directories:
 * a rescan of 100,000 state files costs one short lookup each.
 */
static int
is_orphan(int statefd, const char *id, const int area_fd[3], time_t now, long max_age)
{
	struct stat sb;
	int i;

	for (i = 0; i < 3; i++)
		if (area_fd[i] < 0 || faccessat(area_fd[i], id, F_OK, 0) == 0)
			return 0;
	return fstatat(statefd, id, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now - sb.st_ctime > max_age;
}

static int
purge_dir(const char *dir, long max_age, const struct spool *orphans_of)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char path[1024];
	time_t now = time(NULL);
	int removed = 0, area_fd[3] = { -1, -1, -1 }, i;

	if (d == NULL)
		return 0;
	if (orphans_of != NULL) {
		area_fd[0] = open(orphans_of->queue, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		area_fd[1] = open(orphans_of->failed, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		area_fd[2] = open(orphans_of->maildrop, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (strncmp(de->d_name, "t.", 2) == 0) {
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    now - st.st_mtime > max_age && purge_temp(path) == 0)
				removed++;
			continue;
		}
		if (orphans_of == NULL || !qid_valid(de->d_name))
			continue;
		if (is_orphan(dirfd(d), de->d_name, area_fd, now, max_age) &&
		    unlink(path) == 0)
			removed++;
	}
	closedir(d);
	for (i = 0; i < 3; i++)
		if (area_fd[i] >= 0)
			close(area_fd[i]);
	return removed;
}

int
spool_purge_stale(const struct spool *sp, long max_age)
{
	return purge_dir(sp->maildrop, max_age, NULL) +
	    purge_dir(sp->state, max_age, sp) + purge_dir(sp->run, max_age, NULL);
}

static int
mkdir_owned(const char *path, mode_t mode, uid_t uid, gid_t gid,
    char *err, size_t errlen)
{
	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	if (chown(path, uid, gid) == -1 || chmod(path, mode) == -1) {
		snprintf(err, errlen, "chown/chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
spool_setup(const char *dir, const char *relay_user, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(relay_user);
	struct spool sp;

	if (pw == NULL) {
		snprintf(err, errlen, "no such user '%s': create it first "
		    "(useradd --system --user-group %s)", relay_user, relay_user);
		return -1;
	}
	spool_init(&sp, dir);
	if (mkdir_owned(sp.dir, 0755, pw->pw_uid, pw->pw_gid, err, errlen) == -1 ||
	    mkdir_owned(sp.maildrop, 03770, pw->pw_uid, pw->pw_gid, err, errlen) == -1 ||
	    mkdir_owned(sp.queue, 0700, pw->pw_uid, pw->pw_gid, err, errlen) == -1 ||
	    mkdir_owned(sp.failed, 0700, pw->pw_uid, pw->pw_gid, err, errlen) == -1 ||
	    mkdir_owned(sp.state, 0700, pw->pw_uid, pw->pw_gid, err, errlen) == -1 ||
	    mkdir_owned(sp.run, 0700, pw->pw_uid, pw->pw_gid, err, errlen) == -1)
		return -1;
	return 0;
}

/* ---- run/status ----------------------------------------------------------- */

int
spool_request_post(const struct spool *sp, const char *text)
{
	static unsigned seq;
	char name[64];

	snprintf(name, sizeof(name), "req.%ld.%u.%ld", (long)getpid(), seq++,
	    (long)now_us());
	return replace_file_nosync(sp->run, name, text, strlen(text), 0600);
}

int
spool_request_take(const struct spool *sp, char **text)
{
	DIR *d = opendir(sp->run);
	struct dirent *de;
	char path[1024], *one;
	size_t len, total = 0;
	int n = 0;

	*text = xstrdup("");
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "req.", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", sp->run, de->d_name);
		if ((one = read_small_file(path, &len)) == NULL)
			continue;
		unlink(path);
		*text = xrealloc(*text, total + len + 2);
		memcpy(*text + total, one, len);
		total += len;
		(*text)[total++] = '\n';
		(*text)[total] = '\0';
		free(one);
		n++;
	}
	closedir(d);
	return n;
}

/* "since<TAB>sender<TAB>reason" */
static void
status_sender_hold(struct queue_status *qs, char *v)
{
	char *sender = strchr(v, '\t'), *reason;

	if (sender == NULL || qs->nsender_holds >= QS_SENDER_HOLDS)
		return;
	*sender++ = '\0';
	if ((reason = strchr(sender, '\t')) != NULL)
		*reason++ = '\0';
	qs->sender_hold[qs->nsender_holds].since = atol(v);
	snprintf(qs->sender_hold[qs->nsender_holds].sender,
	    sizeof(qs->sender_hold[0].sender), "%s", sender);
	snprintf(qs->sender_hold[qs->nsender_holds].reason,
	    sizeof(qs->sender_hold[0].reason), "%s", reason ? reason : "");
	qs->nsender_holds++;
}

int
spool_status_load(const struct spool *sp, struct queue_status *qs)
{
	char path[1024], *text, *line, *next, *v;
	size_t len;

	memset(qs, 0, sizeof(*qs));
	snprintf(path, sizeof(path), "%s/status", sp->run);
	if ((text = read_small_file(path, &len)) == NULL)
		return -1;
	text = xrealloc(text, len + 1);
	text[len] = '\0';
	for (line = text; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((v = strchr(line, '=')) == NULL)
			continue;
		*v++ = '\0';
#define NUM(k, f) else if (strcmp(line, k) == 0) qs->f = atol(v)
#define DBL(k, f) else if (strcmp(line, k) == 0) qs->f = strtod(v, NULL)
#define STR(k, f) else if (strcmp(line, k) == 0) snprintf(qs->f, sizeof(qs->f), "%s", v)
		if (0) ;
		NUM("pid", pid); NUM("updated", updated); NUM("held_since", held_since);
		STR("hold_reason", hold_reason);
		NUM("throttled_until", throttled_until); STR("throttle_reason", throttle_reason);
		DBL("rate_configured", rate_configured); DBL("rate_current", rate_current);
		NUM("last_success", last_success);
		NUM("first_failure", first_failure); STR("first_failure_text", first_failure_text);
		NUM("last_failure", last_failure); STR("last_failure_text", last_failure_text);
		else if (strcmp(line, "sender_hold") == 0)
			status_sender_hold(qs, v);
#undef NUM
#undef DBL
#undef STR
	}
	free(text);
	return 0;
}

int
spool_status_save(const struct spool *sp, const struct queue_status *qs)
{
	char *text = NULL, *p;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int r, i;

	if (fp == NULL)
		return -1;
	fprintf(fp,
	    "pid=%ld\nupdated=%ld\nheld_since=%ld\nhold_reason=%s\n"
	    "throttled_until=%ld\nthrottle_reason=%s\nrate_configured=%.3f\n"
	    "rate_current=%.3f\nlast_success=%ld\nfirst_failure=%ld\n"
	    "first_failure_text=%s\nlast_failure=%ld\nlast_failure_text=%s\n",
	    qs->pid, qs->updated, qs->held_since, qs->hold_reason,
	    qs->throttled_until, qs->throttle_reason, qs->rate_configured,
	    qs->rate_current, qs->last_success, qs->first_failure,
	    qs->first_failure_text, qs->last_failure, qs->last_failure_text);
	for (i = 0; i < qs->nsender_holds && i < QS_SENDER_HOLDS; i++)
		fprintf(fp, "sender_hold=%ld\t%s\t%s\n", qs->sender_hold[i].since,
		    qs->sender_hold[i].sender, qs->sender_hold[i].reason);
	if (fclose(fp) == EOF) {
		free(text);
		return -1;
	}
	/* Reply texts are one line each in this file. */
	for (p = text; *p; p++)
		if (*p == '\r')
			*p = ' ';
	/* What the daemon shows, not what it must not lose: no fsync. */
	r = replace_file_nosync(sp->run, "status", text, strlen(text), 0600);
	free(text);
	return r;
}
