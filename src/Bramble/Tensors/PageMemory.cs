using System.Runtime.InteropServices;

namespace Bramble.Tensors;

/// <summary>
/// Large buffers as their own anonymous memory mappings (Linux). Freeing one unmaps it, so its pages go back
/// to the OS at once. Through malloc, glibc would serve weight-sized blocks from its heap once its adaptive
/// mmap threshold has grown, and a freed block in the middle of the heap stays resident: a session that frees
/// each original weight right after packing it would still peak at two copies. Pages also arrive zeroed and
/// count as resident only once touched.
/// </summary>
internal static unsafe partial class PageMemory
{
    /// <summary>Buffers at least this large are mapped (smaller ones come from malloc, which reuses them well).</summary>
    public const long Threshold = 256 * 1024;

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;
    private static bool _available = OperatingSystem.IsLinux();

    /// <summary>A zeroed, page-aligned mapping of <paramref name="bytes"/>, or null when mapping is unavailable here.</summary>
    public static void* TryMap(nuint bytes)
    {
        if (!_available || (long)bytes < Threshold) return null;
        try
        {
            void* p = mmap(null, bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            return p == (void*)-1 ? null : p;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _available = false;
            return null;
        }
    }

    public static void Unmap(void* p, nuint bytes) => munmap(p, bytes);

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(void* addr, nuint length);
}
