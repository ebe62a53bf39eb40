// System headers FinOpsCore uses: zlib (gzip input, CRC-32), glibc allocator tuning, early disk writeback, CRC-32C.
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

#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli) of `length` bytes continuing from `crc` (start with 0): the checksum of each block of a
/// period file. The SSE 4.2 instruction where the processor has it (several GB/s), else bit by bit.
#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static inline uint32_t finops_crc32c_sse42(uint32_t crc, const uint8_t *bytes,
                                                                             size_t length) {
    uint64_t state = ~crc;
    while (length >= 8) {
        uint64_t word;
        __builtin_memcpy(&word, bytes, 8);
        state = __builtin_ia32_crc32di(state, word);
        bytes += 8;
        length -= 8;
    }
    uint32_t small = (uint32_t)state;
    while (length > 0) {
        small = __builtin_ia32_crc32qi(small, *bytes);
        bytes++;
        length--;
    }
    return ~small;
}
#endif

static inline uint32_t finops_crc32c_bitwise(uint32_t crc, const uint8_t *bytes, size_t length) {
    crc = ~crc;
    while (length-- > 0) {
        crc ^= *bytes++;
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static inline uint32_t finops_crc32c(uint32_t crc, const uint8_t *bytes, size_t length) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return finops_crc32c_sse42(crc, bytes, length);
#endif
    return finops_crc32c_bitwise(crc, bytes, length);
}

#endif
