using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

/// <summary>8-bit codes (uint8, or int8 when <c>signed</c>) widened to int32 lanes: the first step of every int8 kernel that computes in wider types.</summary>
internal static unsafe class ByteWidening
{
    /// <summary>Bytes p[0..8) as eight int32 (AVX2 machines only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Widen8(byte* p, bool signed) =>
        signed ? Avx2.ConvertToVector256Int32((sbyte*)p) : Avx2.ConvertToVector256Int32(p);

    /// <summary>Bytes p[0..4) as four int32, portable (what ARM runs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Widen4(byte* p, bool signed)
    {
        var bytes = Vector128.CreateScalar(*(uint*)p).AsByte();
        return signed
            ? Vector128.WidenLower(Vector128.WidenLower(bytes.AsSByte()))
            : Vector128.WidenLower(Vector128.WidenLower(bytes)).AsInt32();
    }
}
