// System headers FinOpsCore uses: zlib (gzip input, CRC-32) and glibc allocator tuning.
#include <zlib.h>
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
