/* bench/ceiling.c: the stand-in's ceiling: a minimal libcurl client that
 * sends COUNT copies of a CRLF message over CONNS reused connections, from
 * one thread with the multi interface (as the daemon does), with nothing
 * else to do: no spool, no state, no logging.
 * usage: ceiling URL CAFILE USER PASS MSGFILE COUNT CONNS */
#include <sys/resource.h>
#include <sys/time.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCONNS 64

struct xfer {
	CURL	*h;
	size_t	 off;
};

static char *msg;
static size_t msglen;

static size_t
ceiling_read(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t k = msglen - x->off;

	if (k > size * n)
		k = size * n;
	memcpy(buf, msg + x->off, k);
	x->off += k;
	return k;
}

int
main(int argc, char **argv)
{
	struct xfer x[MAXCONNS];
	struct curl_slist *rcpt;
	struct timeval a, b;
	struct rusage ru;
	CURLM *m;
	CURLMsg *cm;
	FILE *fp;
	int count, conns, started = 0, done = 0, failures = 0, running, left, i;
	double wall, cpu;

	if (argc != 8)
		return 64;
	count = atoi(argv[6]);
	conns = atoi(argv[7]);
	if (conns < 1 || conns > MAXCONNS || count < 1)
		return 64;
	if ((fp = fopen(argv[5], "rb")) == NULL)
		return 66;
	msg = malloc(1 << 20);
	msglen = fread(msg, 1, 1 << 20, fp);
	fclose(fp);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conns);
	rcpt = curl_slist_append(NULL, "<bench@example.com>");
	gettimeofday(&a, NULL);
	for (i = 0; i < conns && started < count; i++, started++) {
		x[i].h = curl_easy_init();
		x[i].off = 0;
		curl_easy_setopt(x[i].h, CURLOPT_URL, argv[1]);
		curl_easy_setopt(x[i].h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		curl_easy_setopt(x[i].h, CURLOPT_CAINFO, argv[2]);
		curl_easy_setopt(x[i].h, CURLOPT_USERNAME, argv[3]);
		curl_easy_setopt(x[i].h, CURLOPT_PASSWORD, argv[4]);
		curl_easy_setopt(x[i].h, CURLOPT_SASL_IR, 1L);
		curl_easy_setopt(x[i].h, CURLOPT_MAIL_FROM, "<sender@example.com>");
		curl_easy_setopt(x[i].h, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(x[i].h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(x[i].h, CURLOPT_READFUNCTION, ceiling_read);
		curl_easy_setopt(x[i].h, CURLOPT_READDATA, &x[i]);
		curl_easy_setopt(x[i].h, CURLOPT_PRIVATE, &x[i]);
		curl_multi_add_handle(m, x[i].h);
	}
	while (done < count) {
		curl_multi_perform(m, &running);
		while ((cm = curl_multi_info_read(m, &left)) != NULL) {
			struct xfer *xp;

			if (cm->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE, (char **)&xp);
			failures += cm->data.result != CURLE_OK;
			done++;
			/* Re-adding the same handle keeps its connection in the
			 * multi's cache: the next message reuses the session. */
			curl_multi_remove_handle(m, xp->h);
			if (started < count) {
				xp->off = 0;
				started++;
				curl_multi_add_handle(m, xp->h);
			}
		}
		if (done < count)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	gettimeofday(&b, NULL);
	getrusage(RUSAGE_SELF, &ru);
	wall = (b.tv_sec - a.tv_sec) + (b.tv_usec - a.tv_usec) / 1e6;
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6;
	printf("messages=%d connections=%d failures=%d msg_per_s=%.1f cpu_us_per_msg=%.0f "
	    "maxrss_kb=%ld\n", count, conns, failures, count / wall, cpu * 1e6 / count,
	    ru.ru_maxrss);
	for (i = 0; i < conns && i < count; i++)
		curl_easy_cleanup(x[i].h);
	curl_slist_free_all(rcpt);
	curl_multi_cleanup(m);
	return failures != 0;
}
