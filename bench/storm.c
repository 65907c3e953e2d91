/* A syscall storm for the live benchmark: calls one syscall N times in a tight loop and prints the mean
 * ns per call. `storm getppid N` (not traced by sensord: the cost of an unselected syscall) or
 * `storm close N` (close(-1): traced, fails fast with EBADF: the cost of a selected syscall). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: storm getppid|close|dup N\n");
    return 2;
  }
  long n = atol(argv[2]);
  long nr;
  long arg = 0;
  if (strcmp(argv[1], "getppid") == 0) nr = SYS_getppid;
  else if (strcmp(argv[1], "close") == 0) { nr = SYS_close; arg = -1; }
  else if (strcmp(argv[1], "dup") == 0) { nr = SYS_dup; arg = -1; }
  else { fprintf(stderr, "storm: unknown syscall %s\n", argv[1]); return 2; }
  double t0 = now_ns();
  for (long i = 0; i < n; i++) syscall(nr, arg);
  double t1 = now_ns();
  printf("%.1f\n", (t1 - t0) / n);
  return 0;
}
