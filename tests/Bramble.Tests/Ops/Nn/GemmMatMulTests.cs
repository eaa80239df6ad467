using Bramble.Tensors;
using static Bramble.Tests.Ops.Nn.NnTestKit;

namespace Bramble.Tests.Ops.Nn;

public class GemmMatMulTests
{
    [Fact]
    public void GemmHandChecked()
    {
        using var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        using var b = T([1, 0, 0, 1, 1, 1], 3, 2);
        using var c = T([10, 20], 2);
        using var y = Eval1(Node("Gemm", 3, A("alpha", 2f), A("beta", 0.5f)), a, b, c);
        // A·B = [[4, 5], [10, 11]].
        Close([8 + 5, 10 + 10, 20 + 5, 22 + 10], y);
    }

    [Fact]
    public void GemmTransposesAndBroadcastsC()
    {
        var rng = new Random(3);
        using var a = Random(rng, 4, 3); // transA: A is [K, M]
        using var b = Random(rng, 5, 4); // transB: B is [N, K]
        foreach (var cShape in new[] { new[] { 3, 5 }, new[] { 3, 1 }, new[] { 1, 5 }, new[] { 5 }, new[] { 1 }, Array.Empty<int>() })
        {
            using var c = Random(rng, cShape);
            using var y = Eval1(Node("Gemm", 3, A("transA", 1L), A("transB", 1L), A("beta", 2f)), a, b, c);
            var expected = new float[15];
            var av = a.ToArray<float>(); var bv = b.ToArray<float>(); var cv = c.ToArray<float>();
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 5; j++)
                {
                    double s = 0;
                    for (int k = 0; k < 4; k++) s += av[k * 3 + i] * bv[j * 4 + k];
                    int ci = cShape.Length == 2 ? (cShape[0] == 1 ? 0 : i) * cShape[1] + (cShape[1] == 1 ? 0 : j) : (cShape.Length == 1 && cShape[0] == 5 ? j : 0);
                    expected[i * 5 + j] = (float)(s + 2 * cv[ci]);
                }
            Close(expected, y);
        }
    }

    [Fact]
    public void GemmErrorsAndMacs()
    {
        var (shapes, macs) = Infer(Node("Gemm", 2), 17, [7, 3], [3, 5]);
        Assert.Equal([7, 5], shapes[0]!);
        Assert.Equal(7L * 5 * 3, macs);
        Assert.Throws<ShapeException>(() => Infer(Node("Gemm", 2), 17, [7, 3], [4, 5]));
        Assert.Throws<ShapeException>(() => Infer(Node("Gemm", 3), 17, [7, 3], [3, 5], [2, 5]));
    }

    [Fact]
    public void MatMulHandChecked()
    {
        using var a = T([1, 2, 3, 4], 2, 2);
        using var b = T([5, 6, 7, 8], 2, 2);
        Close([19, 22, 43, 50], Eval1(Node("MatMul", 2), a, b));
        using var v = T([1, 1], 2);
        using var av = Eval1(Node("MatMul", 2), a, v);
        Assert.Equal([2], av.Shape);
        Close([3, 7], av);
        using var va = Eval1(Node("MatMul", 2), v, a);
        Assert.Equal([2], va.Shape);
        Close([4, 6], va);
        using var vv = Eval1(Node("MatMul", 2), v, v);
        Assert.Empty(vv.Shape);
        Close([2], vv);
    }

    [Fact]
    public void MatMulBroadcastsBatches()
    {
        var rng = new Random(5);
        using var a = Random(rng, 2, 1, 3, 4);
        using var b = Random(rng, 3, 4, 2);
        using var y = Eval1(Node("MatMul", 2), a, b);
        Assert.Equal([2, 3, 3, 2], y.Shape);
        var av = a.ToArray<float>(); var bv = b.ToArray<float>(); var yv = y.ToArray<float>();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int r = 0; r < 3; r++)
                    for (int c = 0; c < 2; c++)
                    {
                        double s = 0;
                        for (int k = 0; k < 4; k++) s += av[(i * 3 + r) * 4 + k] * bv[(j * 4 + k) * 2 + c];
                        Assert.Equal(s, yv[((i * 3 + j) * 3 + r) * 2 + c], 5);
                    }
        var (_, macs) = Infer(Node("MatMul", 2), 17, [2, 1, 3, 4], [3, 4, 2]);
        Assert.Equal(2L * 3 * 3 * 2 * 4, macs);
        Assert.Throws<ShapeException>(() => Infer(Node("MatMul", 2), 17, [2, 3, 4], [3, 4, 2]));
        Assert.Throws<ShapeException>(() => Infer(Node("MatMul", 2), 17, [3, 4], [3, 2]));
    }
}
