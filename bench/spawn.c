/* bench/spawn.c: run a command N times (P at a time), each with stdin from
 * FILE; print wall and CPU (children's user+sys) per run and peak RSS.
 * usage: spawn N P FILE command [args...]   ("{}" in args -> run number) */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static double
now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	int n, p, running = 0, started = 0, failed = 0, status;
	struct rusage ru;
	double t0, wall, cpu;

	if (argc < 5) {
		fputs("usage: spawn N P FILE command [args...]\n", stderr);
		return 64;
	}
	n = atoi(argv[1]);
	p = atoi(argv[2]);
	t0 = now();
	while (started < n || running > 0) {
		while (started < n && running < p) {
			posix_spawn_file_actions_t fa;
			pid_t pid;

			posix_spawn_file_actions_init(&fa);
			posix_spawn_file_actions_addopen(&fa, 0, argv[3], O_RDONLY, 0);
			if (posix_spawn(&pid, argv[4], &fa, NULL, argv + 4, environ) != 0) {
				perror(argv[4]);
				return 1;
			}
			posix_spawn_file_actions_destroy(&fa);
			started++;
			running++;
		}
		if (wait(&status) > 0) {
			running--;
			failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
	}
	wall = now() - t0;
	getrusage(RUSAGE_CHILDREN, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6;
	printf("runs=%d parallel=%d failed=%d wall_ms_per_run=%.3f cpu_ms_per_run=%.3f "
	    "maxrss_kb=%ld total_s=%.2f\n", n, p, failed, wall * 1000 / n, cpu * 1000 / n,
	    ru.ru_maxrss, wall);
	return failed ? 1 : 0;
}
