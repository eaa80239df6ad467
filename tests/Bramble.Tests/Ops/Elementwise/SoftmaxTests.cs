using Bramble.Tensors;
using static Bramble.Tests.Ops.OpTester;

namespace Bramble.Tests.Ops.Elementwise;

public class SoftmaxTests
{
    private static float[] Softmax(params double[] x)
    {
        double m = x.Max();
        double s = x.Sum(v => Math.Exp(v - m));
        return x.Select(v => (float)(Math.Exp(v - m) / s)).ToArray();
    }

    [Fact]
    public void Opset13NormalisesAlongTheLastAxisByDefault()
    {
        using var y = Run("Softmax", F([1, 2, 3, 1, 1, 1], 2, 3));
        Close([.. Softmax(1, 2, 3), .. Softmax(1, 1, 1)], y);
    }

    [Fact]
    public void Opset13NormalisesAlongAMiddleAxis()
    {
        // x[i,j,k] = 3j + k over shape [1,2,3], axis 1: pairs (k, 3 + k).
        using var y = Run("Softmax", [F([0, 1, 2, 3, 4, 5], 1, 2, 3)], 13, A("axis", 1L));
        var p = Softmax(0, 3);
        Close([p[0], p[0], p[0], p[1], p[1], p[1]], y);
    }

    [Fact]
    public void Opset11CoercesTo2DFromTheAxis()
    {
        // Default axis 1 on [1,2,3]: one row of six values.
        using var y = Run("Softmax", [F([0, 1, 2, 3, 4, 5], 1, 2, 3)], 11);
        Close(Softmax(0, 1, 2, 3, 4, 5), y);
        // axis 2 on [2,1,3]: rows of three.
        using var z = Run("Softmax", [F([0, 1, 2, 3, 4, 5], 2, 1, 3)], 11, A("axis", 2L));
        Close([.. Softmax(0, 1, 2), .. Softmax(3, 4, 5)], z);
    }

    [Fact]
    public void NegativeAxisAndLargeNumbers()
    {
        using var y = Run("Softmax", [F([1000, 1001, 1002, -1000, -1000, -1000], 2, 3)], 13, A("axis", -1L));
        Close([.. Softmax(0, 1, 2), .. Softmax(1, 1, 1)], y);
    }

    [Fact]
    public void LogSoftmax()
    {
        using var y = Run("LogSoftmax", F([1, 2, 3], 1, 3));
        Close(Softmax(1, 2, 3).Select(v => MathF.Log(v)).ToArray(), y, 1e-5);
    }

    [Fact]
    public void HardmaxPicksTheFirstMaximum()
    {
        using var y = Run("Hardmax", F([1, 3, 3, 0, -1, -2], 2, 3));
        Assert.Equal([0f, 1, 0, 1, 0, 0], y.ToArray<float>());
        using var z = Run("Hardmax", [F([1, 5, 3, 2], 2, 2)], 13, A("axis", 0L));
        Assert.Equal([0f, 1, 1, 0], z.ToArray<float>());
    }

    [Fact]
    public void AxisOutOfRangeIsAnError()
    {
        var e = Assert.Throws<ShapeException>(() => Run("Softmax", [F([1, 2], 2)], 13, A("axis", 1L)));
        Assert.Contains("axis", e.Message);
    }

    [Fact]
    public void EmptyInputAndSessionRun()
    {
        using var e = Run("Softmax", F([], 0, 3));
        Assert.Equal([0, 3], e.Shape);
        using var x = F([1, 2, 3, 4], 2, 2);
        using var y = RunSession("Softmax", [x], DataType.Float32);
        Close([.. Softmax(1, 2), .. Softmax(3, 4)], y);
    }
}
