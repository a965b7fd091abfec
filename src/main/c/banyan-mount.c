/*
 * banyan-mount: the system calls of roots that can block on a filesystem, each done in a child
 * process that banyan kills at its timeout, so that no thread of banyan ever waits on a mount.
 * One call per run, no path canonicalisation, no fstab, no mtab (what util-linux mount(8)
 * and umount(8) add, and where they stat the target: on a dead FUSE mount that asks the server).
 *
 * usage:
 *   banyan-mount bind SOURCE TARGET                        recursive bind, then private
 *   banyan-mount device SOURCE TARGET FSTYPE FLAGS DATA    mount(2); a regular file gets a loop device
 *   banyan-mount move FROM TO                               MS_MOVE
 *   banyan-mount umount TARGET FLAGS                        umount2(2)
 *   banyan-mount read FILE                                  open and read (a probe: stat alone can be cached)
 *   banyan-mount chroot DIR PROGRAM [ARG...]               run PROGRAM with DIR as its root (an exec probe)
 * FLAGS are decimal mount(2)/umount2(2) flags. Errors name the call on stderr; exit 1 (the call
 * failed) or 2 (usage).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *call, const char *arg) {
    fprintf(stderr, "%s(%s): %s\n", call, arg, strerror(errno));
    return 1;
}

static int usage(void) {
    fprintf(stderr, "usage: banyan-mount bind|device|move|umount|read|chroot ARGS... (see banyan-mount.c)\n");
    return 2;
}

/* Binds the backing file to a free loop device that clears itself once unmounted; its path goes to dev. */
static int attach_loop(const char *file, int readonly, char *dev, size_t size) {
    int mode = readonly ? O_RDONLY : O_RDWR;
    int backing = open(file, mode | O_CLOEXEC);
    if (backing < 0) return fail("open", file);
    int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0) return fail("open", "/dev/loop-control");
    for (int attempt = 0; attempt < 16; attempt++) {
        int n = ioctl(control, LOOP_CTL_GET_FREE);
        if (n < 0) return fail("ioctl LOOP_CTL_GET_FREE", "/dev/loop-control");
        snprintf(dev, size, "/dev/loop%d", n);
        int loop = open(dev, mode | O_CLOEXEC);
        if (loop < 0) return fail("open", dev);
        struct loop_config config;
        memset(&config, 0, sizeof config);
        config.fd = (unsigned) backing;
        config.info.lo_flags = LO_FLAGS_AUTOCLEAR | (readonly ? LO_FLAGS_READ_ONLY : 0);
        strncpy((char *) config.info.lo_file_name, file, LO_NAME_SIZE - 1);
        int rc = ioctl(loop, LOOP_CONFIGURE, &config);
        if (rc < 0 && (errno == EINVAL || errno == ENOTTY)) { /* before Linux 5.8: two steps */
            rc = ioctl(loop, LOOP_SET_FD, backing);
            if (rc == 0) {
                struct loop_info64 info;
                memset(&info, 0, sizeof info);
                info.lo_flags = LO_FLAGS_AUTOCLEAR | (readonly ? LO_FLAGS_READ_ONLY : 0);
                strncpy((char *) info.lo_file_name, file, LO_NAME_SIZE - 1);
                if (ioctl(loop, LOOP_SET_STATUS64, &info) < 0) {
                    int e = errno;
                    ioctl(loop, LOOP_CLR_FD, 0);
                    errno = e;
                    return fail("ioctl LOOP_SET_STATUS64", dev);
                }
            }
        }
        if (rc == 0) return 0; /* loop stays open until exit: the mount holds the device by then */
        if (errno != EBUSY) return fail("ioctl LOOP_CONFIGURE", dev);
        close(loop); /* another process took it between GET_FREE and CONFIGURE: ask again */
    }
    errno = EBUSY;
    return fail("ioctl LOOP_CONFIGURE", file);
}

static int device(char **argv) {
    const char *source = argv[0], *target = argv[1], *fstype = argv[2], *data = argv[4];
    unsigned long flags = strtoul(argv[3], NULL, 10);
    char loop[64];
    struct stat st;
    if (stat(source, &st) < 0) return fail("stat", source);
    if (S_ISREG(st.st_mode)) {
        if (attach_loop(source, (flags & MS_RDONLY) != 0, loop, sizeof loop)) return 1;
        source = loop;
    }
    if (mount(source, target, fstype, flags, *data ? data : NULL) < 0) return fail("mount", target);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) return usage();
    const char *op = argv[1];
    if (!strcmp(op, "bind") && argc == 4) {
        if (mount(argv[2], argv[3], NULL, MS_BIND | MS_REC, NULL) < 0) return fail("mount MS_BIND", argv[3]);
        /* a bind of a shared mount joins its peer group; the root must neither receive nor send */
        if (mount(NULL, argv[3], NULL, MS_PRIVATE | MS_REC, NULL) < 0) return fail("mount MS_PRIVATE", argv[3]);
        return 0;
    }
    if (!strcmp(op, "device") && argc == 7) return device(argv + 2);
    if (!strcmp(op, "move") && argc == 4) {
        if (mount(argv[2], argv[3], NULL, MS_MOVE, NULL) < 0) return fail("mount MS_MOVE", argv[3]);
        return 0;
    }
    if (!strcmp(op, "umount") && argc == 4) {
        if (umount2(argv[2], (int) strtol(argv[3], NULL, 10)) < 0) return fail("umount2", argv[2]);
        return 0;
    }
    if (!strcmp(op, "read") && argc == 3) {
        char buf[4096];
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) return fail("open", argv[2]);
        if (read(fd, buf, sizeof buf) < 0) return fail("read", argv[2]);
        return 0;
    }
    if (!strcmp(op, "chroot") && argc >= 4) {
        if (chroot(argv[2]) < 0) return fail("chroot", argv[2]);
        if (chdir("/") < 0) return fail("chdir", "/");
        execvp(argv[3], argv + 3);
        fail("execvp", argv[3]);
        return 127;
    }
    return usage();
}
