using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Conv;

namespace Bramble.Kernels.Int8;

/// <summary>
/// Quantized planes read as x − x_zp in float (exact: |x − x_zp| ≤ 255), so the channel-interleaving transposes
/// of the float depthwise kernel widen the bytes on the way instead of in a pass of their own.
/// </summary>
internal readonly unsafe struct ZeroPointBytes(byte* x, long planeStride, int zeroPoint, bool signed) : IPlaneSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Load8(int channel, long pixel)
    {
        var wide = ByteWidening.Widen8(x + channel * planeStride + pixel, signed);
        return Avx.ConvertToVector256Single(Avx2.Subtract(wide, Vector256.Create(zeroPoint)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Load4(int channel, long pixel) =>
        Vector128.ConvertToSingle(ByteWidening.Widen4(x + channel * planeStride + pixel, signed) - Vector128.Create(zeroPoint));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int channel, long pixel)
    {
        long i = channel * planeStride + pixel;
        return (signed ? ((sbyte*)x)[i] : x[i]) - zeroPoint;
    }
}
