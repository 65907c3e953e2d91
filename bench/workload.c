/* A busy, varied workload for capture benchmarks: file opens, reads and closes, pipes, dups, sockets,
 * loopback TCP connects/accepts (127.0.0.1 only) and fork+exec, in a loop of N iterations. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
  socklen_t alen = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 64) ||
      getsockname(listener, (struct sockaddr *)&addr, &alen)) {
    perror("workload: listener");
    return 1;
  }
  char buf[64];
  for (long i = 0; i < n; i++) {
    int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY);
    if (fd >= 0) {
      if (read(fd, buf, sizeof buf) < 0) perror("read");
      int d = dup(fd);
      if (d >= 0) close(d);
      close(fd);
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) == 0) { close(p[0]); close(p[1]); }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s >= 0) close(s);
    if (i % 50 == 0) {
      int c = socket(AF_INET, SOCK_STREAM, 0);
      if (c >= 0 && connect(c, (struct sockaddr *)&addr, sizeof addr) == 0) {
        int a = accept(listener, NULL, NULL);
        if (send(c, "ping", 4, 0) < 0) perror("send");
        if (a >= 0) { if (recv(a, buf, sizeof buf, 0) < 0) perror("recv"); close(a); }
      }
      if (c >= 0) close(c);
    }
    if (i % 500 == 0) {
      pid_t pid = fork();
      if (pid == 0) { execl("/bin/true", "true", (char *)NULL); _exit(127); }
      if (pid > 0) waitpid(pid, NULL, 0);
    }
  }
  close(listener);
  return 0;
}
