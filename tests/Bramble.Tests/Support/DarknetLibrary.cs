using System.Runtime.InteropServices;

namespace Bramble.Tests.Support;

/// <summary>
/// Loads Debian's libdarknet.so once per test process. The library is built with -Ofast, so its load-time startup
/// code switches the loading thread's MXCSR to flush-to-zero / denormals-are-zero. Loading it on a throwaway thread
/// keeps that setting away from the xunit worker threads, where it would silently change later tests' arithmetic
/// (subnormal floats read as 0). Later dlopen calls, including the runtime's for [DllImport], reuse the loaded
/// library and do not run its startup code again.
/// </summary>
internal static class DarknetLibrary
{
    public const string Path = "/usr/lib/darknet/libdarknet.so";

    private static readonly Lazy<nint> Handle = new(LoadOnThrowawayThread, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether the library can be loaded on this machine (x64 Linux with the package installed).</summary>
    public static bool IsAvailable => RuntimeInformation.ProcessArchitecture == Architecture.X64 && OperatingSystem.IsLinux() && File.Exists(Path);

    /// <summary>The library's handle, loading it first if needed.</summary>
    public static nint Load() => Handle.Value;

    private static nint LoadOnThrowawayThread()
    {
        nint handle = 0;
        Exception? error = null;
        var loader = new Thread(() =>
        {
            try { handle = NativeLibrary.Load(Path); }
            catch (Exception e) { error = e; }
        });
        loader.Start();
        loader.Join();
        if (error is not null) throw new InvalidOperationException($"cannot load {Path}: {error.Message}", error);
        return handle;
    }
}
