/* storm: a tight syscall loop to measure the probe's per-syscall cost.
 *   storm getppid N     N x syscall(SYS_getppid)   (never traced: cost of an unselected syscall)
 *   storm close N       N x close(-1)               (EBADF: select `close` to cost a full event)
 *   storm dup N         N x dup(0)+close            (two events per iteration when both selected)
 * Prints ns per iteration. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "getppid";
	long n = argc > 2 ? atol(argv[2]) : 10000000;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(what, "close"))
		for (long i = 0; i < n; i++) syscall(SYS_close, -1);
	else if (!strcmp(what, "dup"))
		for (long i = 0; i < n; i++) syscall(SYS_close, syscall(SYS_dup, 0));
	else
		for (long i = 0; i < n; i++) syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("%s: %ld iterations, %.1f ns/iteration\n", what, n, ns / n);
	return 0;
}
