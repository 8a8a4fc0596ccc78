/* Fault injection for the integration tests, preloaded into mosquitto (LD_PRELOAD).
 *
 * Simulates an unwritable directory and a full disk for files under one path prefix, even
 * for root (who ignores permissions), and can be switched on and off while the broker runs:
 *
 *   TGMESH_FAULT_PREFIX   absolute path prefix, e.g. "/tmp/x/state/" (required)
 *   TGMESH_FAULT_CONTROL  control file; the faults are active only while it exists. Its first
 *                         word selects them: "eacces" (opening a file for creating or writing
 *                         fails with EACCES), "enospc" (write() to files opened under the
 *                         prefix fails with ENOSPC, as does fsync), "slow:<ms>" (each write()
 *                         and fsync() to such files first sleeps <ms> milliseconds: a disk
 *                         that hangs), anything else or empty: eacces and enospc.
 *
 *   TGMESH_FAULT_TAKE_SIGNAL  n: at load, a handler (doing nothing) for SIGRTMIN+n, as another
 *                         plugin or library of the broker might install (wake_broker refuses
 *                         to start then).
 *
 * Without TGMESH_FAULT_PREFIX the library does nothing. It keeps a table of the descriptors
 * it saw opened under the prefix, so write() checks cost nothing for other files (sockets,
 * the broker log). The control file is read with raw system calls (no recursion). Chains to
 * the next definition (RTLD_NEXT), so a sanitizer runtime preloaded before it keeps working.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_FDS 65536

enum { FAULT_EACCES = 1, FAULT_ENOSPC = 2, FAULT_SLOW = 4 };

static atomic_long slow_ms;

static atomic_uchar watched[MAX_FDS]; /* 1 = opened under the prefix */

static const char *prefix(void) {
    static const char *value;
    static atomic_int done;
    if (!atomic_load(&done)) {
        const char *p = getenv("TGMESH_FAULT_PREFIX");
        value = (p != NULL && p[0] != '\0') ? p : NULL;
        atomic_store(&done, 1);
    }
    return value;
}

static int under_prefix(int dirfd, const char *path) {
    const char *p = prefix();
    if (p == NULL || path == NULL) return 0;
    char full[8192];
    if (path[0] == '/') {
        snprintf(full, sizeof full, "%s", path);
    } else {
        /* Relative to the working directory or a directory fd: resolve it through /proc. */
        char link[64];
        char dir[4096];
        if (dirfd == AT_FDCWD) {
            snprintf(link, sizeof link, "/proc/self/cwd");
        } else {
            snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        }
        ssize_t got = (ssize_t)syscall(SYS_readlink, link, dir, sizeof dir - 1);
        if (got <= 0) return 0;
        dir[got] = '\0';
        snprintf(full, sizeof full, "%s/%s", dir, path);
    }
    return strncmp(full, p, strlen(p)) == 0;
}

/* The active faults: 0 when the control file is absent. */
static int active_faults(void) {
    const char *control = getenv("TGMESH_FAULT_CONTROL");
    if (control == NULL || control[0] == '\0') return 0;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, control, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return 0;
    char buf[32];
    ssize_t n = (ssize_t)syscall(SYS_read, fd, buf, sizeof buf - 1);
    syscall(SYS_close, fd);
    if (n < 0) n = 0;
    buf[n] = '\0';
    if (strncmp(buf, "eacces", 6) == 0) return FAULT_EACCES;
    if (strncmp(buf, "enospc", 6) == 0) return FAULT_ENOSPC;
    if (strncmp(buf, "slow:", 5) == 0) {
        atomic_store(&slow_ms, strtol(buf + 5, NULL, 10));
        return FAULT_SLOW;
    }
    return FAULT_EACCES | FAULT_ENOSPC;
}

static void *next(const char *name) {
    return dlsym(RTLD_NEXT, name);
}

static int writes_or_creates(int flags) {
    return (flags & (O_CREAT | O_WRONLY | O_RDWR | O_TRUNC)) != 0;
}

/* Before the real open: 1 (and errno set) if the open must fail. */
static int refuse_open(int dirfd, const char *path, int flags) {
    if (prefix() == NULL || !writes_or_creates(flags) || !under_prefix(dirfd, path)) return 0;
    if (active_faults() & FAULT_EACCES) {
        errno = EACCES;
        return 1;
    }
    return 0;
}

