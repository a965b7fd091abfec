/*
 * pause: the supervised program used by the banyan benchmarks.
 *
 * On start it appends one line to a stamp file and then sleeps in pause()
 * until a signal kills it:
 *
 *     <pid> <CLOCK_MONOTONIC ns> <CLOCK_REALTIME ns>\n
 *
 * The stamp file is argv[1]. When started as "run" (an s6 or runit service
 * directory uses this binary directly as its ./run file, and s6-supervise
 * passes the service name as argv[1]) it is "./stamp" instead. Further
 * arguments are ignored; they only serve as markers.
 *
 * The line is written with a single write() on an O_APPEND descriptor, so a
 * reader sees whole lines. The timestamp is taken first thing in main():
 * respawn latency = this stamp - the time the driver sent SIGKILL.
 * Built static by bench/run so that exec costs as little as possible and the
 * measurement is dominated by the supervisor, not by the dynamic loader.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long mono = ns(CLOCK_MONOTONIC);
	long long real = ns(CLOCK_REALTIME);
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *path = strcmp(self, "run") == 0 || argc < 2 ? "stamp" : argv[1];
	char line[96];
	int len = snprintf(line, sizeof line, "%d %lld %lld\n", (int)getpid(), mono, real);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0) {
		perror(path);
		return 111;
	}
	if (write(fd, line, (size_t)len) != len) {
		perror(path);
		return 111;
	}
	close(fd);
	for (;;)
		pause();
}
