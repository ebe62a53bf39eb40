// An LD_PRELOAD library that makes one kind of file-system call fail, as a full or failing disk would, for the
// fault-injection tests of the stores (Tests/FinOpsCLITests/FaultInjectionTests.swift, Benchmarks/fault-inject.sh).
//
// Only calls on paths under FINOPS_FAULT_PATH count (a write or fsync by the path its descriptor was opened at), so
// the process can still print its error. Environment:
//   FINOPS_FAULT_PATH    the folder whose files fail (required; nothing is injected without it)
//   FINOPS_FAULT_CALL    write | fsync | rename | open | mkdir: the kind of call that fails
//   FINOPS_FAULT_AT      the 1-based number of the call of that kind that fails
//   FINOPS_FAULT_STICKY  1: every later call of that kind fails too (a disk that stays full)
//   FINOPS_FAULT_COUNTS  a file that receives, at exit, how many calls of each kind were made under the path
//
// write and pwrite fail with ENOSPC, fsync and fdatasync with EIO, rename and open (for writing) with ENOSPC or EIO,
// mkdir with ENOSPC.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum kind { WRITE, FSYNC, RENAME, OPEN, MKDIR, KINDS };
static const char *names[KINDS] = {"write", "fsync", "rename", "open", "mkdir"};
static atomic_long counts[KINDS];

static const char *prefix(void) {
    const char *value = getenv("FINOPS_FAULT_PATH");
    return value && *value ? value : NULL;
}

static int under(const char *path) {
    const char *root = prefix();
    if (!root || !path) return 0;
    char absolute[PATH_MAX];
    if (path[0] != '/') {
        if (!getcwd(absolute, sizeof absolute)) return 0;
        size_t length = strlen(absolute);
        snprintf(absolute + length, sizeof absolute - length, "/%s", path);
        path = absolute;
    }
    return strncmp(path, root, strlen(root)) == 0;
}

static int descriptor_under(int fd) {
    if (!prefix() || fd < 0) return 0;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length <= 0) return 0;
    target[length] = 0;
    return under(target);
}

// Counts a call under the path; whether it must fail.
static int fails(enum kind kind) {
    long number = atomic_fetch_add(&counts[kind], 1) + 1;
    const char *call = getenv("FINOPS_FAULT_CALL");
    const char *at = getenv("FINOPS_FAULT_AT");
    if (!call || !at || strcmp(call, names[kind]) != 0) return 0;
    long target = atol(at);
    const char *sticky = getenv("FINOPS_FAULT_STICKY");
    return number == target || (sticky && strcmp(sticky, "1") == 0 && number > target);
}

#define REAL(name) \
    static __typeof__(&name) real_##name; \
    if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

// Whether a call of this kind on this descriptor must fail; sets errno when it must.
static int descriptor_fails(int fd, enum kind kind, int error) {
    if (fd <= 2 || !descriptor_under(fd) || !fails(kind)) return 0;
    errno = error;
    return 1;
}

static int path_fails(const char *path, enum kind kind, int error) {
    if (!under(path) || !fails(kind)) return 0;
    errno = error;
    return 1;
}

ssize_t write(int fd, const void *buffer, size_t count) {
    REAL(write);
    return descriptor_fails(fd, WRITE, ENOSPC) ? -1 : real_write(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    REAL(pwrite);
    return descriptor_fails(fd, WRITE, ENOSPC) ? -1 : real_pwrite(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
    REAL(pwrite64);
    return descriptor_fails(fd, WRITE, ENOSPC) ? -1 : real_pwrite64(fd, buffer, count, offset);
}

int fsync(int fd) {
    REAL(fsync);
    return descriptor_fails(fd, FSYNC, EIO) ? -1 : real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    return descriptor_fails(fd, FSYNC, EIO) ? -1 : real_fdatasync(fd);
}

int rename(const char *from, const char *to) {
    REAL(rename);
    return path_fails(to, RENAME, EIO) ? -1 : real_rename(from, to);
}

int mkdir(const char *path, mode_t mode) {
    REAL(mkdir);
    return path_fails(path, MKDIR, ENOSPC) ? -1 : real_mkdir(path, mode);
}

// open and open64 take the mode only with O_CREAT or O_TMPFILE; only opens that may write count.
#define OPEN(name) \
    int name(const char *path, int flags, ...) { \
        REAL(name); \
        mode_t mode = 0; \
        if (flags & (O_CREAT | O_TMPFILE)) { \
            va_list arguments; \
            va_start(arguments, flags); \
            mode = va_arg(arguments, mode_t); \
            va_end(arguments); \
        } \
        int writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT); \
        return writes && path_fails(path, OPEN, ENOSPC) ? -1 : real_##name(path, flags, mode); \
    }

OPEN(open)
OPEN(open64)

__attribute__((destructor)) static void report(void) {
    const char *file = getenv("FINOPS_FAULT_COUNTS");
    if (!file || !*file) return;
    FILE *out = fopen(file, "w");
    if (!out) return;
    for (int kind = 0; kind < KINDS; kind++) fprintf(out, "%s %ld\n", names[kind], atomic_load(&counts[kind]));
    fclose(out);
}
