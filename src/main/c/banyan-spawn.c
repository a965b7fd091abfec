/*
 * libbanyan-spawn: posix_spawn for a service that has a cgroup of its own. The child is made
 * by clone3() with CLONE_INTO_CGROUP (Linux 5.7+), so it is born in the service's cgroup.
 * The other way, writing the new pid to cgroup.procs, migrates a running process, and a
 * migration waits for an RCU grace period unless another one happened moments before: 5 to
 * 11 ms on every respawn after a quiet spell (docs/benchmarks.md).
 *
 * The child is made the way glibc's and musl's posix_spawn make it: it shares the parent's
 * memory (CLONE_VM) and runs on a small stack of its own, while the calling thread sleeps
 * (CLONE_VFORK) until the child has called execve or exited. So the cost does not grow with
 * the JVM's size, and the child reports a failure by storing it in memory the parent reads.
 * Sharing memory with every thread of the JVM, the child makes only system calls and writes
 * nothing but its own stack and its struct child. No JVM signal handler can run in it:
 * CLONE_CLEAR_SIGHAND resets every handled signal at birth, and every signal stays blocked
 * until just before execve.
 *
 * banyan.os.CloneIntoCgroup loads this library through the FFM API. Only x86-64 is done
 * here; elsewhere banyan_spawn fails with ENOSYS at "clone3" and banyan falls back to
 * joining the cgroup through banyan-exec, as it does on kernels without CLONE_INTO_CGROUP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#define CLEAR_SIGHAND 0x100000000ULL /* CLONE_CLEAR_SIGHAND, Linux 5.5 */
#define INTO_CGROUP 0x200000000ULL   /* CLONE_INTO_CGROUP, Linux 5.7 */

/* The system call that failed, as banyan.os.CloneIntoCgroup names them. */
enum { AT_OPEN = 1, AT_MMAP, AT_CLONE3, AT_SETSID, AT_FCNTL, AT_DUP2, AT_CLOSE, AT_CLOSE_RANGE, AT_CHDIR, AT_EXECVE, AT_ARGS, AT_BIRTH };

#define MAX_FDS 64
#define STACK_SIZE (64 * 1024) /* the child needs a few hundred bytes; pages it never touches cost nothing */

/* struct clone_args of <linux/sched.h> up to .cgroup (CLONE_ARGS_SIZE_VER2), spelled out so
 * that the build does not depend on the kernel headers' age. */
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* What the child needs, and where it leaves the reason it could not exec. */
struct child {
    const char *path;
    char *const *argv, *const *envp;
    const char *cwd;
    const int *fds; /* pairs: fd in the child, fd in the parent */
    int nfds, top;  /* top: the highest fd the child gets */
    volatile int started, err, at;
};

#if defined(__x86_64__)
static _Noreturn void fail(struct child *c, int at) {
    c->err = errno ? errno : ECHILD;
    c->at = at;
    _exit(127);
}

static int child_main(void *arg) {
    struct child *c = arg;
    c->started = 1;

    /* Every signal to its default action: the handled ones already are (CLONE_CLEAR_SIGHAND);
     * this resets the ignored ones. Through the system call, which unlike sigaction() takes
     * glibc's own two (32 and 33) as well: to a program that is not linked with glibc they
     * are ordinary real-time signals. SIG_DFL needs no restorer; the kernel's struct on
     * x86-64 is handler, flags, restorer, mask (8 bytes). */
    struct { unsigned long handler, flags, restorer, mask; } dfl = { 0 };
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);

    if (setsid() < 0) fail(c, AT_SETSID);

    /* The fd map, in two passes so that no dup2 overwrites a source a later one still needs:
     * first every source that could be a target moves above all targets, then each lands. */
    int src[MAX_FDS];
    for (int i = 0; i < c->nfds; i++) {
        int to = c->fds[2 * i], from = c->fds[2 * i + 1];
        if (from <= c->top && from != to && (from = fcntl(from, F_DUPFD_CLOEXEC, c->top + 1)) < 0) fail(c, AT_FCNTL);
        src[i] = from;
    }
    for (int i = 0; i < c->nfds; i++) {
        int to = c->fds[2 * i];
        if (src[i] == to) { /* kept in place: it must survive the exec */
            if (fcntl(to, F_SETFD, 0) < 0) fail(c, AT_FCNTL);
        } else if (dup2(src[i], to) < 0) fail(c, AT_DUP2);
    }
    /* Every other fd from 3 up is closed: the gaps below top, then all above it. */
    for (int fd = 3; fd < c->top; fd++) {
        int mapped = 0;
        for (int i = 0; i < c->nfds; i++) mapped |= c->fds[2 * i] == fd;
        if (!mapped && syscall(SYS_close, fd) < 0 && errno != EBADF) fail(c, AT_CLOSE); /* not close(): a cancellation point, which touches the parent's thread */
    }
    if (syscall(SYS_close_range, c->top < 3 ? 3 : c->top + 1, ~0U, 0) < 0) fail(c, AT_CLOSE_RANGE); /* Linux 5.9 */

    if (c->cwd && chdir(c->cwd) < 0) fail(c, AT_CHDIR);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(c->path, c->argv, c->envp);
    fail(c, AT_EXECVE);
}

