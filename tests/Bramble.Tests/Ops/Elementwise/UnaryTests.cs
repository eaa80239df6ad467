using Bramble.Tensors;
using static Bramble.Tests.Ops.OpTester;

namespace Bramble.Tests.Ops.Elementwise;

public class UnaryTests
{
    private static readonly float[] X = [-2, -0.5f, 0, 0.5f, 3];

    private static float[] Map(Func<double, double> f) => X.Select(v => (float)f(v)).ToArray();

    [Theory]
    [InlineData("Exp")]
    [InlineData("Sin")]
    [InlineData("Cos")]
    [InlineData("Tanh")]
    [InlineData("Floor")]
    [InlineData("Ceil")]
    [InlineData("Neg")]
    [InlineData("Abs")]
    [InlineData("Sign")]
    [InlineData("Relu")]
    [InlineData("Sigmoid")]
    [InlineData("Softsign")]
    [InlineData("Softplus")]
    [InlineData("HardSwish")]
    [InlineData("Atan")]
    [InlineData("Sinh")]
    public void MatchesTheMathematicalDefinition(string op)
    {
        Func<double, double> f = op switch
        {
            "Exp" => Math.Exp,
            "Sin" => Math.Sin,
            "Cos" => Math.Cos,
            "Tanh" => Math.Tanh,
            "Floor" => Math.Floor,
            "Ceil" => Math.Ceiling,
            "Neg" => v => -v,
            "Abs" => Math.Abs,
            "Sign" => v => Math.Sign(v),
            "Relu" => v => Math.Max(v, 0),
            "Sigmoid" => v => 1 / (1 + Math.Exp(-v)),
            "Softsign" => v => v / (1 + Math.Abs(v)),
            "Softplus" => v => Math.Log(Math.Exp(v) + 1),
            "HardSwish" => v => v * Math.Max(0, Math.Min(1, v / 6 + 0.5)),
            "Atan" => Math.Atan,
            "Sinh" => Math.Sinh,
            _ => throw new ArgumentException(op),
        };
        using var y = Run(op, F(X, 5));
        Assert.Equal([5], y.Shape);
        Close(Map(f), y);
    }

    [Fact]
    public void SqrtLogReciprocalOfPositiveAndEdgeValues()
    {
        using var s = Run("Sqrt", F([4, 2, 0, -1], 4));
        Close([2, MathF.Sqrt(2), 0, float.NaN], s);
        using var l = Run("Log", F([1, MathF.E, 0], 3));
        Close([0, 1, float.NegativeInfinity], l);
        using var r = Run("Reciprocal", F([4, -0.5f, 0], 3));
        Close([0.25f, -2, float.PositiveInfinity], r);
    }

    [Fact]
    public void RoundIsHalfToEven()
    {
        using var y = Run("Round", F([0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, -2.6f], 7));
        Assert.Equal([0f, 2, 2, -0f, -2, 2, -3], y.ToArray<float>());
    }

    [Fact]
    public void ErfMatchesKnownValues()
    {
        // Reference values of erf to 16 digits.
        using var y = Run("Erf", D([0, 0.5, 1, -1, 2.5, 3, 6, -30], 8));
        var got = y.ToArray<double>();
        double[] expected = [0, 0.5204998778130465, 0.8427007929497149, -0.8427007929497149, 0.9995930479825550, 0.9999779095030014, 1, -1];
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) < 1e-14, $"erf element {i}: {got[i]}");
    }

    [Fact]
    public void AbsNegSignOnIntegers()
    {
        using var a = Run("Abs", I32([-3, 0, int.MinValue, 7], 4));
        Assert.Equal([3, 0, int.MinValue, 7], a.ToArray<int>());
        using var n = Run("Neg", I64([-3, 0, 5], 3));
        Assert.Equal([3L, 0, -5], n.ToArray<long>());
        using var s = Run("Sign", Tensor.FromArray(new sbyte[] { -9, 0, 4 }, 3));
        Assert.Equal(new sbyte[] { -1, 0, 1 }, s.ToArray<sbyte>());
        using var u = Run("Sign", Tensor.FromArray(new byte[] { 0, 9 }, 2));
        Assert.Equal(new byte[] { 0, 1 }, u.ToArray<byte>());
    }

    [Fact]
    public void NegOfUnsignedIsUnsupported()
    {
        var e = Assert.Throws<UnsupportedOperatorException>(() => Run("Neg", Tensor.FromArray(new byte[] { 1 }, 1)));
        Assert.Contains("uint8", e.Message);
    }

    [Fact]
    public void ReluOnIntegersAndNaN()
    {
        using var i = Run("Relu", I32([-5, 0, 5], 3));
        Assert.Equal([0, 0, 5], i.ToArray<int>());
        using var f = Run("Relu", F([float.NaN, -0.1f], 2));
        Close([float.NaN, 0], f);
    }

    [Fact]
    public void FloatOpsRejectIntegers()
    {
        var e = Assert.Throws<UnsupportedOperatorException>(() => Run("Exp", I32([1], 1)));
        Assert.Contains("Exp", e.Message);
        Assert.Contains("int32", e.Message);
    }

    [Fact]
    public void EmptyAndScalarInputs()
    {
        using var e = Run("Sigmoid", F([], 0, 4));
        Assert.Equal([0, 4], e.Shape);
        using var s = Run("Exp", F([0], []));
        Assert.Empty(s.Shape);
        Assert.Equal([1f], s.ToArray<float>());
    }

    [Fact]
    public void HalfIsComputedAndRoundedOnce()
    {
        using var y = Run("Exp", Tensor.FromArray(new[] { (Half)1f }, 1));
        Assert.Equal((Half)Math.E, y.ToArray<Half>()[0]);
    }

    [Fact]
    public void SigmoidDoesNotOverflow()
    {
        using var y = Run("Sigmoid", D([-800, 800], 2));
        Assert.Equal([0.0, 1.0], y.ToArray<double>());
    }
}

