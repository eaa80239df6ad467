using System.Runtime.InteropServices;

namespace Bramble.Compilation;

/// <summary>
/// Drops clean file-backed pages from the process's resident set (Linux madvise MADV_DONTNEED). The pages
/// stay mapped: touching them again reads them back from the page cache, so this changes memory use, never results.
/// </summary>
internal static unsafe partial class PageRelease
{
    private const int MadvDontNeed = 4;

    /// <summary>Releases the whole pages inside [start, start + bytes); a no-op off Linux or for less than a page.</summary>
    public static void Release(byte* start, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes <= 0) return;
        long page = Environment.SystemPageSize;
        long from = ((long)start + page - 1) / page * page;
        long to = ((long)start + bytes) / page * page;
        if (to <= from) return;
        // Advice only: a failure leaves the pages resident, which is what not asking would have done.
        _ = Madvise((nint)from, (nuint)(to - from), MadvDontNeed);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
