using System.Diagnostics;

namespace Bramble.Runtime;

/// <summary>The process's memory as the OS sees it: what a 1 GB board actually has to hold.</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size in bytes (Linux VmHWM; elsewhere the peak working set).</summary>
    public static long PeakResidentBytes() => ReadStatusKb("VmHWM:") is long kb ? kb * 1024 : Process.GetCurrentProcess().PeakWorkingSet64;

    /// <summary>Current resident set size in bytes (Linux VmRSS; elsewhere the working set).</summary>
    public static long ResidentBytes() => ReadStatusKb("VmRSS:") is long kb ? kb * 1024 : Process.GetCurrentProcess().WorkingSet64;

    /// <summary>Bytes of the managed heap in use.</summary>
    public static long ManagedHeapBytes() => GC.GetTotalMemory(forceFullCollection: false);

    /// <summary>
    /// Resets the kernel's peak-RSS counter to the current RSS (Linux: write "5" to /proc/self/clear_refs),
    /// so a measurement can start after, e.g., the build step. Returns false where unsupported.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    private static long? ReadStatusKb(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }
}