public class ActivationTests
{
    [Fact]
    public void LeakyReluDefaultAndCustomAlpha()
    {
        using var d = Run("LeakyRelu", F([-10, 3], 2));
        Close([-0.1f, 3], d);
        using var c = Run("LeakyRelu", F([-10, 3], 2), A("alpha", 0.5f));
        Close([-5, 3], c);
    }

    [Fact]
    public void HardSigmoidClampsToUnitInterval()
    {
        using var y = Run("HardSigmoid", F([-10, 0, 1, 10], 4));
        Close([0, 0.5f, 0.7f, 1], y);
        using var z = Run("HardSigmoid", F([1], 1), A("alpha", 0.5f), A("beta", 0.25f));
        Close([0.75f], z);
    }

    [Fact]
    public void EluSeluCelu()
    {
        using var e = Run("Elu", F([-1, 2], 2), A("alpha", 2f));
        Close([2 * (MathF.Exp(-1) - 1), 2], e);
        using var s = Run("Selu", F([-1, 2], 2));
        const double alpha = 1.67326319217681884765625, gamma = 1.05070102214813232421875;
        Close([(float)(gamma * alpha * (Math.Exp(-1) - 1)), (float)(gamma * 2)], s);
        using var c = Run("Celu", F([-1, 2], 2), A("alpha", 2f));
        Close([(float)(2 * (Math.Exp(-0.5) - 1)), 2], c);
    }

    [Fact]
    public void ThresholdedReluKeepsOnlyValuesAboveAlpha()
    {
        using var y = Run("ThresholdedRelu", F([0.5f, 1, 1.5f, -3], 4));
        Close([0, 0, 1.5f, 0], y);
        using var z = Run("ThresholdedRelu", F([0.5f, 1.5f], 2), A("alpha", 0.25f));
        Close([0.5f, 1.5f], z);
    }

    [Fact]
    public void SoftplusIsStableForLargeInputs()
    {
        using var y = Run("Softplus", D([1000, -1000, 0], 3));
        var got = y.ToArray<double>();
        Assert.Equal(1000, got[0]);
        Assert.True(got[1] >= 0 && got[1] < 1e-300);
        Assert.Equal(Math.Log(2), got[2], 15);
    }

    [Fact]
    public void Mish()
    {
        using var y = Run("Mish", [F([-1, 0, 2], 3)], 18);
        Close([-1 * MathF.Tanh(MathF.Log(1 + MathF.Exp(-1))), 0, 2 * MathF.Tanh(MathF.Log(1 + MathF.Exp(2)))], y, 1e-5);
    }

    [Fact]
    public void GeluExactAndTanh()
    {
        // Φ(1) = 0.8413447460685429, Φ(-1) = 0.15865525393145707.
        using var y = Run("Gelu", [D([1, -1, 0], 3)], 20);
        var got = y.ToArray<double>();
        Assert.Equal(0.8413447460685429, got[0], 14);
        Assert.Equal(-0.15865525393145707, got[1], 14);
        Assert.Equal(0, got[2]);
        using var t = Run("Gelu", [F([1], 1)], 20, Bramble.Graph.Attribute.Of("approximate", "tanh"));
        Close([(float)(0.5 * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * 1.044715)))], t);
        Assert.Throws<ShapeException>(() => Run("Gelu", [F([1], 1)], 20, Bramble.Graph.Attribute.Of("approximate", "erf")));
    }

    [Fact]
    public void Shrink()
    {
        using var y = Run("Shrink", F([-2, -0.5f, 0, 0.5f, 2], 5), A("lambd", 1f), A("bias", 0.5f));
        Close([-1.5f, 0, 0, 0, 1.5f], y);
        using var d = Run("Shrink", F([-1, 0.4f, 0.6f], 3));
        Close([-1, 0, 0.6f], d);
    }

    [Fact]
    public void ClipOpset6UsesAttributes()
    {
        using var y = Run("Clip", [F([-5, 0, 5], 3)], 6, A("min", -1f), A("max", 2f));
        Assert.Equal([-1f, 0, 2], y.ToArray<float>());
        using var open = Run("Clip", [F([float.NegativeInfinity, 5], 2)], 6, A("max", 2f));
        Assert.Equal([float.MinValue, 2f], open.ToArray<float>());
    }

    [Fact]
    public void ClipOpset11UsesOptionalInputs()
    {
        using var both = Run("Clip", [F([-5, 0, 5], 3), F([-1], []), F([2], [])], 13);
        Assert.Equal([-1f, 0, 2], both.ToArray<float>());
        using var maxOnly = Run("Clip", [F([-5, 0, 5], 3), null, F([2], [])], 13);
        Assert.Equal([-5f, 0, 2], maxOnly.ToArray<float>());
        using var none = Run("Clip", [F([float.NegativeInfinity, 5], 2)], 13);
        Assert.Equal([float.NegativeInfinity, 5f], none.ToArray<float>());
        using var ints = Run("Clip", [I64([-5, 0, 5], 3), I64([-1], []), I64([3], [])], 13);
        Assert.Equal([-1L, 0, 3], ints.ToArray<long>());
    }

    [Fact]
    public void ClipBoundMustBeScalar()
    {
        Assert.Throws<ShapeException>(() => Run("Clip", [F([1, 2], 2), F([0, 0], 2)], 13));
    }
}
