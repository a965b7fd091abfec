/*
 * baseline: the least any supervisor has to do, as a yardstick.
 *
 *     baseline N PROGRAM STAMPDIR
 *
 * Starts N copies of PROGRAM (service i runs "PROGRAM STAMPDIR/s<i>", i as
 * four digits, like the other stacks) and loops on wait(): as soon as one
 * dies it is forked and exec'd again. No state files, no logging, no
 * throttling. SIGTERM kills every child and exits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static pid_t spawn(const char *program, const char *stampdir, int i)
{
	char stamp[4096];
	pid_t pid;

	snprintf(stamp, sizeof stamp, "%s/s%04d", stampdir, i);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		execl(program, program, stamp, (char *)0);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	pid_t *pids;
	int n, i;

	if (argc != 4 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: baseline N PROGRAM STAMPDIR\n");
		return 100;
	}
	sigaction(SIGTERM, &sa, 0); /* no SA_RESTART: wait() returns EINTR */
	pids = calloc((size_t)n, sizeof *pids);
	for (i = 0; i < n; i++)
		pids[i] = spawn(argv[2], argv[3], i);
	while (!stopping) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0)
			continue;
		for (i = 0; i < n; i++)
			if (pids[i] == pid)
				pids[i] = spawn(argv[2], argv[3], i);
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(0) > 0)
		;
	return 0;
}