/*
 * clone3 that runs fn(arg) in the child on the stack given in args, and never returns there.
 * It must be assembly: the child starts on its new stack right after the syscall instruction,
 * where C code would return through a frame it does not have. The child's registers are the
 * parent's, except rax (0) and rsp; rcx and r11 are clobbered by syscall.
 */
static long clone3_run(struct clone3_args *args, int (*fn)(void *), void *arg) {
    register long rax __asm__("rax") = SYS_clone3;
    register struct clone3_args *rdi __asm__("rdi") = args;
    register long rsi __asm__("rsi") = sizeof *args;
    register int (*r12)(void *) __asm__("r12") = fn;
    register void *r13 __asm__("r13") = arg;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        "xor %%ebp, %%ebp\n\t"    /* the end of the frame chain */
        "mov %%r13, %%rdi\n\t"
        "call *%%r12\n\t"         /* rsp is the stack's top, 16-byte aligned, as a call needs */
        "mov %%eax, %%edi\n\t"
        "mov $231, %%eax\n\t"     /* exit_group, should fn ever return */
        "syscall\n\t"
        "hlt\n"
        "1:"
        : "+r"(rax)
        : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
        : "rcx", "r11", "memory", "cc");
    return rax;
}
#endif

/*
 * Spawns path in a new session, in the cgroup whose directory is cgroup, with the fd map fds
 * (nfds pairs: child fd, parent fd; all other fds from 3 up closed), every signal at its
 * default action and none blocked, and cwd as working directory unless it is NULL.
 * Returns the pid, or -errno with *at naming the step that failed. A child that failed
 * before execve has been collected by the time this returns, as posix_spawn does; one that
 * was killed before it ran too, with -ESRCH at AT_BIRTH.
 */
int banyan_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 const int *fds, int nfds, const char *cgroup, int *at) {
    if (nfds < 0 || nfds > MAX_FDS) {
        *at = AT_ARGS;
        return -E2BIG;
    }
    struct child c = { .path = path, .argv = argv, .envp = envp, .cwd = cwd, .fds = fds, .nfds = nfds, .top = -1 };
    for (int i = 0; i < nfds; i++) {
        if (fds[2 * i] < 0 || fds[2 * i + 1] < 0) {
            *at = AT_ARGS;
            return -EBADF;
        }
        if (fds[2 * i] > c.top) c.top = fds[2 * i];
    }
#if defined(__x86_64__)
    int cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0) {
        *at = AT_OPEN;
        return -errno;
    }
    void *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        int e = errno;
        close(cg);
        *at = AT_MMAP;
        return -e;
    }
    /* Block everything, glibc's internal signals too (so not pthread_sigmask), until the child
     * has exec'd: the child starts with this mask and unblocks only once no handler is left. */
    uint64_t all = ~0ULL, old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
    struct clone3_args args = {
        .flags = CLONE_VM | CLONE_VFORK | CLEAR_SIGHAND | INTO_CGROUP,
        .exit_signal = SIGCHLD,
        .stack = (uintptr_t) stack,
        .stack_size = STACK_SIZE,
        .cgroup = (uint64_t) cg,
    };
    long pid = clone3_run(&args, child_main, &c);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
    munmap(stack, STACK_SIZE);
    close(cg);
    if (pid < 0) {
        *at = AT_CLONE3;
        return (int) pid;
    }
    if (c.err || !c.started) {
        /* It exited with 127 before execve, or it was killed before it ran a single instruction
         * (the kernel does that to a child cloned into a cgroup it takes for one being killed,
         * see CloneIntoCgroup). The caller has not seen its pid, so nobody else waits for it:
         * banyan's reaper leaves unknown children alone while a spawn is under way. */
        while (waitpid((pid_t) pid, NULL, 0) < 0 && errno == EINTR) {}
        *at = c.err ? c.at : AT_BIRTH;
        return c.err ? -c.err : -ESRCH;
    }
    return (int) pid;
#else
    (void) cgroup;
    *at = AT_CLONE3;
    return -ENOSYS;
#endif
}
