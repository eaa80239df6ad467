using System.Diagnostics;

namespace Bramble.Cli.Support;

/// <summary>Process memory figures for benchmarks.</summary>
internal static class MemoryStats
{
    /// <summary>
    /// Peak resident set size in bytes: VmHWM from /proc/self/status on Linux (what the OOM killer on a
    /// Raspberry Pi cares about), else the runtime's peak working set.
    /// </summary>
    public static long PeakResidentBytes()
    {
        try
        {
            if (File.Exists("/proc/self/status"))
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                    var parts = line[6..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 1 && long.TryParse(parts[0], out long kb))
                        return kb * 1024;
                }
        }
        catch (IOException)
        {
            // Fall through: /proc may be unreadable in sandboxes.
        }
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
