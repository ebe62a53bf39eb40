// System headers FinOpsCore uses: zlib (gzip input, CRC-32), glibc allocator tuning and early disk writeback.
#ifndef FINOPS_CSYSTEM_SHIM_H
#define FINOPS_CSYSTEM_SHIM_H

#include <zlib.h>

#if defined(__linux__)
#include <malloc.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Starts writing a file's dirty pages to disk without waiting for it (sync_file_range with
/// SYNC_FILE_RANGE_WRITE, called through syscall because glibc declares it only under _GNU_SOURCE).
static inline int finops_start_writeback(int descriptor) {
    return (int)syscall(SYS_sync_file_range, descriptor, 0L, 0L, 2U);
}
#else
static inline int finops_start_writeback(int descriptor) {
    (void)descriptor;
    return 0;
}
#endif

#endif
