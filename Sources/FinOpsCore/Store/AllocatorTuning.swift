import CFinOpsSystem

/// Process-wide allocator settings for bulk loads, for programs that own their process (the `finops` command).
///
/// Ingest allocates and frees large column arrays batch after batch. By default glibc serves each from fresh
/// `mmap`ed pages that the kernel must zero; keeping them in the heap instead avoids that work. Libraries never
/// change this on their own: call it once at program start if you want it.
public enum AllocatorTuning {
    /// Serves allocations up to 32 MiB from the heap and keeps freed memory for reuse (glibc only; a no-op
    /// elsewhere).
    public static func preferHeapForLargeAllocations() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
        #endif
    }
}
