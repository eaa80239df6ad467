using System.Runtime.Intrinsics;

namespace Bramble.Kernels;

/// <summary>SIMD width classes a kernel variant may use. Ordered: a cap admits every level up to it.</summary>
public enum Isa
{
    /// <summary>Plain C#; runs anywhere.</summary>
    Scalar = 0,
    /// <summary>128-bit vectors: SSE/AVX on x86, NEON (AdvSimd) on ARM64 — the Raspberry Pi path.</summary>
    Vector128 = 1,
    /// <summary>256-bit vectors: AVX2 + FMA.</summary>
    Vector256 = 2,
    /// <summary>512-bit vectors: AVX-512F (+BW, VNNI, VPOPCNTDQ where kernels need them).</summary>
    Vector512 = 3,
}

/// <summary>What this CPU supports, decided once.</summary>
public static class CpuFeatures
{
    /// <summary>The widest ISA level the hardware (and the runtime's DOTNET_Enable* switches) allow.</summary>
    public static readonly Isa Best =
        Vector512.IsHardwareAccelerated ? Isa.Vector512 :
        Vector256.IsHardwareAccelerated ? Isa.Vector256 :
        Vector128.IsHardwareAccelerated ? Isa.Vector128 : Isa.Scalar;

    /// <summary>The level kernels use under a cap: the lower of the cap and the hardware's best.</summary>
    public static Isa Effective(Isa cap) => cap < Best ? cap : Best;

    public static Isa Parse(string text) => text.ToLowerInvariant() switch
    {
        "scalar" => Isa.Scalar,
        "vector128" or "v128" or "sse" or "neon" or "128" => Isa.Vector128,
        "vector256" or "v256" or "avx2" or "256" => Isa.Vector256,
        "vector512" or "v512" or "avx512" or "512" => Isa.Vector512,
        "best" or "auto" => Best,
        _ => throw new BrambleException($"unknown ISA '{text}' (use scalar, vector128, vector256, vector512 or best)"),
    };
}
