/* SPDX-License-Identifier: ISC */
/*
 * qlist.c: loads message summaries (envelope + state) without locking:
 * listing must never delay the daemon.  A message that moves or vanishes
 * while we read is shown from whichever area it was found in, or skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qlist.h"
#include "util.h"

static const char *
state_of(const struct qmsg *m, const struct queue_status *qs, double now)
{
	size_t i;
	int deferred = 0;

	if (m->area == AREA_FAILED)
		return "failed";
	if (m->st.held || (qs != NULL && qs->held_since != 0))
		return "held";
	if (m->area == AREA_MAILDROP)
		return "incoming";
	for (i = 0; i < m->st.nrcpts; i++)
		if (m->st.rcpts[i].status == RCPT_PENDING && m->st.rcpts[i].attempts > 0 &&
		    (double)m->st.rcpts[i].next_attempt > now)
			deferred = 1;
	return deferred ? "deferred" : "active";
}

ssize_t
qlist_load(const struct spool *sp, const struct queue_status *qs, struct qmsg **out)
{
	static const enum spool_area areas[] = { AREA_MAILDROP, AREA_QUEUE, AREA_FAILED };
	struct qmsg *m = NULL;
	size_t n = 0, a, k;
	double now = now_sec();
	char err[512];

	for (a = 0; a < 3; a++) {
		char **ids;
		ssize_t cnt = spool_list(sp, areas[a], &ids), i;

		if (cnt == -1) {
			int saved = errno;

			qlist_free(m, (ssize_t)n);
			errno = saved;
			return -1;
		}
		for (i = 0; i < cnt; i++) {
			struct qmsg q;
			int fd;

			for (k = 0; k < n && strcmp(m[k].id, ids[i]) != 0; k++)
				;
			if (k < n)
				continue;	/* seen in an earlier area */
			memset(&q, 0, sizeof(q));
			memcpy(q.id, ids[i], QID_LEN + 1);
			q.area = areas[a];
			fd = spool_open(sp, q.area, q.id, &q.e, err, sizeof(err));
			if (fd == -1)
				continue;
			close(fd);
			if (spool_state_load(sp, q.id, &q.e, &q.st, err, sizeof(err)) == -1)
				state_init(&q.st, &q.e);
			q.state = state_of(&q, qs, now);
			m = xrealloc(m, (n + 1) * sizeof(*m));
			m[n++] = q;
		}
		spool_list_free(ids, cnt);
	}
	*out = m;
	return (ssize_t)n;
}

void
qlist_free(struct qmsg *m, ssize_t n)
{
	ssize_t i;

	for (i = 0; i < n; i++) {
		envelope_free(&m[i].e);
		state_free(&m[i].st);
	}
	free(m);
}

int
qlist_find(const struct spool *sp, const char *id, enum spool_area *area)
{
	static const enum spool_area areas[] = { AREA_QUEUE, AREA_MAILDROP, AREA_FAILED };
	char path[1024];
	size_t i;

	if (!qid_valid(id)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", spool_area_dir(sp, areas[i]), id);
		if (access(path, F_OK) == 0) {
			*area = areas[i];
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

const char *
qlist_time(long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	return buf;
}

const char *
qlist_ago(long t, long now, char *buf, size_t len)
{
	long d = now - t;

	if (t <= 0)
		snprintf(buf, len, "never");
	else if (d < 120)
		snprintf(buf, len, "%ld s ago", d);
	else if (d < 7200)
		snprintf(buf, len, "%ld min ago", d / 60);
	else
		snprintf(buf, len, "%.1f h ago", d / 3600.0);
	return buf;
}

const char *
qlist_esc(const char *s)
{
	static char *ring[16];
	static unsigned next;
	char **slot = &ring[next++ % 16];

	free(*slot);
	*slot = str_escape(s);
	return *slot;
}

/* JSON must be valid UTF-8: a server reply or header in another charset
 * would otherwise make the whole listing unparsable for a monitoring
 * script, so invalid bytes become U+FFFD. */
void
json_str(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', fp);
	while (*s) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(fp, "\\u%04x", *s);
		else if ((n = utf8_char_len(s)) == 0)
			fputs("\\ufffd", fp);
		else {
			fwrite(s, 1, n, fp);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', fp);
}
