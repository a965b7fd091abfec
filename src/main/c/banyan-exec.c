/*
 * banyan-exec: the short step between posix_spawn and a service's program, for what
 * posix_spawn cannot do: join the service's cgroup, enter a root, and drop privileges. It then
 * execs the program, so the service's first instruction already runs in its cgroup, on its root,
 * as its user.
 *
 * usage: banyan-exec [--root DIR [--cwd DIR] [--bind HOST INSIDE ro|rw]...]
 *                    CGROUP_PROCS|- UID:GID:GID,GID...|- PROGRAM ARGV0 [ARG...]
 * With --root the service gets a mount namespace of its own whose / is DIR (pivot_root), with
 * the host's /proc, /sys and /dev (and what is mounted under them, /dev/pts among it), the
 * host's /run/banyan where it exists, and each bind; PROGRAM is then looked up in the root
 * (PATH, when it has no slash) and --cwd is entered there.
 * Errors go to stderr (the service's log) and exit 126 (setup failed) or 127 (exec failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_BINDS 64

struct bind { const char *host, *inside; int ro, fd, dir; };

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

/* mkdir -p of path (resolved from the current root); a file at the end when dir is 0. */
static void make_path(const char *path, int dir) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int) sizeof buf) { errno = ENAMETOOLONG; die("cannot make", path, 126); }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) die("cannot make, in the root,", buf, 126);
        *p = '/';
    }
    struct stat st;
    if (lstat(buf, &st) == 0) return;
    if (dir ? mkdir(buf, 0755) < 0 : mknod(buf, S_IFREG | 0644, 0) < 0)
        if (errno != EEXIST) die("cannot make, in the root,", buf, 126);
}

/* Before pivot_root: the host's tree at DIR/name; a symbolic link there is refused (it would lead out of the root). */
static void bind_system(const char *root, const char *name) {
    char at[4096];
    snprintf(at, sizeof at, "%s/%s", root, name);
    struct stat st;
    if (lstat(at, &st) == 0 && !S_ISDIR(st.st_mode)) { errno = ENOTDIR; die("the root's", name, 126); }
    if (mkdir(at, 0755) < 0 && errno != EEXIST) die("the root has no directory", name, 126);
    char host[64];
    snprintf(host, sizeof host, "/%s", name);
    if (mount(host, at, NULL, MS_BIND | MS_REC, NULL) < 0) die("cannot bind the host's", host, 126);
}

/*
 * After pivot_root: a copy of a host tree taken before it (open_tree), attached at inside (made
 * when missing). Inside is looked up in the root, so a symbolic link there cannot lead out of it.
 */
static void bind_held(struct bind *b) {
    make_path(b->inside, b->dir);
    if (move_mount(b->fd, "", AT_FDCWD, b->inside, MOVE_MOUNT_F_EMPTY_PATH) < 0) die("cannot bind", b->host, 126);
    if (b->ro && mount(NULL, b->inside, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
        die("cannot make read-only", b->inside, 126);
    close(b->fd);
}

static void hold(struct bind *b) {
    struct stat st;
    b->fd = open_tree(AT_FDCWD, b->host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (b->fd < 0 || fstat(b->fd, &st) < 0) die("cannot take the bind's host path", b->host, 126);
    b->dir = S_ISDIR(st.st_mode);
}

static void enter_root(const char *root, struct bind *binds, int n) {
    struct bind run = { "/run/banyan", "/run/banyan", 0, -1, 1 };
    for (int i = 0; i < n; i++) hold(&binds[i]);
    struct stat st;
    int has_run = stat(run.host, &st) == 0 && S_ISDIR(st.st_mode);
    if (has_run) { /* not recursive: the roots under it are not the service's */
        run.fd = open_tree(AT_FDCWD, run.host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (run.fd < 0) die("cannot take", run.host, 126);
    }
    if (unshare(CLONE_NEWNS) < 0) die("cannot make a mount namespace for root", root, 126);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("cannot make private", "/", 126);
    /* pivot_root needs the new root to be a mount of its own; a bind makes one wherever it is. */
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0) die("cannot bind the root", root, 126);
    bind_system(root, "proc");
    bind_system(root, "sys");
    bind_system(root, "dev");
    if (chdir(root) < 0) die("cannot enter", root, 126);
    if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root to", root, 126);
    if (umount2(".", MNT_DETACH) < 0) die("cannot detach the host's tree from", root, 126);
    if (chdir("/") < 0) die("cannot enter", "/", 126);
    if (has_run) bind_held(&run);
    for (int i = 0; i < n; i++) bind_held(&binds[i]);
}

int main(int argc, char **argv) {
    const char *root = NULL, *cwd = NULL;
    struct bind binds[MAX_BINDS];
    int n = 0, a = 1;
    for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
        if (strcmp(argv[a], "--root") == 0 && a + 1 < argc) root = argv[++a];
        else if (strcmp(argv[a], "--cwd") == 0 && a + 1 < argc) cwd = argv[++a];
        else if (strcmp(argv[a], "--bind") == 0 && a + 3 < argc && n < MAX_BINDS) {
            binds[n] = (struct bind) { argv[a + 1], argv[a + 2], strcmp(argv[a + 3], "ro") == 0, -1, 0 };
            n++;
            a += 3;
        } else { errno = EINVAL; die("bad option", argv[a], 126); }
    }
    if (argc - a < 4) {
        fprintf(stderr, "usage: banyan-exec [--root DIR [--cwd DIR] [--bind HOST INSIDE ro|rw]...] CGROUP_PROCS|- UID:GID:GROUPS|- PROGRAM ARGV0 [ARG...]\n");
        return 126;
    }
    if (strcmp(argv[a], "-") != 0) join_cgroup(argv[a]);
    if (root) enter_root(root, binds, n);
    if (strcmp(argv[a + 1], "-") != 0) drop_privileges(argv[a + 1]);
    if (cwd && chdir(cwd) < 0) die("cannot enter the working directory", cwd, 126);
    /* sd_watchdog_enabled() checks WATCHDOG_PID against getpid(); only here is that pid known before exec. */
    if (getenv("WATCHDOG_USEC")) {
        char pid[24];
        snprintf(pid, sizeof pid, "%d", (int) getpid());
        setenv("WATCHDOG_PID", pid, 1);
    }
    const char *program = argv[a + 2];
    if (strchr(program, '/')) execv(program, argv + a + 3);
    else execvp(program, argv + a + 3);
    die("cannot execute", program, errno == ENOENT ? 127 : 126);
    return 127;
}
