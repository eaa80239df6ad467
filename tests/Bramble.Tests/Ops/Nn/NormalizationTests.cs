using Bramble.Tensors;
using static Bramble.Tests.Ops.Nn.NnTestKit;

namespace Bramble.Tests.Ops.Nn;

public class NormalizationTests
{
    [Fact]
    public void BatchNormalizationPerChannel()
    {
        using var x = T([1, 2, 3, 4, 5, 6, 7, 8], 2, 2, 2);
        using var scale = T([2, 0.5f], 2);
        using var bias = T([1, -1], 2);
        using var mean = T([1, 5], 2);
        using var variance = T([4, 0.25f], 2);
        var node = Node("BatchNormalization", 5, A("epsilon", 0f));
        using var y = Eval1(node, x, scale, bias, mean, variance);
        // channel 0: 2·(x−1)/2 + 1 = x; channel 1: 0.5·(x−5)/0.5 − 1 = x − 6.
        Close([1, 2, -3, -2, 5, 6, 1, 2], y);
    }

    [Fact]
    public void BatchNormalizationEpsilonAndOldSpatialZero()
    {
        using var x = T([1, 2, 3, 4], 2, 2);
        using var one = T([1, 1], 2);
        using var zero = T([0, 0], 2);
        using var y = Eval(Node("BatchNormalization", 5, A("epsilon", 3f)), 9, x, one, zero, zero, one)[0]!;
        Close([0.5f, 1, 1.5f, 2], y);
        // spatial=0 (opset 7): statistics per channel and position.
        using var x3 = T([1, 2, 3, 4, 5, 6, 7, 8], 2, 2, 2);
        using var s = T([1, 1, 1, 1], 2, 2);
        using var b = T([0, 0, 0, 0], 2, 2);
        using var m = T([1, 2, 3, 4], 2, 2);
        using var v = T([1, 1, 1, 1], 2, 2);
        using var y3 = Eval(Node("BatchNormalization", 5, A("epsilon", 0f), A("spatial", 0L)), 7, x3, s, b, m, v)[0]!;
        Close([0, 0, 0, 0, 4, 4, 4, 4], y3);
    }

    [Fact]
    public void BatchNormalizationTrainingModeUsesBatchStatistics()
    {
        using var x = T([1, 3, 5, 7], 2, 1, 2);
        using var one = T([1], 1);
        using var zero = T([0], 1);
        var outs = Eval(Node("BatchNormalization", 5, 3, A("training_mode", 1L), A("epsilon", 0f), A("momentum", 0.5f)), 15, x, one, zero, zero, one);
        // Batch mean 4, population variance 5.
        float sd = MathF.Sqrt(5);
        Close([-3 / sd, -1 / sd, 1 / sd, 3 / sd], outs[0]!);
        Close([2], outs[1]!);
        Close([3], outs[2]!);
    }

    [Fact]
    public void BatchNormalizationBadShapesAndOutputsAreErrors()
    {
        var e = Assert.Throws<ShapeException>(() => Infer(Node("BatchNormalization", 5), 15, [1, 2, 3], [3], [2], [2], [2]));
        Assert.Contains("scale", e.Message);
        Assert.Throws<ShapeException>(() => Infer(Node("BatchNormalization", 5, 3), 15, [1, 2, 3], [2], [2], [2], [2]));
        Assert.Throws<UnsupportedOperatorException>(() => Infer(Node("BatchNormalization", 5, 5), 7, [1, 2, 3], [2], [2], [2], [2]));
    }

    [Fact]
    public void InstanceNormalization()
    {
        using var x = T([1, 2, 3, 4, 10, 10, 10, 10], 1, 2, 4);
        using var scale = T([1, 2], 2);
        using var bias = T([0, 5], 2);
        using var y = Eval1(Node("InstanceNormalization", 3, A("epsilon", 0.01f)), x, scale, bias);
        float sd = MathF.Sqrt(1.25f + 0.01f);
        Close([-1.5f / sd, -0.5f / sd, 0.5f / sd, 1.5f / sd, 5, 5, 5, 5], y);
    }

    [Fact]
    public void LrnSumsOverNeighbouringChannels()
    {
        using var x = T([1, 2, 3, 4], 1, 4, 1, 1);
        using var y = Eval1(Node("LRN", 1, A("size", 3L), A("alpha", 3f), A("beta", 1f), A("bias", 1f)), x);
        // size 3: channel c sums c−1..c+1; alpha/size = 1.
        Close([1f / (1 + 1 + 4), 2f / (1 + 1 + 4 + 9), 3f / (1 + 4 + 9 + 16), 4f / (1 + 9 + 16)], y);
        using var e = Eval1(Node("LRN", 1, A("size", 2L), A("alpha", 2f), A("beta", 1f), A("bias", 0f)), x);
        // size 2: channel c sums c..c+1 (floor((size−1)/2) = 0 before, 1 after).
        Close([1f / 5, 2f / 13, 3f / 25, 4f / 16], e);
    }

    [Fact]
    public void LpNormalization()
    {
        using var x = T([3, 4, 0, 0, 1, -1], 3, 2);
        using var l2 = Eval1(Node("LpNormalization", 1), x);
        Close([0.6f, 0.8f, 0, 0, 1 / MathF.Sqrt(2), -1 / MathF.Sqrt(2)], l2);
        using var l1 = Eval1(Node("LpNormalization", 1, A("p", 1L), A("axis", 0L)), x);
        Close([0.75f, 0.8f, 0, 0, 0.25f, -0.2f], l1);
    }
}
