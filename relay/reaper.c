/* SPDX-License-Identifier: ISC */
/* reaper.c: see reaper.h. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "reaper.h"

/* Bounded, so that a reaper far behind costs open descriptors, not EMFILE.
 * Woken every REAP_BATCH descriptors or REAP_PERIOD_MS, not for each one:
 * a wake-up per delivered message cost the delivery loop a futex call. */
#define REAP_MAX 256
#define REAP_BATCH 32
#define REAP_PERIOD_MS 100

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static int running, stopping, nfds;
static int fds[REAP_MAX];

static void *
reaper_main(void *arg)
{
	int batch[REAP_MAX], n, i;

	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (nfds == 0 && !stopping)
			pthread_cond_wait(&cv, &mu);
		if (nfds < REAP_BATCH && !stopping) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += REAP_PERIOD_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&cv, &mu, &until);
		}
		if (nfds == 0)
			break;
		n = nfds;
		for (i = 0; i < n; i++)
			batch[i] = fds[i];
		nfds = 0;
		pthread_mutex_unlock(&mu);
		for (i = 0; i < n; i++)
			close(batch[i]);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
reaper_start(void)
{
	pthread_mutex_lock(&mu);
	stopping = 0;
	nfds = 0;
	running = pthread_create(&thread, NULL, reaper_main, NULL) == 0;
	pthread_mutex_unlock(&mu);
	return running ? 0 : -1;
}

void
reaper_close(int fd)
{
	if (fd < 0)
		return;
	pthread_mutex_lock(&mu);
	if (running && nfds < REAP_MAX) {
		fds[nfds++] = fd;
		if (nfds == 1 || nfds == REAP_BATCH)
			pthread_cond_signal(&cv);
		fd = -1;
	}
	pthread_mutex_unlock(&mu);
	if (fd >= 0)
		close(fd);
}

void
reaper_stop(void)
{
	pthread_mutex_lock(&mu);
	if (!running) {
		pthread_mutex_unlock(&mu);
		return;
	}
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&mu);
	running = 0;
	pthread_mutex_unlock(&mu);
}
