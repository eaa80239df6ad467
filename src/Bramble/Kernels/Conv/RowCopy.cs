using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Conv;

/// <summary>Short row moves for packing (a piece is at most one panel width, typically 16 floats).</summary>
internal static unsafe class RowCopy
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zero(float* d, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.Store(Vector256<float>.Zero, d + i);
        for (; i + 4 <= n; i += 4) Vector128.Store(Vector128<float>.Zero, d + i);
        for (; i < n; i++) d[i] = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* s, float* d, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(s + i), d + i);
        for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(s + i), d + i);
        for (; i < n; i++) d[i] = s[i];
    }

    /// <summary>
    /// d[i] = s[2i] for i &lt; n. A vector step reads s[2i .. 2i+2·Count−1]: one float past the last one it
    /// keeps, so it runs only while that float is still before <paramref name="end"/> (never past the input).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GatherEven(float* s, float* d, int n, float* end)
    {
        int i = 0;
        if (F256.Supported)
            for (; i + 8 <= n && s + 2 * i + 16 <= end; i += 8) F256.StoreEvenOrder(F256.LoadEven(s + 2 * i), d + i);
        if (F128.Supported)
            for (; i + 4 <= n && s + 2 * i + 8 <= end; i += 4) F128.StoreEvenOrder(F128.LoadEven(s + 2 * i), d + i);
        for (; i < n; i++) d[i] = s[2 * i];
    }
}
