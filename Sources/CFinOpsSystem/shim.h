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

#if defined(__x86_64__)
#include <immintrin.h>

/// CRC-32 (zlib's polynomial and convention: `crc` is zlib's value, 0 for no bytes) of `length` bytes, a multiple of
/// 16 and at least 64, by carry-less multiplication: four 128-bit lanes folded 64 bytes at a time, then folded into
/// one and reduced (Barrett) to 32 bits, as in Intel's "Fast CRC Computation for Generic Polynomials Using
/// PCLMULQDQ". The constants are x^k mod P for the bit-reflected polynomial 0x104C11DB7.
__attribute__((target("pclmul,sse4.1"))) static inline uint32_t finops_crc32_pclmul(uint32_t crc, const uint8_t *bytes,
                                                                                    size_t length) {
    const __m128i fold4 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);  // x^(4*128+32), x^(4*128-32)
    const __m128i fold1 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);  // x^(128+32), x^(128-32)
    const __m128i to32 = _mm_set_epi64x(0, 0x163cd6124);              // x^64
    const __m128i barrett = _mm_set_epi64x(0x1f7011641, 0x1db710641); // floor(x^64 / P), P
    const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
#define FINOPS_LOAD(offset) _mm_loadu_si128((const __m128i *)(bytes + (offset)))
#define FINOPS_FOLD(lane, k, next)                                                                                     \
    _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(lane, k, 0x00), _mm_clmulepi64_si128(lane, k, 0x11)), next)
    __m128i x0 = _mm_xor_si128(FINOPS_LOAD(0), _mm_cvtsi32_si128((int)~crc));
    __m128i x1 = FINOPS_LOAD(16), x2 = FINOPS_LOAD(32), x3 = FINOPS_LOAD(48);
    bytes += 64;
    length -= 64;
    while (length >= 64) {
        x0 = FINOPS_FOLD(x0, fold4, FINOPS_LOAD(0));
        x1 = FINOPS_FOLD(x1, fold4, FINOPS_LOAD(16));
        x2 = FINOPS_FOLD(x2, fold4, FINOPS_LOAD(32));
        x3 = FINOPS_FOLD(x3, fold4, FINOPS_LOAD(48));
        bytes += 64;
        length -= 64;
    }
    x0 = FINOPS_FOLD(x0, fold1, x1);
    x0 = FINOPS_FOLD(x0, fold1, x2);
    x0 = FINOPS_FOLD(x0, fold1, x3);
    while (length >= 16) {
        x0 = FINOPS_FOLD(x0, fold1, FINOPS_LOAD(0));
        bytes += 16;
        length -= 16;
    }
#undef FINOPS_FOLD
#undef FINOPS_LOAD
    // 128 bits to 64, 64 to 32, then the Barrett reduction; the CRC is the second 32-bit word.
    __m128i folded = _mm_xor_si128(_mm_clmulepi64_si128(x0, fold1, 0x10), _mm_srli_si128(x0, 8));
    __m128i rest = _mm_srli_si128(folded, 4);
    folded = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(folded, low32), to32, 0x00), rest);
    __m128i quotient = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(folded, low32), barrett, 0x10), low32);
    folded = _mm_xor_si128(folded, _mm_clmulepi64_si128(quotient, barrett, 0x00));
    return ~(uint32_t)_mm_extract_epi32(folded, 1);
}
#endif

/// CRC-32 (zlib's) of `length` bytes continuing from `crc`: by carry-less multiplication where the processor has it
/// (about five times zlib's speed), zlib's for the rest.
static inline unsigned long finops_crc32(unsigned long crc, const uint8_t *bytes, size_t length) {
#if defined(__x86_64__)
    if (length >= 64 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        size_t whole = length & ~(size_t)15;
        crc = finops_crc32_pclmul((uint32_t)crc, bytes, whole);
        bytes += whole;
        length -= whole;
    }
#endif
    while (length > 0) {
        uInt piece = length > 0x40000000 ? 0x40000000 : (uInt)length;
        crc = crc32(crc, bytes, piece);
        bytes += piece;
        length -= piece;
    }
    return crc;
}

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
