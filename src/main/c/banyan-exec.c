/*
 * banyan-exec: the short step between posix_spawn and a service's program, for what
 * posix_spawn cannot do: join the service's cgroup and drop privileges. It then execs the
 * program, so the service's first instruction already runs in its cgroup, as its user.
 *
 * usage: banyan-exec CGROUP_PROCS|- UID:GID:GID,GID...|- PATH ARGV0 [ARG...]
 * Errors go to stderr (the service's log) and exit 126 (setup failed) or 127 (exec failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *arg, int code) {
    fprintf(stderr, "banyan-exec: %s %s: %s\n", what, arg, strerror(errno));
    exit(code);
}

static void join_cgroup(const char *procs) {
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("cannot open", procs, 126);
    if (write(fd, "0", 1) != 1) die("cannot join cgroup", procs, 126);
    close(fd);
}

static void drop_privileges(char *creds) {
    char *uid_s = strtok(creds, ":"), *gid_s = strtok(NULL, ":"), *groups_s = strtok(NULL, ":");
    if (!uid_s || !gid_s) { errno = EINVAL; die("bad credentials", creds, 126); }
    gid_t groups[256];
    int n = 0;
    for (char *g = groups_s ? strtok(groups_s, ",") : NULL; g && n < 256; g = strtok(NULL, ","))
        groups[n++] = (gid_t) strtoul(g, NULL, 10);
    if (setgroups(n, groups) < 0) die("setgroups for uid", uid_s, 126);
    if (setgid((gid_t) strtoul(gid_s, NULL, 10)) < 0) die("setgid", gid_s, 126);
    if (setuid((uid_t) strtoul(uid_s, NULL, 10)) < 0) die("setuid", uid_s, 126);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: banyan-exec CGROUP_PROCS|- UID:GID:GROUPS|- PATH ARGV0 [ARG...]\n");
        return 126;
    }
    if (strcmp(argv[1], "-") != 0) join_cgroup(argv[1]);
    if (strcmp(argv[2], "-") != 0) drop_privileges(argv[2]);
    /* sd_watchdog_enabled() checks WATCHDOG_PID against getpid(); only here is that pid known before exec. */
    if (getenv("WATCHDOG_USEC")) {
        char pid[24];
        snprintf(pid, sizeof pid, "%d", (int) getpid());
        setenv("WATCHDOG_PID", pid, 1);
    }
    execv(argv[3], argv + 4);
    die("cannot execute", argv[3], errno == ENOENT ? 127 : 126);
    return 127;
}
