using Bramble.Training.Gradients;
using static Bramble.Tests.Training.GradientCheck;
using A = Bramble.Graph.Attribute;

namespace Bramble.Tests.Training;

/// <summary>Every differentiable op's input and weight gradients against central finite differences.</summary>
public class GradientTests
{
    private static A Ints(string name, params long[] v) => A.Of(name, v);

    [Theory]
    [InlineData(1, 1, 1, 1, 1, true)]   // plain 3×3, pad 1, bias
    [InlineData(1, 2, 1, 1, 1, false)]  // stride 2
    [InlineData(1, 1, 2, 0, 1, true)]   // dilation 2, no padding
    [InlineData(2, 1, 1, 1, 1, true)]   // two groups
    [InlineData(4, 1, 1, 1, 1, true)]   // depthwise
    [InlineData(4, 2, 1, 1, 2, false)]  // depthwise, channel multiplier 2, stride 2
    [InlineData(1, 2, 2, 2, 1, true)]   // stride 2 with dilation 2
    public void Conv(int group, int stride, int dilation, int pad, int multiplier, bool bias)
    {
        int c = 4, m = group == c ? c * multiplier : 6;
        var node = Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], "y",
            Ints("kernel_shape", 3, 3), Ints("strides", stride, stride), Ints("dilations", dilation, dilation),
            Ints("pads", pad, pad, pad, pad), A.Of("group", (long)group));
        var inits = new List<(string, int[], float[]?)> { ("w", [m, c / group, 3, 3], null) };
        if (bias) inits.Add(("b", [m], null));
        Assert.True(MaxError(Build([2, c, 7, 6], [node], inits.ToArray())) < Tolerance);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    public void DepthwiseOnRowsWiderThanAVector(int stride, int dilation)
    {
        // 21 columns: the row loops run vector bodies and ragged tails; taps near the edges get partial ranges.
        var node = Node("Conv", ["x", "w", "b"], "y", Ints("kernel_shape", 3, 3), Ints("strides", stride, stride),
            Ints("dilations", dilation, dilation), Ints("pads", 1, 2, 1, 0), A.Of("group", 3L));
        Assert.True(MaxError(Build([1, 3, 5, 21], [node], ("w", [3, 1, 3, 3], null), ("b", [3], null))) < Tolerance);
    }

    [Fact]
    public void PointwiseConvAndAsymmetricSamePadding()
    {
        var pw = Node("Conv", ["x", "w1"], "h", Ints("kernel_shape", 1, 1));
        var same = Node("Conv", ["h", "w2", "b2"], "y", Ints("kernel_shape", 2, 3), Ints("strides", 2, 1), A.Of("auto_pad", "SAME_UPPER"));
        Assert.True(MaxError(Build([3, 3, 5, 5], [pw, same], ("w1", [5, 3, 1, 1], null), ("w2", [2, 5, 2, 3], null), ("b2", [2], null))) < Tolerance);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public void Gemm(int transA, int transB)
    {
        // A is the input x: [4,5] or, transposed, [5,4]; C broadcasts along rows.
        int[] a = transA == 1 ? [5, 4] : [4, 5];
        int[] b = transB == 1 ? [3, 5] : [5, 3];
        var node = Node("Gemm", ["x", "b", "c"], "y", A.Of("transA", (long)transA), A.Of("transB", (long)transB), A.Of("alpha", 0.7f), A.Of("beta", 1.3f));
        Assert.True(MaxError(Build(a, [node], ("b", b, null), ("c", [3], null))) < Tolerance);
    }

    [Fact]
    public void MatMul() =>
        Assert.True(MaxError(Build([2, 3, 4], [Node("MatMul", ["x", "w"])], ("w", [4, 5], null))) < Tolerance);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormalization(bool training)
    {
        var node = Node("BatchNormalization", ["x", "s", "b", "mean", "var"], "y", A.Of("epsilon", 1e-3f));
        var g = Build([3, 2, 3, 3], [node], ("s", [2], [1.5f, 0.7f]), ("b", [2], [0.1f, -0.2f]), ("mean", [2], [0.1f, 0.2f]), ("var", [2], [1.2f, 0.8f]));
        Assert.True(MaxError(g, training) < Tolerance);
    }

    [Theory]
    [InlineData("Relu")]
    [InlineData("LeakyRelu")]
    [InlineData("Sigmoid")]
    [InlineData("HardSwish")]
    public void Activation(string op)
    {
        // A weight before the activation makes the check cover parameters as well as the input.
        var scale = Node("Mul", ["x", "k"], "h");
        var act = Node(op, ["h"], "y", A.Of("alpha", 0.1f));
        Assert.True(MaxError(Build([2, 3, 4], [scale, act], ("k", [4], [3f, -2f, 1.5f, 4f]))) < Tolerance);
    }

    [Fact]
    public void ClipWithBoundInputs()
    {
        var node = Node("Clip", ["x", "lo", "hi"]);
        Assert.True(MaxError(Build([3, 7], [node], ("lo", [], [-0.4f]), ("hi", [], [0.5f]))) < Tolerance);
    }

    [Theory]
    [InlineData("MaxPool", 3, 2, 1, 0)]
    [InlineData("MaxPool", 2, 2, 0, 0)]
    [InlineData("AveragePool", 3, 2, 1, 0)]
    [InlineData("AveragePool", 3, 2, 1, 1)]
    [InlineData("AveragePool", 2, 1, 0, 0)]
    [InlineData("MaxPool", 2, 2, 0, 0, 9)]
    public void Pool(string op, int kernel, int stride, int pad, int includePad, int width = 5)
    {
        var node = Node(op, ["x"], "y", Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride),
            Ints("pads", pad, pad, pad, pad), A.Of("count_include_pad", (long)includePad));
        Assert.True(MaxError(Build([2, 2, 6, width], [node])) < Tolerance);
    }

    [Fact]
    public void MaxPoolTiesSendTheGradientToTheFirstMaximumInScanOrder()
    {
        var node = Node("MaxPool", ["x"], "y", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        var graph = new Bramble.Training.Autodiff.TrainingGraph(Build([1, 1, 2, 4], [node])) { InputRequiresGradient = true };
        graph.RefreshGradientFlow();
        using var ctx = new Bramble.Training.Autodiff.TrainContext(threads: 1);
        // Window 1: all equal → top-left; window 2: the two bottom values tie for the maximum → bottom-left.
        float[] x = [5, 5, 1, 2, 5, 5, 7, 7];
        var y = graph.Forward(x, 1, ctx);
        Assert.Equal([5f, 7f], y.Data);
        graph.Backward([1f, 10f], ctx);
        Assert.Equal([1f, 0, 0, 0, 0, 0, 10f, 0], graph.Input.Grad);
    }

    [Fact]
    public void GlobalAveragePool() => Assert.True(MaxError(Build([2, 3, 4, 5], [Node("GlobalAveragePool", ["x"])])) < Tolerance);

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    public void BroadcastArithmetic(string op) =>
        Assert.True(MaxError(Build([2, 3, 4], [Node(op, ["x", "p"])], ("p", [3, 1], null))) < Tolerance);

    [Fact]
    public void ResidualAddSumsBothBranches()
    {
        var conv = Node("Conv", ["x", "w"], "h", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
        var add = Node("Add", ["h", "x"]);
        Assert.True(MaxError(Build([2, 3, 4, 4], [conv, add], ("w", [3, 3, 3, 3], null))) < Tolerance);
    }

    [Fact]
    public void ConcatReshapeFlattenTranspose()
    {
        var mul = Node("Mul", ["x", "k"], "h");
        var concat = Node("Concat", ["x", "h"], "c", A.Of("axis", 1L));
        var transpose = Node("Transpose", ["c"], "t", Ints("perm", 0, 2, 1));
        var reshape = Node("Reshape", ["t", "shape"], "r");
        var flatten = Node("Flatten", ["r"], "y", A.Of("axis", 1L));
        var g = Build([2, 3, 4], [mul, concat, transpose, reshape, flatten], ("k", [4], null));
        g.Initializers["shape"] = Bramble.Tensors.Tensor.FromArray(new long[] { 0, -1, 3 }, 3);
        Assert.True(MaxError(g) < Tolerance);
    }

    [Fact]
    public void Dropout()
    {
        var mul = Node("Mul", ["x", "k"], "h");
        var drop = Node("Dropout", ["h", "ratio"]);
        Assert.True(MaxError(Build([4, 8], [mul, drop], ("k", [8], null), ("ratio", [], [0.4f]))) < Tolerance);
    }

    [Fact]
    public void DropoutZeroesAboutRatioAndScalesTheRest()
    {
        var g = Build([50, 40], [Node("Dropout", ["x", "ratio"])], ("ratio", [], [0.25f]));
        var tg = new Bramble.Training.Autodiff.TrainingGraph(g);
        using var ctx = new Bramble.Training.Autodiff.TrainContext(1, 3);
        var ones = Enumerable.Repeat(1f, 2000).ToArray();
        var y = tg.Forward(ones, 50, ctx).Data;
        int zeros = y.Count(v => v == 0);
        Assert.InRange(zeros, 400, 600);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1f / 0.75f, v, 5));
        ctx.Training = false;
        Assert.All(tg.Forward(ones, 50, ctx).Data, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void SoftmaxCrossEntropyGradientMatchesFiniteDifferences()
    {
        var random = new Random(1);
        float[] logits = Enumerable.Range(0, 12).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        int[] labels = [2, 0, 3];
        var grad = new float[12];
        var (loss, _) = SoftmaxCrossEntropy.Compute(logits, 3, 4, labels, grad, labelSmoothing: 0.1f);
        Assert.True(loss > 0);
        for (int i = 0; i < 12; i++)
        {
            float keep = logits[i];
            logits[i] = keep + 1e-3f;
            double plus = SoftmaxCrossEntropy.Compute(logits, 3, 4, labels, Span<float>.Empty, 0.1f).Loss;
            logits[i] = keep - 1e-3f;
            double minus = SoftmaxCrossEntropy.Compute(logits, 3, 4, labels, Span<float>.Empty, 0.1f).Loss;
            logits[i] = keep;
            Assert.Equal((plus - minus) / 2e-3, grad[i], 3);
        }
    }

    [Fact]
    public void UnsupportedOperatorIsNamed()
    {
        var g = Build([2, 3], [Node("Softsign", ["x"])]);
        var e = Assert.Throws<UnsupportedOperatorException>(() => new Bramble.Training.Autodiff.TrainingGraph(g));
        Assert.Contains("Softsign", e.Message);
    }
}
