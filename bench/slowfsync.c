/*
 * slowfsync.c: an LD_PRELOAD shim for the bench.  It simulates a slow disk
 * (these machines' kernels have no device-mapper delay target) by adding
 * SLOWFSYNC_US microseconds to every fsync, fdatasync and syncfs, and counts
 * them: after each, FSYNC_COUNT_FILE (when set) holds the count so far, so
 * the bench reads it before and after a phase.
 *   cc -O2 -shared -fPIC -o slowfsync.so slowfsync.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_long calls;
static long delay_us;
static int count_fd = -1;

static void
slow(void)
{
	struct timespec ts;

	long n = ++calls;
	char buf[24];

	if (count_fd >= 0)
		(void)!pwrite(count_fd, buf, (size_t)snprintf(buf, sizeof(buf), "%20ld\n", n), 0);
	if (delay_us <= 0)
		return;
	ts.tv_sec = delay_us / 1000000;
	ts.tv_nsec = (delay_us % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

#define WRAP(name)						\
int name(int fd)						\
{								\
	static int (*real)(int);				\
								\
	if (real == NULL)					\
		real = (int (*)(int))dlsym(RTLD_NEXT, #name);	\
	slow();							\
	return real(fd);					\
}
WRAP(fsync)
WRAP(fdatasync)
WRAP(syncfs)

__attribute__((constructor)) static void
init(void)
{
	const char *v = getenv("SLOWFSYNC_US"), *path = getenv("FSYNC_COUNT_FILE");

	delay_us = v ? atol(v) : 0;
	if (path != NULL)
		count_fd = open(path, O_WRONLY | O_CLOEXEC);
}
