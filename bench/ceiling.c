/* bench/ceiling.c: the stand-in's ceiling: a minimal libcurl client that
 * sends COUNT copies of a CRLF message over reused connections from
 * THREADS threads, with nothing else to do (no spool, no state).
 * usage: ceiling URL CAFILE USER PASS MSGFILE COUNT THREADS */
#include <sys/resource.h>
#include <sys/time.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *url, *ca, *user, *pass;
static char *msg;
static size_t msglen;
static int per_thread, failures;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

struct src { size_t off; };

static size_t
rd(char *buf, size_t size, size_t n, void *arg)
{
	struct src *s = arg;
	size_t k = msglen - s->off;

	if (k > size * n)
		k = size * n;
	memcpy(buf, msg + s->off, k);
	s->off += k;
	return k;
}

static void *
worker(void *arg)
{
	CURL *h = curl_easy_init();
	struct curl_slist *r = curl_slist_append(NULL, "<bench@example.com>");
	int i;

	(void)arg;
	for (i = 0; i < per_thread; i++) {
		struct src s = { 0 };

		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
		curl_easy_setopt(h, CURLOPT_USERNAME, user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, pass);
		curl_easy_setopt(h, CURLOPT_SASL_IR, 1L);
		curl_easy_setopt(h, CURLOPT_MAIL_FROM, "<sender@example.com>");
		curl_easy_setopt(h, CURLOPT_MAIL_RCPT, r);
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, rd);
		curl_easy_setopt(h, CURLOPT_READDATA, &s);
		if (curl_easy_perform(h) != CURLE_OK) {
			pthread_mutex_lock(&mu);
			failures++;
			pthread_mutex_unlock(&mu);
		}
	}
	curl_slist_free_all(r);
	curl_easy_cleanup(h);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t t[64];
	struct timeval a, b;
	struct rusage ru;
	FILE *fp;
	int count, threads, i;
	double wall, cpu;

	if (argc != 8)
		return 64;
	url = argv[1]; ca = argv[2]; user = argv[3]; pass = argv[4];
	count = atoi(argv[6]);
	threads = atoi(argv[7]);
	if ((fp = fopen(argv[5], "rb")) == NULL)
		return 66;
	msg = malloc(1 << 20);
	msglen = fread(msg, 1, 1 << 20, fp);
	fclose(fp);
	per_thread = count / threads;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	gettimeofday(&a, NULL);
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	gettimeofday(&b, NULL);
	getrusage(RUSAGE_SELF, &ru);
	wall = (b.tv_sec - a.tv_sec) + (b.tv_usec - a.tv_usec) / 1e6;
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6;
	printf("messages=%d threads=%d failures=%d msg_per_s=%.1f cpu_us_per_msg=%.0f\n",
	    per_thread * threads, threads, failures, per_thread * threads / wall,
	    cpu * 1e6 / (per_thread * threads));
	return failures != 0;
}
