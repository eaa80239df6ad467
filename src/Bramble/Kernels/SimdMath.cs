using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels;

/// <summary>
/// Vector operations whose result may differ between CPUs, written with the CPU's own instructions.
/// They compute exactly what <c>VectorNNN.MultiplyAddEstimate</c>/<c>MaxNative</c>/<c>MinNative</c> compute
/// (fused multiply-add where the CPU has FMA, else multiply then add; the CPU's max/min instruction), but
/// ReadyToRun may precompile them: it refuses to expand those "non-deterministic" APIs and calls their
/// element-by-element software fallback instead, which made precompiled kernels over 100 times slower.
/// </summary>
internal static class SimdMath
{
    /// <summary>a·b + c, fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        if (Fma.IsSupported) return Fma.MultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(c, a, b);
        return a * b + c;
    }

    /// <summary>a·b + c, fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>a·b + c, fused where the CPU has FMA (emulated as two halves without AVX-512, as the runtime does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported
            ? Avx512F.FusedMultiplyAdd(a, b, c)
            : Vector512.Create(MultiplyAdd(a.GetLower(), b.GetLower(), c.GetLower()), MultiplyAdd(a.GetUpper(), b.GetUpper(), c.GetUpper()));

    /// <summary>The CPU's max instruction (x86: the second operand when either is NaN or both are zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaxNative(Vector128<float> a, Vector128<float> b)
    {
        if (Sse.IsSupported) return Sse.Max(a, b);
        if (AdvSimd.IsSupported) return AdvSimd.Max(a, b);
        return Vector128.MaxNative(a, b);
    }

    /// <summary>The CPU's min instruction (x86: the second operand when either is NaN or both are zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MinNative(Vector128<float> a, Vector128<float> b)
    {
        if (Sse.IsSupported) return Sse.Min(a, b);
        if (AdvSimd.IsSupported) return AdvSimd.Min(a, b);
        return Vector128.MinNative(a, b);
    }

    /// <summary>The CPU's max instruction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxNative(Vector256<float> a, Vector256<float> b) =>
        Avx.IsSupported ? Avx.Max(a, b) : Vector256.MaxNative(a, b);

    /// <summary>The CPU's min instruction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MinNative(Vector256<float> a, Vector256<float> b) =>
        Avx.IsSupported ? Avx.Min(a, b) : Vector256.MinNative(a, b);

    /// <summary>The CPU's max instruction (two 256-bit halves without AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaxNative(Vector512<float> a, Vector512<float> b) =>
        Avx512F.IsSupported ? Avx512F.Max(a, b) : Vector512.Create(MaxNative(a.GetLower(), b.GetLower()), MaxNative(a.GetUpper(), b.GetUpper()));

    /// <summary>The CPU's min instruction (two 256-bit halves without AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MinNative(Vector512<float> a, Vector512<float> b) =>
        Avx512F.IsSupported ? Avx512F.Min(a, b) : Vector512.Create(MinNative(a.GetLower(), b.GetLower()), MinNative(a.GetUpper(), b.GetUpper()));
}