static int opened(int fd, int dirfd, const char *path) {
    if (fd >= 0 && fd < MAX_FDS && prefix() != NULL) {
        atomic_store(&watched[fd], (unsigned char)(under_prefix(dirfd, path) ? 1 : 0));
    }
    return fd;
}

static int write_fails(int fd) {
    if (fd < 0 || fd >= MAX_FDS || !atomic_load(&watched[fd])) return 0;
    int faults = active_faults();
    if (faults & FAULT_SLOW) {
        long ms = atomic_load(&slow_ms);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    if (faults & FAULT_ENOSPC) {
        errno = ENOSPC;
        return 1;
    }
    return 0;
}

static mode_t mode_arg(int flags, va_list ap) {
    if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) return (mode_t)va_arg(ap, int);
    return 0;
}

#define DEFINE_OPEN(name)                                                         \
    EXPORT int name(const char *path, int flags, ...) {                          \
        static int (*real)(const char *, int, ...);                             \
        va_list ap;                                                             \
        va_start(ap, flags);                                                    \
        mode_t mode = mode_arg(flags, ap);                                      \
        va_end(ap);                                                             \
        if (real == NULL) real = (int (*)(const char *, int, ...))next(#name);  \
        if (refuse_open(AT_FDCWD, path, flags)) return -1;                      \
        return opened(real(path, flags, mode), AT_FDCWD, path);                 \
    }

#define DEFINE_OPENAT(name)                                                         \
    EXPORT int name(int dirfd, const char *path, int flags, ...) {                 \
        static int (*real)(int, const char *, int, ...);                          \
        va_list ap;                                                               \
        va_start(ap, flags);                                                      \
        mode_t mode = mode_arg(flags, ap);                                        \
        va_end(ap);                                                               \
        if (real == NULL) real = (int (*)(int, const char *, int, ...))next(#name); \
        if (refuse_open(dirfd, path, flags)) return -1;                           \
        return opened(real(dirfd, path, flags, mode), dirfd, path);               \
    }

DEFINE_OPEN(open)
DEFINE_OPEN(open64)
DEFINE_OPENAT(openat)
DEFINE_OPENAT(openat64)

EXPORT int __open_2(const char *path, int flags) {
    return open(path, flags);
}
EXPORT int __open64_2(const char *path, int flags) {
    return open64(path, flags);
}
EXPORT int __openat_2(int dirfd, const char *path, int flags) {
    return openat(dirfd, path, flags);
}
EXPORT int __openat64_2(int dirfd, const char *path, int flags) {
    return openat64(dirfd, path, flags);
}

EXPORT int creat(const char *path, mode_t mode) {
    return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}
EXPORT int creat64(const char *path, mode_t mode) {
    return open64(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

EXPORT ssize_t write(int fd, const void *buf, size_t count) {
    static ssize_t (*real)(int, const void *, size_t);
    if (real == NULL) real = (ssize_t(*)(int, const void *, size_t))next("write");
    if (write_fails(fd)) return -1;
    return real(fd, buf, count);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (real == NULL) real = (ssize_t(*)(int, const void *, size_t, off_t))next("pwrite");
    if (write_fails(fd)) return -1;
    return real(fd, buf, count, offset);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (real == NULL) real = (ssize_t(*)(int, const void *, size_t, off_t))next("pwrite64");
    if (write_fails(fd)) return -1;
    return real(fd, buf, count, offset);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
    static ssize_t (*real)(int, const struct iovec *, int);
    if (real == NULL) real = (ssize_t(*)(int, const struct iovec *, int))next("writev");
    if (write_fails(fd)) return -1;
    return real(fd, iov, iovcnt);
}

/* A full disk also shows at fsync (delayed allocation). */
EXPORT int fsync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))next("fsync");
    if (write_fails(fd)) return -1;
    return real(fd);
}

EXPORT int close(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))next("close");
    if (fd >= 0 && fd < MAX_FDS) atomic_store(&watched[fd], 0);
    return real(fd);
}

static void ignore_signal(int sig) { (void)sig; }

__attribute__((constructor)) static void take_signal(void) {
    const char *n = getenv("TGMESH_FAULT_TAKE_SIGNAL");
    if (n == NULL || n[0] == '\0') return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ignore_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGRTMIN + atoi(n), &action, NULL);
}
