using System.Runtime.Intrinsics;
using Bramble.Kernels;

namespace Bramble.Tests.Kernels;

/// <summary>SimdMath must compute bit for bit what the runtime's *Estimate/*Native APIs compute on this CPU.</summary>
public class SimdMathTests
{
    // Products that round differently fused and unfused, plus NaN, signed zeros and infinities for max/min.
    private static float[] Values()
    {
        var random = new Random(7);
        var v = new float[64];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(random.NextDouble() * 2 - 1) * MathF.Pow(2, random.Next(-20, 20));
        v[3] = float.NaN; v[9] = -0f; v[10] = 0f; v[17] = float.PositiveInfinity; v[30] = float.NegativeInfinity; v[41] = float.NaN;
        return v;
    }

    private static uint[] Bits<TV>(TV v, int count) where TV : struct
    {
        var floats = new float[count];
        System.Runtime.CompilerServices.Unsafe.As<float, TV>(ref floats[0]) = v;
        return floats.Select(BitConverter.SingleToUInt32Bits).ToArray();
    }

    [Fact]
    public void MultiplyAddMatchesMultiplyAddEstimateBitForBit()
    {
        var v = Values();
        var w = Values().Reverse().ToArray();
        var u = Values().Select(x => x * 0.37f).ToArray();
        for (int i = 0; i + 16 <= v.Length; i += 4)
        {
            var a4 = Vector128.Create(v.AsSpan(i, 4)); var b4 = Vector128.Create(w.AsSpan(i, 4)); var c4 = Vector128.Create(u.AsSpan(i, 4));
            Assert.Equal(Bits(Vector128.MultiplyAddEstimate(a4, b4, c4), 4), Bits(SimdMath.MultiplyAdd(a4, b4, c4), 4));
            var a8 = Vector256.Create(v.AsSpan(i, 8)); var b8 = Vector256.Create(w.AsSpan(i, 8)); var c8 = Vector256.Create(u.AsSpan(i, 8));
            Assert.Equal(Bits(Vector256.MultiplyAddEstimate(a8, b8, c8), 8), Bits(SimdMath.MultiplyAdd(a8, b8, c8), 8));
            var a16 = Vector512.Create(v.AsSpan(i, 16)); var b16 = Vector512.Create(w.AsSpan(i, 16)); var c16 = Vector512.Create(u.AsSpan(i, 16));
            Assert.Equal(Bits(Vector512.MultiplyAddEstimate(a16, b16, c16), 16), Bits(SimdMath.MultiplyAdd(a16, b16, c16), 16));
        }
    }

    [Fact]
    public void MaxAndMinMatchTheNativeApisIncludingNaNAndSignedZeros()
    {
        var v = Values();
        var w = Values().Select((x, i) => i % 3 == 0 ? -x : x).Reverse().ToArray();
        for (int i = 0; i + 8 <= v.Length; i += 2)
        {
            var a4 = Vector128.Create(v.AsSpan(i, 4)); var b4 = Vector128.Create(w.AsSpan(i, 4));
            Assert.Equal(Bits(Vector128.MaxNative(a4, b4), 4), Bits(SimdMath.MaxNative(a4, b4), 4));
            Assert.Equal(Bits(Vector128.MinNative(a4, b4), 4), Bits(SimdMath.MinNative(a4, b4), 4));
            var a8 = Vector256.Create(v.AsSpan(i, 8)); var b8 = Vector256.Create(w.AsSpan(i, 8));
            Assert.Equal(Bits(Vector256.MaxNative(a8, b8), 8), Bits(SimdMath.MaxNative(a8, b8), 8));
            Assert.Equal(Bits(Vector256.MinNative(a8, b8), 8), Bits(SimdMath.MinNative(a8, b8), 8));
        }
    }
}
