using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Conv;

/// <summary>
/// In-register transpose of a 4×4 float block held as four 128-bit vectors: afterwards vector j holds what was
/// element j of each input vector. Two rounds: pair interleave (SSE unpcklps/unpckhps, NEON zip1/zip2 on 32-bit
/// lanes), then 64-bit halves combined (SSE movlhps/movhlps, NEON zip1/zip2 on 64-bit lanes). This is the
/// 128-bit path's counterpart of <see cref="Transpose8x8"/>, the one a Raspberry Pi runs. Callers check
/// <see cref="Supported"/>.
/// </summary>
internal static class Transpose4x4
{
    public static bool Supported => Sse.IsSupported || AdvSimd.Arm64.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(ref Vector128<float> r0, ref Vector128<float> r1, ref Vector128<float> r2, ref Vector128<float> r3)
    {
        if (Sse.IsSupported)
        {
            var t0 = Sse.UnpackLow(r0, r1); var t1 = Sse.UnpackHigh(r0, r1);
            var t2 = Sse.UnpackLow(r2, r3); var t3 = Sse.UnpackHigh(r2, r3);
            r0 = Sse.MoveLowToHigh(t0, t2); r1 = Sse.MoveHighToLow(t2, t0);
            r2 = Sse.MoveLowToHigh(t1, t3); r3 = Sse.MoveHighToLow(t3, t1);
        }
        else
        {
            var t0 = AdvSimd.Arm64.ZipLow(r0, r1).AsDouble(); var t1 = AdvSimd.Arm64.ZipHigh(r0, r1).AsDouble();
            var t2 = AdvSimd.Arm64.ZipLow(r2, r3).AsDouble(); var t3 = AdvSimd.Arm64.ZipHigh(r2, r3).AsDouble();
            r0 = AdvSimd.Arm64.ZipLow(t0, t2).AsSingle(); r1 = AdvSimd.Arm64.ZipHigh(t0, t2).AsSingle();
            r2 = AdvSimd.Arm64.ZipLow(t1, t3).AsSingle(); r3 = AdvSimd.Arm64.ZipHigh(t1, t3).AsSingle();
        }
    }
}
